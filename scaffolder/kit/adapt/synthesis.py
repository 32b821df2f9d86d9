"""Questions a model writes about each document, when the project has a model.

Why: the rules (`questions`) only phrase what a document states ("What does the -i option of
grep do?"), while users ask in their own words ("how do I make grep ignore case?"), and it is
their words that the routing examples must be near. A model writes such questions, each with
the sentence of the document that answers it and a key phrase.

Nothing the model claims is taken on trust. The quoted sentence must stand in the document
(word for word, spacing and case aside), else the question is dropped; the key phrase must
stand in that sentence and not in the question, else the rules pick one from the sentence;
a question must read as one (one line, a question mark, a sensible length). The questions
then meet the same checks as derived ones (`verify`) before any reaches a suite.

The calls go through the project's client, so its response cache records them: `adapt` run
again on the same documents replays the same questions and changes nothing, and the
project's identifiers are pseudonymized on the way to the model, as on every call.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from pydantic import BaseModel, Field

from scaffolder.errors import LLMError, StructuredOutputError
from scaffolder.kit.adapt.corpus import Corpus, Document, words
from scaffolder.kit.adapt.questions import (
    MAX_QUESTION_WORDS,
    Candidate,
    key_phrase,
    normal,
    question_weight,
)
from scaffolder.kit.llm.client import LLM
from scaffolder.kit.llm.types import ChatRequest, Message
from scaffolder.kit.text import stem

#: How many questions the model is asked for per part of a document.
QUESTIONS_PER_PART = 3
#: A document is sent in parts of at most this many characters (a long manual would not fit
#: one request, and one request per part spreads the questions over the whole document) ...
PART_CHARS = 8000
#: ... and at most this many parts: the questions of a document's first parts, like its
#: rule-derived ones, are what routing needs; a book-length document costs no more.
MAX_PARTS = 2
#: A key phrase longer than this is a sentence, not a phrase.
KEY_WORDS = 4
_QUOTE_WORDS = 4

_SYSTEM = (
    "You write the questions that users would ask a help assistant, which one document "
    "answers. Ask as a user would, in everyday words, not in the document's own phrasing, and "
    "never mention the document, its sections or 'the text'. Each question asks one thing. "
    "For each question, quote the one sentence of the document that answers it, copied word "
    "for word, and give a key phrase of one to three words from that sentence, not in the "
    "question, that a right answer must contain."
)
#: Names the prompt in recordings and call reports; a changed prompt never replays an old
#: recording, since the key covers the messages.
PROMPT = "adapt-questions@" + hashlib.sha256(_SYSTEM.encode()).hexdigest()[:12]


class _Question(BaseModel):
    question: str = Field(description="What a user would ask, ending in a question mark.")
    answer: str = Field(description="The sentence of the document that answers it, verbatim.")
    key_phrase: str = Field(description="One to three words of that sentence, not asked.")


class _Questions(BaseModel):
    questions: list[_Question]


@dataclass(frozen=True)
class Synthesis:
    """What the model wrote, kept and dropped, for the command's report."""

    candidates: list[Candidate]
    #: Questions the model wrote, and of those, how many were dropped (not in the document,
    #: not a question, asked twice).
    asked: int
    dropped: int
    #: Parts whose answer never validated against the schema, and why.
    failed: list[str]
    #: Why the model was no longer asked (an error every later call would repeat), if so.
    stopped: str | None = None


def synthesized_candidates(corpus: Corpus, llm: LLM) -> Synthesis:
    """Questions `llm` writes for every document of `corpus`, checked against the document."""
    found: list[Candidate] = []
    seen: set[str] = set()
    asked = dropped = 0
    failed: list[str] = []
    stopped: str | None = None
    for document in corpus.documents:
        if stopped is not None:
            break
        for part in _parts(_document_text(document))[:MAX_PARTS]:
            try:
                reply = llm.generate_structured(_Questions, _request(document.source, part))
            except StructuredOutputError as error:  # this part only: the next may do
                failed.append(f"{document.source}: {_first_line(error)}")
                continue
            except LLMError as error:  # a key, quota or host problem: every call would fail
                stopped = f"{document.source}: {_first_line(error)}"
                break
            for written in reply.questions:
                asked += 1
                candidate = _checked(written, document, corpus)
                if candidate is None or normal(candidate.question) in seen:
                    dropped += 1
                    continue
                seen.add(normal(candidate.question))
                found.append(candidate)
    return Synthesis(found, asked, dropped, failed, stopped)


def _first_line(error: Exception) -> str:
    return (str(error).splitlines() or [type(error).__name__])[0][:160]


def _request(source: str, part: str) -> ChatRequest:
    user = (
        f"Document: {source}\n\n{part}\n\n"
        f"Write {QUESTIONS_PER_PART} questions this document answers."
    )
    return ChatRequest(
        (Message("system", _SYSTEM), Message("user", user)), temperature=0.0, prompt=PROMPT
    )


def _document_text(document: Document) -> str:
    """The document as the corpus reads it: each heading, then its sentences."""
    blocks = []
    for section in document.sections:
        lines = ([section.heading] if section.heading else []) + list(section.sentences)
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def _parts(text: str) -> list[str]:
    """`text` in parts of at most `PART_CHARS`, cut between lines (sentences and headings);
    a line longer than that is cut where the part is full."""
    parts: list[str] = []
    current: list[str] = []
    size = 0
    for line in text.splitlines():
        while len(line) > PART_CHARS:
            parts.append(line[:PART_CHARS])
            line = line[PART_CHARS:]
        if current and size + 1 + len(line) > PART_CHARS:
            parts.append("\n".join(current))
            current, size = [], 0
        current.append(line)
        size += len(line) + 1
    if "".join(current).strip():
        parts.append("\n".join(current))
    return parts


def _checked(written: _Question, document: Document, corpus: Corpus) -> Candidate | None:
    """The model's question as a candidate, or None when what it claims does not hold."""
    question = " ".join(written.question.split())
    count = len(words(question))
    if not question.endswith("?") or not 3 <= count <= MAX_QUESTION_WORDS or "|" in question:
        return None
    quote = _flat(written.answer).rstrip(".")
    if len(words(quote)) < _QUOTE_WORDS:
        return None
    sentence = next((s for s in _sentences(document) if quote in _flat(s)), None)
    if sentence is None:
        return None  # not in the document: the model made it up or reworded it
    key = " ".join(written.key_phrase.split())
    asked = {stem(word.lower()) for word in re.findall(r"[^\W_]+", question)}
    key_words = re.findall(r"[^\W_]+", key.lower())
    if (
        not key_words
        or len(key_words) > KEY_WORDS
        or key.lower() not in sentence.lower()
        or any(stem(word) in asked for word in key_words)
    ):
        key = key_phrase(question, sentence, corpus) or ""
    if not key:
        return None
    weight = question_weight(question, corpus)
    if weight is None:
        return None
    return Candidate(question, document.source, sentence, key, "model", weight)


def _sentences(document: Document) -> list[str]:
    return [sentence for section in document.sections for sentence in section.sentences]


def _flat(text: str) -> str:
    """Text with case, spacing and quote styles aside: a quote that differs from the document
    only there is the document's sentence."""
    text = text.replace("\u201c", '"').replace("\u201d", '"').replace("\u2019", "'")
    return " ".join(text.lower().split())
