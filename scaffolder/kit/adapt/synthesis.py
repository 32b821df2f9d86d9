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

The calls go through the project's client, so the project's identifiers are pseudonymized on
the way to the model, as on every call. The questions kept are recorded in the manifest
(`Manifest.written`): a later run keeps them for unchanged documents without asking again,
with a key or without one, and so changes nothing.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

from pydantic import BaseModel, Field

from scaffolder.errors import LLMError, StructuredOutputError
from scaffolder.kit.adapt.corpus import Corpus, Document
from scaffolder.kit.adapt.manifest import Written
from scaffolder.kit.adapt.questions import (
    Candidate,
    asked_stems,
    key_phrase,
    normal,
    question_weight,
    readable,
)
from scaffolder.kit.adapt.sections import words
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


@dataclass
class Synthesis:
    """The model's questions for this run, and what to say and record about them."""

    candidates: list[Candidate] = field(default_factory=list)
    #: Per document, the questions kept: recorded in the manifest for later runs.
    written: dict[str, list[Written]] = field(default_factory=dict)
    #: Whether a model was asked this run (else only recorded questions were reused).
    model: bool = False
    #: Questions the model wrote, and of those, how many were dropped (not in the document,
    #: not a question, asked twice).
    asked: int = 0
    dropped: int = 0
    #: Questions reused from the manifest's record, without asking.
    reused: int = 0
    #: Parts whose answer never validated against the schema, and why.
    failed: list[str] = field(default_factory=list)
    #: Why the model was no longer asked (an error every later call would repeat), if so.
    stopped: str | None = None


def model_questions(
    corpus: Corpus,
    llm: LLM | None,
    recorded: Mapping[str, Sequence[Written]],
    unchanged: Collection[str],
) -> Synthesis:
    """The model's questions for every document of `corpus`, each checked against it.

    A document the model wrote questions about before (`recorded`, the manifest's) keeps
    them while it is unchanged, and, when no model is asked, while their sentences still
    stand in it: the model is asked only about new and changed documents, so a run without
    a key (a teammate's, CI's) neither loses nor changes them. `llm` None asks nothing."""
    result = Synthesis(model=llm is not None)
    seen: set[str] = set()
    for document in corpus.documents:
        source = document.source
        ask = source not in recorded or source not in unchanged
        fresh = None
        if llm is not None and result.stopped is None and ask:
            fresh = _asked(document, corpus, llm, result)
        if fresh is None:
            kept = _reused(document, corpus, recorded.get(source))
            result.reused += len(kept)
        else:
            kept = fresh
        unique = [c for c in kept if normal(c.question) not in seen]
        if fresh is not None:
            result.dropped += len(kept) - len(unique)  # asked twice
        seen.update(normal(c.question) for c in unique)
        result.candidates.extend(unique)
        if fresh is not None or source in recorded:
            result.written[source] = [Written(c.question, c.sentence, c.key_phrase) for c in unique]
    return result


def _asked(
    document: Document, corpus: Corpus, llm: LLM, result: Synthesis
) -> list[Candidate] | None:
    """The model's checked questions about `document`; None when no part was answered (its
    record, if any, stands)."""
    found: list[Candidate] = []
    answered = False
    sentences = _flat_sentences(document)
    for part in _parts(_document_text(document))[:MAX_PARTS]:
        try:
            reply = llm.generate_structured(_Questions, _request(document.source, part))
        except StructuredOutputError as error:  # this part only: the next may do
            result.failed.append(f"{document.source}: {_first_line(error)}")
            continue
        except LLMError as error:  # a key, quota or host problem: every call would fail
            result.stopped = f"{document.source}: {_first_line(error)}"
            break
        answered = True
        for question in reply.questions:
            result.asked += 1
            candidate = _checked(question, document, sentences, corpus)
            if candidate is None:
                result.dropped += 1
            else:
                found.append(candidate)
    return found if answered else None


def _reused(
    document: Document, corpus: Corpus, recorded: Sequence[Written] | None
) -> list[Candidate]:
    """The recorded questions about `document` whose sentences it still holds."""
    standing = {flat for flat, _ in _flat_sentences(document)}
    found = []
    for written in recorded or ():
        weight = question_weight(written.question, corpus)
        if weight is not None and _flat(written.sentence) in standing:
            found.append(
                Candidate(
                    written.question,
                    document.source,
                    written.sentence,
                    written.key_phrase,
                    "model",
                    weight,
                )
            )
    return found


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


def _checked(
    written: _Question, document: Document, sentences: list[tuple[str, str]], corpus: Corpus
) -> Candidate | None:
    """The model's question as a candidate, or None when what it claims does not hold.
    `sentences`: the document's, each flattened (`_flat_sentences`)."""
    question = " ".join(written.question.split())
    if not question.endswith("?") or not readable(question):
        return None
    quote = _flat(written.answer).rstrip(".")
    if len(words(quote)) < _QUOTE_WORDS:
        return None
    sentence = next((s for flat, s in sentences if quote in flat), None)
    if sentence is None:
        return None  # not in the document: the model made it up or reworded it
    key = " ".join(written.key_phrase.split())
    asked = asked_stems(question)
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


def _flat_sentences(document: Document) -> list[tuple[str, str]]:
    """Each sentence of `document`, flattened (`_flat`) and as it stands."""
    return [(_flat(s), s) for section in document.sections for s in section.sentences]


def _flat(text: str) -> str:
    """Text with case, spacing and quote styles aside: a quote that differs from the document
    only there is the document's sentence."""
    text = text.replace("\u201c", '"').replace("\u201d", '"').replace("\u2019", "'")
    return " ".join(text.lower().split())
