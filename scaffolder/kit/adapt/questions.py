"""Questions drawn from the documents, offline: which questions each document asks, the
sentence that answers each and a key phrase a right answer contains.

Why rules rather than a model: `adapt` must work the day a project is generated, without a key
or network, and give the same questions for the same documents (so re-running it changes
nothing). How a heading or a sentence is phrased as a question is `phrasing`'s; here, which of
those a document asks (readable, distinctive, not shared with another document) and in what
order. The key phrase is a word of the answering sentence that the question does not contain
(a number first, else its rarest word), so an answer that carries it most likely read the right
passage.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from scaffolder.kit.adapt.corpus import Corpus, Document
from scaffolder.kit.adapt.phrasing import Kind, heading_question, sentence_question
from scaffolder.kit.adapt.sections import Section, words
from scaffolder.kit.text import STOPWORDS, stem, tokenize

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


#: How many questions of each document `candidates` gives by default: its best few.
PER_DOCUMENT = 8


def rank_questions(corpus: Corpus) -> list[list[Candidate]]:
    """Every question of each document (corpus order), most distinctive first."""
    return [_ranked(_unique(_document_candidates(d, corpus))) for d in corpus.documents]


def _ranked(questions: Iterable[Candidate]) -> list[Candidate]:
    """Most distinctive first; in a command's manual (one that lists options) its other
    entries after every other question. A command's settings are its options, and the entries
    beside them are the grammar of its arguments: sed's commands, grep's character classes,
    which outranked "What does the --invert-match option do?" by their rare words."""
    found = list(questions)
    command = any(c.kind == "option" for c in found)
    return sorted(found, key=lambda c: (command and c.kind == "entry", -c.weight))


def candidates(corpus: Corpus, per_document: int | None = PER_DOCUMENT) -> list[Candidate]:
    """The best questions of every document (`per_document` of each; None: all), most
    distinctive first within each, documents in corpus order. A question several documents
    ask is dropped (it is ambiguous), and so is one that several documents answer with the
    same sentence: that is boilerplate they share (the members every exception inherits,
    listed on each module's pydoc page), not what any of them is about.

    What is shared is counted over every question of every document, before the cut: counted
    among the best few only, "What should I know about git?" (a section of both gitignore's
    and gitattributes' manuals) was in one page's best eight and kept, and a re-run, which
    reads all of an unchanged document's questions, found it twice and dropped it. So the
    best few are always the first of all (`best_of`)."""
    every = rank_questions(corpus)
    seen: Counter[str] = Counter()
    for questions in every:
        # Counted once per document: one sentence may answer two of its questions.
        seen.update({normal(text) for c in questions for text in (c.question, c.sentence)})
    found = [
        c
        for questions in every
        for c in questions
        if seen[normal(c.question)] == seen[normal(c.sentence)] == 1
    ]
    return found if per_document is None else best_of(found, per_document)


def best_of(found: list[Candidate], per_document: int = PER_DOCUMENT) -> list[Candidate]:
    """The first `per_document` questions of each document in `found` (`candidates` with
    none cut), in their order: `candidates(corpus, n)` without asking the corpus again."""
    taken: Counter[str] = Counter()
    best: list[Candidate] = []
    for candidate in found:
        taken[candidate.source] += 1
        if taken[candidate.source] <= per_document:
            best.append(candidate)
    return best


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
            made = sentence_question(
                sentence, document, call=sentence in section.calls, entry=sentence in section.terms
            )
            if made is None:
                continue
            question, kind, answer_part = made
            candidate = _candidate(question, document, sentence, answer_part, kind, corpus)
            if candidate is not None:
                yield candidate


def _heading_candidate(document: Document, section: Section, corpus: Corpus) -> Candidate | None:
    question = heading_question(section.heading, document)
    if question is None:
        return None
    for sentence in section.sentences[:3]:
        candidate = _candidate(question, document, sentence, sentence, "heading", corpus)
        if candidate is not None:
            return candidate
    return None


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


def normal(text: str) -> str:
    """A question's words, lowercased: two questions that differ only in case and
    punctuation are one."""
    return " ".join(re.findall(r"[^\W_]+", text.lower()))
