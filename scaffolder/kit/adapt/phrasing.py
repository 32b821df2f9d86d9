"""How a document's heading or sentence becomes a question, offline, by rules that only
phrase what the document states: a heading becomes "What should I know about <heading>?", "An
X is ..." becomes "What is an X?", "To X, do Y" becomes "How do I X?", "If X, Y" becomes "What
happens if X?", an option line "What does the --x option do?", an API entry (a signature line
and its description) "What does x() do in <document>?", a manual's entry (a setting or field on
its own line, its description indented below) "What does X mean in <document>?".

Why apart from `questions`: these are the phrasings, and the words that make a heading or a
term ask nothing; `questions` decides which of them a document asks and what a right answer
must contain.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Literal

from scaffolder.kit.adapt.corpus import Document
from scaffolder.kit.adapt.sections import SIGNATURE, TERM_ENTRY, is_signature, words
from scaffolder.kit.text import STOPWORDS

Kind = Literal["heading", "term", "option", "call", "entry", "instruction", "model"]

#: Headings that name a part of every document rather than what it is about.
GENERIC_HEADINGS = frozenset(
    (
        "name",
        "synopsis",
        "description",
        "options",
        "overview",
        "introduction",
        "contents",
        "table of contents",
        "table of content",
        "see also",
        "notes",
        "note",
        "authors",
        "author",
        "copyright",
        "license",
        "licence",
        "bugs",
        "reporting bugs",
        "examples",
        "example",
        "history",
        "summary",
        "usage",
        "install",
        "installation",
        "changelog",
        "changes",
        "environment",
        "files",
        "exit status",
        "data",
        "functions",
        "classes",
        "methods",
        "module reference",
        "help",
        "package contents",
        "submodules",
        "configuration",
        "index",
        "readme",
        "faq",
        "about",
        "details",
        "standards",
        "conformance",
        "standards conformance",
        "file",
        "see also",
        "version",
        "api",
        "contributing",
        "support",
        "getting started",
        "features",
        # What a manual or a README ends with, about the document rather than its subject.
        "availability",
        "colophon",
        "credits",
        "acknowledgements",
        "acknowledgments",
        "sponsors",
        "backers",
        "contributors",
        "maintainers",
    )
)
_PRONOUNS = frozenset(
    [
        "it",
        "this",
        "that",
        "there",
        "here",
        "they",
        "these",
        "those",
        "you",
        "we",
        "he",
        "she",
        "one",
        "each",
        "following",
        "above",
        "below",
        "result",
        "returned",
        "value",
        "default",
        "former",
        "latter",
        "other",
    ]
)
#: Words that make the words before a verb a clause rather than a term being defined.
_CLAUSE_WORDS = frozenset(
    ["that", "this", "these", "those", "which", "who", "whether", "if", "when", "while", "it"]
)
_MAN_TITLE = re.compile(r"^(?P<program>[\w.+\-]+)(?:\(\d\w*\))?\s+(?:-|\u2010|\u2013)\s")
_TERM = re.compile(
    r"^(?:(?P<article>An?|The)\s+)?(?P<term>[A-Za-z][\w\-]*(?:\s+[\w\-]+){0,3}?)\s+"
    r"(?P<verb>is|are|means|refers to)\s+(?P<rest>(?:an?|the|used|how|what|when|where)\b.{8,})"
)
_OPTION = re.compile(r"^(?P<short>-[A-Za-z0-9])?(?:,\s*)?(?P<long>--[A-Za-z][\w\-]*)?")
_TO_DO = re.compile(r"^To (?P<goal>[a-z][^,]{5,80}),\s+(?P<rest>.{8,})$")
_IF = re.compile(r"^If (?P<cond>[a-z][^,]{5,80}),\s+(?P<rest>.{8,})$")
_YOU = {"you": "I", "your": "my", "yours": "mine", "yourself": "myself"}
#: Words that join a sentence to the one before it ("However, the rule is ..."): no part of
#: a term.
_CONNECTIVES = frozenset(
    "however therefore thus hence also instead still moreover furthermore finally otherwise "  # noqa: SIM905
    "meanwhile nevertheless nonetheless besides indeed again now afterwards afterward later "
    "beforehand".split()
)
#: Words of a clause that refer to the text around it rather than to what it is about.
_POINTS_BACK = re.compile(
    r"\b(?:we|us|our|ours|this|these|those"
    r"|the (?:previous|same|above|following|former|latter))\b",
    re.IGNORECASE,
)
#: An API entry's description says something in at least this many words.
_MIN_DESCRIPTION_WORDS = 3
#: What only a name has: an underscore or a digit ("ERR_TLS_CERT", "EAI_AGAIN", "H2").
_IDENTIFIER = re.compile(r"[_0-9]")
_DOTTED = re.compile(r"^[A-Za-z_]\w*(?:\.\w+)+$")


_SPACED_CALL = re.compile(r"^([A-Za-z_][\w.]*)\s+\(\)$")
#: A heading that declares a function in code, as generated API references title a method's
#: entry (rustdoc's "pub const fn new() -> BTreeMap<K, V>", Python's "async def fetch(url)"),
#: or shows the call a README is about assigned ("var argv = parseArgs(args, opts={})").
_DECLARED_CALL = re.compile(
    r"^(?:(?:pub(?:\([\w:]+\))?|async|unsafe|const|extern(?:\s+\"[^\"]*\")?|static|export)\s+)*"
    r"(?:(?:fn|def|func|function)\s+(?P<name>[A-Za-z_]\w*)\s*[<(]"
    r"|(?:var|let|const)\s+[A-Za-z_$][\w$]*\s*=\s*(?:new\s+|await\s+)?(?P<called>[A-Za-z_$][\w.$]*)\s*\()"
)
#: A heading that is any other declaration in code ("impl<K, V> BTreeMap<K, V>", "type Owned
#: = T", "class Reader(io.Base):"): a name with its type's punctuation, which asks nothing a
#: user would.
_DECLARATION = re.compile(
    r"^(?:pub(?:\([\w:]+\))?\s+)?(?:impl|type|struct|enum|trait|union|class|interface|const|"
    r"static|let|var|mod|use)\b[<\s](?=.*[<>(){}=:;&])"
)

#: A heading that names an API entry by its kind, as libxml2's and libxslt's reference pages
#: title every entry ("Function: xsltApplyAttributeSet", "Macro: XSLT_DEFAULT_URL"): asked
#: about the name, not the kind ("What should I know about function: xsltDebug?").
_KIND_ENTRY = re.compile(
    r"^(?P<kind>function(?: type)?|method|macro|variable|constant|struct(?:ure)?|enum|typedef|"
    r"class)\s*:\s*(?P<name>[A-Za-z_][\w.:]*)$",
    re.IGNORECASE,
)
#: The kinds of entry that do something when called.
_CALLED_KINDS = frozenset(["function", "method"])


def heading_question(heading: str, document: Document) -> str | None:
    """What a section's heading asks ("What should I know about bulk fermentation?", "How do
    I revive a starter?"), or None: a generic heading ("Options"), a long one, the document's
    own title over its sections."""
    # gtk-doc titles a function's entry "xsltAddKey ()": the call, spaced.
    heading = _SPACED_CALL.sub(r"\1()", heading.strip().rstrip(":"))
    where = PurePosixPath(document.source).stem
    if is_signature(heading):
        # An API reference's heading is the call it documents ("buf.copy(target[,
        # targetStart])"): asked as an API entry of plain text is, with where.
        return f"What does {heading.partition('(')[0]}() do in {where}?"
    if declared := _DECLARED_CALL.match(heading):
        return f"What does {declared['name'] or declared['called']}() do in {where}?"
    if entry := _KIND_ENTRY.match(heading):
        if entry["kind"].lower() in _CALLED_KINDS:
            return f"What does {entry['name']}() do in {where}?"
        return f"What is {entry['name']} in {where}?"
    if _DECLARATION.match(heading):
        return None
    if heading.isupper() and not _IDENTIFIER.search(heading):
        heading = heading.lower()  # "DESCRIPTION"; "ERR_TLS_CERT" is a name, kept as it is
    content = [w for w in words(heading) if w.lower() not in STOPWORDS]
    if not heading or not content or heading.lower() in GENERIC_HEADINGS:
        return None
    if len(content) > 8 or (heading == document.title and _has_subsections(document)):
        return None
    if heading.endswith("?"):
        return heading
    if heading.lower().startswith("how to "):
        return f"How do I {_first_lower(heading[7:])}?"
    if _title_case(heading):
        subject = " ".join(_word_lower(word) for word in heading.split())
    else:
        subject = heading if _proper(heading) else _first_lower(heading)
    return f"What should I know about {subject}?"


def _has_subsections(document: Document) -> bool:
    """Whether headed sections stand under the document's title: then the title asks about
    all of them at once. A page that is one section (texinfo's, one node a page) has only
    text before its heading besides, and its title is what it is about."""
    return any(section.heading not in ("", document.title) for section in document.sections)


def sentence_question(
    sentence: str, document: Document, *, call: bool = False, entry: bool = False
) -> tuple[str, Kind, str] | None:
    """(question, kind, the part of the sentence that answers) or None. `call`: the sentence
    is an API entry (`Section.calls`); `entry`: it is a manual's entry defining a term
    (`Section.terms`)."""
    if entry:
        return _entry_question(sentence, document)
    if sentence.startswith("-"):
        option = _OPTION.match(sentence)
        name = option and (option.group("long") or option.group("short"))
        if option and name:
            answer = sentence[option.end() :].strip(" ,=")
            man = _MAN_TITLE.match(document.title)
            where = f" of {man.group('program').lower()}" if man else ""
            return f"What does the {name} option{where} do?", "option", answer
        return None
    signature = SIGNATURE.match(sentence) if call else None
    if signature:
        # An API entry, read as one sentence (`sections.is_signature`): what the call does is
        # its description. The document names where: several modules have a `copy()`. A
        # line of a class tree ("collections.abc.MutableMapping(collections.abc.Mapping)" over
        # the names of its subclasses) is no call.
        answer = sentence[signature.end() :].strip()
        name = signature.group("name")
        params = [p.strip() for p in signature.group("params").split(",")]
        tree = "." in name and all(_DOTTED.match(p) for p in params)
        if tree or len(words(answer)) < _MIN_DESCRIPTION_WORDS:
            return None
        where = PurePosixPath(document.source).stem
        return f"What does {name}() do in {where}?", "call", answer
    term = _TERM.match(sentence)
    if term and _term_ok(term.group("term")):
        article = term.group("article") or ""
        name = term.group("term")
        noun = f"{article.lower()} {name if _proper(name) else _first_lower(name)}".strip()
        verb = "are" if term.group("verb") == "are" else "is"
        if term.group("verb") in ("means", "refers to"):
            return f"What does {noun} mean?", "term", term.group("rest")
        return f"What {verb} {noun}?", "term", term.group("rest")
    todo = _TO_DO.match(sentence)
    if todo and _clause_ok(todo.group("goal")):
        return f"How do I {_as_asker(todo.group('goal'))}?", "instruction", todo.group("rest")
    condition = _IF.match(sentence)
    if condition and _clause_ok(condition.group("cond")):
        return (
            f"What happens if {_as_asker(condition.group('cond'))}?",
            "instruction",
            (condition.group("rest")),
        )
    return None


def _entry_question(sentence: str, document: Document) -> tuple[str, Kind, str] | None:
    """ "What does nofail mean in fstab?" of a manual's entry ("nofail do not report errors
    for this device ..."); the document names where, as several define "user" or "Port".
    A word every document uses ("Example") asks nothing."""
    entry = TERM_ENTRY.match(sentence)
    if entry is None:
        return None
    name = entry.group("term")
    answer = sentence[entry.end() :].strip()
    lower = name.lower().rstrip("=")
    if (
        lower in GENERIC_HEADINGS
        or lower in STOPWORDS
        or len(words(answer)) < _MIN_DESCRIPTION_WORDS
    ):
        return None
    where = PurePosixPath(document.source).stem
    return f"What does {name} mean in {where}?", "entry", answer


def _clause_ok(clause: str) -> bool:
    """A condition or goal that says what it is about: no leading pronoun, no stray markup,
    no bracket left open where the clause was cut ("if you're certain the server's SSL setup
    is correct (for example"), at least two words that carry meaning, and nothing that points
    back into the text around it: a tutorial's running example is "our code" (the Rustonomicon
    asked "How do I streamline our code?"), and "this", "the above" or "the same" are whatever
    the paragraph before named. An ordinal is kept ("if the first argument is a folder")."""
    first = clause.split()[0].lower()
    return (
        first not in _PRONOUNS
        and not _POINTS_BACK.search(clause)
        and not set(clause) & set("|<>{}[]")
        and clause.count("(") == clause.count(")")
        and len([w for w in words(clause) if w.lower() not in STOPWORDS]) >= 2
    )


def _term_ok(term: str) -> bool:
    """A noun phrase, not the start of a clause: "Note that this file is used by ..." made
    "What is note that this file?", and "However, The Big Rule is ..." "What is however The
    Big Rule?"."""
    first = term.split()[0].lower()
    return (
        first not in _PRONOUNS
        and first not in STOPWORDS
        and first not in _CONNECTIVES
        and len(term) <= 40
        and not {w.lower() for w in term.split()} & _CLAUSE_WORDS
    )


def _as_asker(text: str) -> str:
    return " ".join(_YOU.get(word, word) for word in text.split())


def _first_lower(text: str) -> str:
    first, _, rest = text.partition(" ")
    if first.isupper() and len(first) > 1:
        return text
    return f"{first[:1].lower()}{first[1:]} {rest}".strip()


def _title_case(text: str) -> bool:
    """Whether every word that carries meaning is capitalised ("Test Options", "Dealing with
    the Lockfile"): the style of a heading, which a question in the middle of a sentence
    drops ("test options"), as it would for a sentence-case heading's first word."""
    content = [w for w in words(text) if w.lower() not in STOPWORDS]
    return len(content) >= 2 and all(w[:1].isupper() for w in content)


def _word_lower(word: str) -> str:
    """A capitalised word in lower case; an acronym or a name in mixed case ("SSH",
    "GitHub", "JSON") as it is."""
    return word.lower() if word[:1].isupper() and word[1:] == word[1:].lower() else word


def _proper(text: str) -> bool:
    first = text.split()[0]
    return first.isupper() or (first[:1].isupper() and any(c.isupper() for c in first[1:]))
