"""Words that name the same thing in software documentation, for lexical matching.

Why: offline, retrieval (BM25 and the `local` embedder) and the offline answer match words,
and a user's question often says a thing with another word than the documents do ("remove"
where a manual says "delete", "folder" where it says "directory", "hex" where it says
"hexadecimal"). A thesaurus is how keyword search engines bridge that without a model (the
synonym filters of Lucene and Elasticsearch); this one is small and general, written for
software documentation as a whole, not for any corpus: abbreviations and their words, British
and American spellings, and verbs that technical writers use for one operation.

Each group is a set of words with one meaning; groups never share a word (`RELATED` is built
from disjoint groups, a test holds that), because a word in two groups would join unrelated
ones ("remove" is in the group of "delete", so "uninstall" is not). Words are compared by
their `kit.text.stem`, the way every reader of the index compares them.
"""

from __future__ import annotations

from scaffolder.kit.text import stem

#: How much a synonym counts where the word itself counts 1: a paraphrase is likelier than
#: not to mean the same, less surely than the word the question used. Set at one half before
#: measuring, not tuned.
SYNONYM_WEIGHT = 0.5

#: One line per meaning. Left out on purpose: words whose everyday sense is wider than the
#: technical one ("make", "get", "set", "list", "end", "text"), which would match too much.
GROUPS: tuple[tuple[str, ...], ...] = (
    # Abbreviations and the words they stand for.
    ("argument", "arg", "args", "argv"),
    ("parameter", "param", "params"),
    ("configuration", "config", "conf"),
    ("directory", "dir", "folder"),
    ("environment", "env"),
    ("hexadecimal", "hex"),
    ("information", "info"),
    ("repository", "repo"),
    ("application", "app"),
    ("authentication", "auth"),
    ("database", "db"),
    ("maximum", "max"),
    ("minimum", "min"),
    ("string", "str"),
    ("integer", "int"),
    ("temporary", "temp", "tmp"),
    ("message", "msg"),
    ("specification", "spec"),
    ("utility", "util", "utils"),
    ("synchronous", "sync"),
    ("asynchronous", "async"),
    ("request", "req"),
    ("response", "resp"),
    ("source", "src"),
    ("destination", "dest", "dst"),
    ("package", "pkg"),
    ("library", "lib"),
    ("documentation", "docs"),
    ("command", "cmd"),
    ("number", "num", "count"),
    ("executable", "exe"),
    # British and American spellings.
    ("color", "colour"),
    ("behavior", "behaviour"),
    ("initialize", "initialise"),
    ("serialize", "serialise"),
    ("normalize", "normalise"),
    ("customize", "customise"),
    ("organize", "organise"),
    ("optimize", "optimise"),
    ("analyze", "analyse"),
    ("license", "licence"),
    # Verbs for one operation.
    ("delete", "remove", "erase"),
    ("create", "generate"),
    ("show", "display", "print"),
    ("stop", "halt", "terminate", "kill"),
    ("start", "begin", "launch"),
    ("run", "execute", "invoke"),
    ("change", "modify", "alter", "edit"),
    ("copy", "duplicate", "clone"),
    ("find", "search", "locate", "lookup"),
    ("check", "verify", "validate"),
    ("ignore", "skip", "exclude", "omit"),
    ("merge", "combine", "join", "concatenate"),
    ("split", "divide", "separate"),
    ("cancel", "cancelled", "abort"),  # "canceled" stems to "cancel"
    ("enable", "activate"),
    ("disable", "deactivate"),
    ("download", "fetch"),
    ("update", "upgrade"),
    ("quit", "exit"),
    ("compress", "zip"),
    ("decompress", "uncompress", "unzip"),
    ("hash", "digest", "checksum"),
    ("wait", "sleep", "pause", "delay"),
    ("fix", "repair"),
    ("error", "failure"),
    # Adjectives.
    ("big", "large", "huge"),
    ("small", "little", "tiny"),
    ("fast", "quick", "rapid"),
    ("hidden", "invisible"),
    ("recursive", "recursively"),
)


def _related(groups: tuple[tuple[str, ...], ...]) -> dict[str, frozenset[str]]:
    related: dict[str, frozenset[str]] = {}
    for group in groups:
        stems = frozenset(stem(word) for word in group)
        for term in stems:
            related[term] = stems - {term}
    return related


#: A stemmed term -> the stemmed terms of the same meaning (never itself).
RELATED = _related(GROUPS)


def related(term: str) -> frozenset[str]:
    """The terms that mean what the stemmed `term` means, itself left out (often none)."""
    return RELATED.get(term, frozenset())
