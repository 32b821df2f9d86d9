"""Questions drawn from the documents, offline: from headings, defined terms, option entries
and instructional sentences, each with the sentence that answers it and a key phrase.

Why rules rather than a model: `adapt` must work the day a project is generated, without a key
or network, and give the same questions for the same documents (so re-running it changes
nothing). The rules only phrase what a document already states: a heading becomes "What should
I know about <heading>?", "An X is ..." becomes "What is an X?", "To X, do Y" becomes "How do I
X?", an option line becomes "What does the --x option do?", an API entry (a signature line and
its description) "What does x() do in <document>?", a manual's entry (a setting or field on
its own line, its description indented below) "What does X mean in <document>?". The key
phrase is a word of the answering sentence that the question does not contain (a number first,
else its rarest word), so an answer that carries it most likely read the right passage.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Literal

from scaffolder.kit.adapt.corpus import (
    SIGNATURE,
    TERM_ENTRY,
    Corpus,
    Document,
    Section,
    words,
)
from scaffolder.kit.text import STOPWORDS, stem, tokenize

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
_NUMBER = re.compile(r"^\d[\d.,:%]*$")
_NUMBER_WORDS = frozenset(
    [
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "fifteen",
        "twenty",
        "thirty",
        "forty",
        "fifty",
        "hundred",
        "thousand",
    ]
)
MAX_QUESTION_WORDS = 18
#: An API entry's description says something in at least this many words.
_MIN_DESCRIPTION_WORDS = 3
_DOTTED = re.compile(r"^[A-Za-z_]\w*(?:\.\w+)+$")


@dataclass(frozen=True)
class Candidate:
    """A question a document answers, where, and what a right answer contains."""

    question: str
    source: str
    #: The sentence of the document that answers it.
    sentence: str
    key_phrase: str
    kind: Kind
    #: How distinctive the question's words are in this corpus (higher: more specific).
    weight: float

    @property
    def anchor(self) -> str:
        """A stable identity: the same document passage asked the same way."""
        digest = hashlib.sha256(f"{self.source}\0{self.kind}\0{self.question}".encode())
        return digest.hexdigest()[:10]


def rank_questions(corpus: Corpus) -> list[list[Candidate]]:
    """Every question of each document (corpus order), most distinctive first: the costly
    part of `candidates`, done once when it is asked for more than one cut."""
    return [_ranked(_unique(_document_candidates(d, corpus))) for d in corpus.documents]


def _ranked(questions: Iterable[Candidate]) -> list[Candidate]:
    """Most distinctive first; in a command's manual (one that lists options) its other
    entries after every other question. A command's settings are its options, and the entries
    beside them are the grammar of its arguments: sed's commands, grep's character classes,
    which outranked "What does the --invert-match option do?" by their rare words."""
    found = list(questions)
    command = any(c.kind == "option" for c in found)
    return sorted(found, key=lambda c: (command and c.kind == "entry", -c.weight))


def candidates(
    corpus: Corpus,
    per_document: int | None = 8,
    ranked: list[list[Candidate]] | None = None,
) -> list[Candidate]:
    """The best questions of every document (`per_document` of each; None: all), most
    distinctive first within each, documents in corpus order (`ranked`: `rank_questions`
    of `corpus`, when already at hand). A question several documents ask is dropped (it is
    ambiguous), and so is one that several documents answer with the same sentence: that is
    boilerplate they share (the members every exception inherits, listed on each module's
    pydoc page), not what any of them is about."""
    found: list[Candidate] = []
    seen: Counter[str] = Counter()
    for questions in ranked if ranked is not None else rank_questions(corpus):
        chosen = questions[:per_document]
        # Counted once per document: one sentence may answer two of its questions.
        seen.update({normal(text) for c in chosen for text in (c.question, c.sentence)})
        found.extend(chosen)
    return [c for c in found if seen[normal(c.question)] == seen[normal(c.sentence)] == 1]


def _unique(items: Iterator[Candidate]) -> Iterator[Candidate]:
    questions: set[str] = set()
    for item in items:
        key = normal(item.question)
        if key not in questions:
            questions.add(key)
            yield item


def _document_candidates(document: Document, corpus: Corpus) -> Iterator[Candidate]:
    for section in document.sections:
        heading = _heading_candidate(document, section, corpus)
        if heading is not None:
            yield heading
        for sentence in section.sentences:
            made = _sentence_question(
                sentence, document, call=sentence in section.calls, entry=sentence in section.terms
            )
            if made is None:
                continue
            question, kind, answer_part = made
            candidate = _candidate(question, document, sentence, answer_part, kind, corpus)
            if candidate is not None:
                yield candidate


def _heading_candidate(document: Document, section: Section, corpus: Corpus) -> Candidate | None:
    heading = section.heading.strip().rstrip(":")
    if heading.isupper():
        heading = heading.lower()
    content = [w for w in words(heading) if w.lower() not in STOPWORDS]
    if not heading or not content or heading.lower() in GENERIC_HEADINGS:
        return None
    if len(content) > 8 or (heading == document.title and len(document.sections) > 1):
        return None
    if heading.endswith("?"):
        question = heading
    elif heading.lower().startswith("how to "):
        question = f"How do I {_first_lower(heading[7:])}?"
    else:
        subject = heading if _proper(heading) else _first_lower(heading)
        question = f"What should I know about {subject}?"
    for sentence in section.sentences[:3]:
        candidate = _candidate(question, document, sentence, sentence, "heading", corpus)
        if candidate is not None:
            return candidate
    return None


def _sentence_question(
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
        # An API entry, read as one sentence (`corpus.is_signature`): what the call does is
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
    at least two words that carry meaning."""
    first = clause.split()[0].lower()
    return (
        first not in _PRONOUNS
        and not set(clause) & set("|<>{}[]")
        and len([w for w in words(clause) if w.lower() not in STOPWORDS]) >= 2
    )


def _term_ok(term: str) -> bool:
    """A noun phrase, not the start of a clause: "Note that this file is used by ..." made
    "What is note that this file?"."""
    first = term.split()[0].lower()
    return (
        first not in _PRONOUNS
        and first not in STOPWORDS
        and len(term) <= 40
        and not {w.lower() for w in term.split()} & _CLAUSE_WORDS
    )


def _candidate(
    question: str,
    document: Document,
    sentence: str,
    answer_part: str,
    kind: Kind,
    corpus: Corpus,
) -> Candidate | None:
    if not readable(question):
        return None
    key = key_phrase(question, answer_part, corpus)
    if key is None:
        return None
    weight = question_weight(question, corpus)
    if weight is None:
        return None
    return Candidate(question, document.source, sentence, key, kind, weight)


def readable(question: str) -> bool:
    """A question of a length people ask (3 to `MAX_QUESTION_WORDS` words), with no table
    bar in it."""
    return 3 <= len(words(question)) <= MAX_QUESTION_WORDS and "|" not in question


def asked_stems(question: str) -> set[str]:
    """The stems of a question's words: a key phrase is none of them."""
    return {stem(word.lower()) for word in re.findall(r"[^\W_]+", question)}


def question_weight(question: str, corpus: Corpus) -> float | None:
    """How distinctive a question's words are in `corpus` (None: it has no content words)."""
    terms = set(tokenize(question))
    if not terms:
        return None
    spread: float = math.sqrt(1 + len(terms))
    return round(sum(corpus.idf(term) for term in terms) / spread, 4)


def key_phrase(question: str, answer: str, corpus: Corpus) -> str | None:
    """The word of `answer` a right reply must contain: not in the question, a number (or
    number word) first, else the rarest word in the corpus; None when there is none."""
    asked = asked_stems(question)
    best: tuple[float, str] | None = None
    for token in re.findall(r"[^\W_][\w.\-]*[^\W_]|[^\W_]", answer):
        lower = token.lower()
        if lower in STOPWORDS or stem(lower) in asked or lower in question.lower():
            continue
        if len(token) < 2:
            continue
        if _NUMBER.match(token) or lower in _NUMBER_WORDS:
            score = 100.0
        elif len(token) < 4 or not token.isalpha():
            continue
        else:
            score = corpus.idf(stem(lower))
        if best is None or score > best[0]:
            best = (score, token)
    return best[1] if best else None


def _as_asker(text: str) -> str:
    return " ".join(_YOU.get(word, word) for word in text.split())


def _first_lower(text: str) -> str:
    first, _, rest = text.partition(" ")
    if first.isupper() and len(first) > 1:
        return text
    return f"{first[:1].lower()}{first[1:]} {rest}".strip()


def _proper(text: str) -> bool:
    first = text.split()[0]
    return first.isupper() or (first[:1].isupper() and any(c.isupper() for c in first[1:]))


def normal(text: str) -> str:
    """A question's words, lowercased: two questions that differ only in case and
    punctuation are one."""
    return " ".join(re.findall(r"[^\W_]+", text.lower()))
