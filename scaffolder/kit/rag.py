"""Retrieval-augmented answers: retrieve, fill the project's answer prompt, call, check citations.

This is the machinery behind the qa-rag template's `answer` skill and `copilot ask`, kept in
the kit so a generated project only names its prompt and settings. Passages are numbered
`[1]`, `[2]`... in the prompt; the answer's markers are resolved back to the chunks and their
citations (file, section or line range), and a citation that points at nothing retrieved, or a
claim that cites nothing, is reported on the answer instead of being shown as if grounded.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from scaffolder.kit.llm.client import LLM
from scaffolder.kit.llm.types import AnswerTask, ChatRequest, Completion, Passage
from scaffolder.kit.prompts.library import Prompt
from scaffolder.kit.retrieval.citations import CitationReport, check_citations
from scaffolder.kit.retrieval.retriever import Retriever
from scaffolder.kit.turn import Source

#: Passages put in front of the model per question.
DEFAULT_K = 4


@dataclass(frozen=True)
class Answer:
    question: str
    text: str
    sources: tuple[Source, ...]
    citations: CitationReport
    prompt: str | None = None
    model: str | None = None
    cached: bool = False
    cost_usd: float | None = None
    seconds: float = 0.0
    #: What else the caller should know (guards that fired, the offline notice...).
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def cited(self) -> tuple[Source, ...]:
        """The sources the answer cites, in the order it first cites them."""
        by_id = {source.chunk_id: source for source in self.sources}
        return tuple(by_id[chunk_id] for chunk_id in self.citations.cited if chunk_id in by_id)

    @property
    def grounded(self) -> bool:
        """Every citation resolves and every claim cites something (or it says it can't)."""
        return self.citations.ok

    def as_json(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answer": self.text,
            "cited": [source.label for source in self.cited],
            "grounded": self.grounded,
            "unknown_citations": list(self.citations.unknown),
            "uncited_sentences": list(self.citations.uncited_sentences),
            "sources": [source.to_json() for source in self.sources],
            "prompt": self.prompt,
            "model": self.model,
            "cached": self.cached,
            "cost_usd": self.cost_usd,
            "seconds": round(self.seconds, 4),
            "notes": list(self.notes),
        }


@dataclass
class RagAnswerer:
    """Answers questions from a project's index with its answer prompt."""

    retriever: Retriever
    prompt: Prompt
    llm: LLM
    k: int = DEFAULT_K

    def retrieve(self, question: str) -> tuple[Source, ...]:
        results = self.retriever.search(question, self.k)
        return tuple(
            Source(
                label=str(number),
                chunk_id=result.chunk.id,
                citation=result.chunk.citation(),
                source=result.chunk.source,
                text=result.chunk.text,
                score=result.score,
                opening=result.opening,
                heading=result.chunk.heading(),
            )
            for number, result in enumerate(results, start=1)
        )

    def request(
        self,
        question: str,
        sources: Sequence[Source],
        history: Sequence[dict[str, str]] = (),
        *,
        follows: str = "",
    ) -> ChatRequest:
        """The answer prompt filled in; the task lets the offline provider answer honestly.

        `follows`: the question a follow-up follows. A model reads the history; the offline
        answer has only its task, and "how long does it take?" after a firmware question was
        answered alone, with how to delete a scene."""
        passages = [
            {"id": source.label, "text": source.text, "source": source.citation}
            for source in sources
        ]
        task = AnswerTask(
            question,
            tuple(
                Passage(
                    source.label,
                    source.text,
                    source.citation,
                    opening=source.opening,
                    heading=source.heading,
                )
                for source in sources
            ),
            follows=follows,
        )
        values = {"question": question, "passages": passages, "history": list(history)}
        return self.prompt.request(values, task=task)

    def answer(self, question: str, history: Sequence[dict[str, str]] = ()) -> Answer:
        started = time.perf_counter()
        sources = self.retrieve(question)
        completion = self.llm.complete(self.request(question, sources, history))
        return self.finish(question, sources, completion, time.perf_counter() - started)

    def stream(
        self, question: str, history: Sequence[dict[str, str]] = ()
    ) -> Iterator[str | Answer]:
        """The answer's text in pieces as the model writes it, then the whole `Answer`."""
        started = time.perf_counter()
        sources = self.retrieve(question)
        request = self.request(question, sources, history)
        pieces: list[str] = []
        for chunk in self.llm.stream(request):
            if chunk.text:
                pieces.append(chunk.text)
                yield chunk.text
        completion = Completion(
            text="".join(pieces),
            model=request.model or self.llm.provider.default_chat_model,
            provider=self.llm.info.name,
        )
        yield self.finish(question, sources, completion, time.perf_counter() - started)

    def finish(
        self,
        question: str,
        sources: tuple[Source, ...],
        completion: Completion,
        seconds: float,
    ) -> Answer:
        labels = {source.label: source.chunk_id for source in sources}
        notes = (self.llm.notice,) if self.llm.notice else ()
        return Answer(
            question=question,
            text=completion.text.strip(),
            sources=sources,
            citations=check_citations(completion.text, labels),
            prompt=f"{self.prompt.name}@{self.prompt.version}",
            model=completion.model,
            cached=completion.cached,
            cost_usd=completion.cost_usd,
            seconds=seconds,
            notes=notes,
        )
