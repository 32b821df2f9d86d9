"""The words a collection of documents shares: what could name it, and what never would.

Why apart from `topic`: the topic is one use of these terms (the name and the keywords of a
collection); the list of words every kind of documentation uses is long, and the count of
which terms how many documents share is a question of its own.
"""

from __future__ import annotations

from collections import Counter

from scaffolder.kit.adapt.corpus import Corpus
from scaffolder.kit.adapt.phrasing import GENERIC_HEADINGS
from scaffolder.kit.adapt.sections import words
from scaffolder.kit.text import STOPWORDS, stem

#: Words frequent in documentation of any subject: never a topic on their own.
GENERIC_WORDS = frozenset(
    [
        "also",
        "use",
        "used",
        "uses",
        "using",
        "see",
        "may",
        "must",
        "should",
        "one",
        "two",
        "new",
        "first",
        "last",
        "following",
        "example",
        "examples",
        "file",
        "files",
        "default",
        "value",
        "values",
        "set",
        "sets",
        "make",
        "makes",
        "made",
        "get",
        "gets",
        "given",
        "give",
        "information",
        "note",
        "notes",
        "version",
        "versions",
        "option",
        "options",
        "number",
        "name",
        "names",
        "type",
        "types",
        "list",
        "lists",
        "text",
        "data",
        "return",
        "returns",
        "returned",
        "without",
        "within",
        "will",
        "can",
        "like",
        "need",
        "needs",
        "each",
        "every",
        "other",
        "more",
        "most",
        "many",
        "much",
        "some",
        "any",
        "all",
        "only",
        "just",
        "well",
        "way",
        "ways",
        "time",
        "times",
        "user",
        "users",
        "output",
        "input",
        "run",
        "runs",
        "running",
        "way",
        "work",
        "works",
        "called",
        "call",
        "help",
        "page",
        "section",
        "sections",
        "document",
        "documents",
        "documentation",
        "read",
        "write",
        "written",
        "support",
        "supported",
        "true",
        "false",
        "none",
        "null",
        "string",
        "object",
        "objects",
        "instance",
        "method",
        "methods",
        "function",
        "functions",
        "class",
        "classes",
        "module",
        "modules",
        "argument",
        "arguments",
        "parameter",
        "parameters",
        "result",
        "results",
        "case",
        "cases",
        "change",
        "changes",
        "changed",
        "line",
        "lines",
        "end",
        "start",
        "item",
        "items",
        "form",
        "order",
        "order",
        "part",
        "parts",
        "point",
        "include",
        "includes",
        "including",
        "available",
        "possible",
        "different",
        "same",
        "next",
        "previous",
        "current",
        "specified",
        "specify",
        "public",
        "general",
        "copyright",
        "license",
        "licence",
        "software",
        "program",
        "programs",
        "author",
        "authors",
        "free",
        "terms",
        "permission",
        "notice",
        "warranty",
        "distributed",
        "provided",
    ]
)


def distinctive_terms(
    corpus: Corpus, limit: int, *, headings_only: bool = False, min_share: float = 0.0
) -> tuple[str, ...]:
    """Surface words whose stems most documents share, generic words left out; ties broken
    by how often they occur. `headings_only` reads titles and headings alone: they say what a
    document is about, while its body also holds boilerplate (bug reports, licences).
    `min_share` leaves out terms fewer than that share of the documents use."""
    surface: dict[str, Counter[str]] = {}
    total: Counter[str] = Counter()
    coverage: Counter[str] = Counter()
    for document in corpus.documents:
        text = document.text
        if headings_only:
            text = " ".join(
                [document.title]
                + [
                    s.heading
                    for s in document.sections
                    if s.heading.lower() not in GENERIC_HEADINGS
                ]
            )
        terms: set[str] = set()
        for word in words(text):
            lower = word.lower()
            if (
                len(lower) < 3
                or lower in STOPWORDS
                or lower in GENERIC_WORDS
                or (lower in GENERIC_HEADINGS)
            ):
                continue
            term = stem(lower)
            surface.setdefault(term, Counter())[lower] += 1
            total[term] += 1
            terms.add(term)
        coverage.update(terms)

    def score(term: str) -> tuple[int, int]:
        return (coverage[term], total[term])

    needed = min_share * len(corpus.documents)
    ranked = sorted((term for term in total if coverage[term] >= needed), key=score, reverse=True)
    return tuple(surface[term].most_common(1)[0][0] for term in ranked[:limit])
