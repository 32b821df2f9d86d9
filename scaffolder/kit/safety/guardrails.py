"""`Guardrails`: every guard of a copilot in one object, for the answer path and for streams.

    rails = Guardrails.from_settings(settings, topic=my_router_adapter)
    verdict = rails.check_input(question)
    if verdict.blocked:
        return verdict.reply                        # the refusal; verdict.blocking says why
    passages, dropped = rails.check_documents(passages)
    answer = rails.check_output(llm.complete(request).text).reply
    # or, streaming:
    for chunk in rails.guard_stream(llm.stream(request)):
        send(chunk.text)                            # finish_reason "content_filter" on a block

Input guards run cheapest first and stop at the first block. Output guards are span guards
(team lists, the offline content filter, redaction) that also run on streams; a hosted
moderation endpoint, when configured, replaces the offline filter for whole answers and checks
a streamed answer once it is complete.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from scaffolder.errors import LLMError, UsageError
from scaffolder.kit.llm.types import Passage, StreamChunk
from scaffolder.kit.safety.content_filter import (
    ContentClassifier,
    OfflineContentFilter,
    decisions_for,
)
from scaffolder.kit.safety.decisions import (
    BLOCK_AT,
    CONTENT_CATEGORIES,
    INPUT_REFUSAL,
    OUTPUT_REFUSAL,
    GuardDecision,
    Verdict,
)
from scaffolder.kit.safety.guardlist import GuardList, load_guard_lists
from scaffolder.kit.safety.injection import DOCUMENT_BLOCK_AT, InjectionGuard
from scaffolder.kit.safety.redaction import Redactor
from scaffolder.kit.safety.streaming import SpanGuard, StreamGuard, scan
from scaffolder.kit.safety.topic import OffTopicGuard, SizeGuard, TopicClassifier
from scaffolder.kit.settings import MAX_INPUT_CHARS

if TYPE_CHECKING:
    from scaffolder.kit.settings import CopilotSettings

logger = logging.getLogger(__name__)


class InputGuard(Protocol):
    name: str

    def check(self, text: str) -> list[GuardDecision]: ...


class Guardrails:
    def __init__(
        self,
        *,
        input_guards: Sequence[InputGuard] = (),
        guard_lists: Sequence[GuardList] = (),
        redactor: Redactor | None = None,
        classifier: ContentClassifier | None = None,
        thresholds: Mapping[str, int] | None = None,
        document_guard: InjectionGuard | None = None,
    ) -> None:
        self.thresholds: dict[str, int] = {c: BLOCK_AT for c in CONTENT_CATEGORIES}
        self.thresholds.update(thresholds or {})
        self.input_guards = list(input_guards)
        self.redactor = redactor or Redactor()
        self.offline_filter = OfflineContentFilter(self.thresholds)
        #: The hosted classifier, if any; None means the offline filter decides.
        self.classifier = classifier
        self.document_guard = document_guard or InjectionGuard(
            block_at=DOCUMENT_BLOCK_AT, name="injection:document"
        )
        self.stream_guards: list[SpanGuard] = [*guard_lists, self.offline_filter, self.redactor]
        self.answer_guards: list[SpanGuard] = (
            [*guard_lists, self.redactor] if classifier else self.stream_guards
        )

    @classmethod
    def offline(
        cls,
        *,
        topic: TopicClassifier | None = None,
        guard_lists: Sequence[GuardList] = (),
        redact_patterns: Mapping[str, str] | None = None,
        max_input_chars: int = MAX_INPUT_CHARS,
        thresholds: Mapping[str, int] | None = None,
    ) -> Guardrails:
        """Every offline guard: size, topic (when given), injection, content filter, lists,
        redaction."""
        guards: list[InputGuard] = [SizeGuard(max_input_chars)]
        if topic is not None:
            guards.append(OffTopicGuard(topic))
        guards.append(InjectionGuard())
        return cls(
            input_guards=guards,
            guard_lists=guard_lists,
            redactor=Redactor(redact_patterns),
            thresholds=thresholds,
        )

    @classmethod
    def from_settings(
        cls,
        settings: CopilotSettings,
        *,
        topic: TopicClassifier | None = None,
        root: Path | None = None,
    ) -> Guardrails:
        """The guards a project's settings describe; `root` resolves relative list paths."""
        from scaffolder.kit.safety.moderation import OpenAIModeration

        rails = cls.offline(
            topic=topic,
            guard_lists=load_guard_lists(settings.guard_lists, root),
            redact_patterns=settings.redact_patterns,
            max_input_chars=settings.max_input_chars,
        )
        hosted = OpenAIModeration.from_settings(settings)
        if hosted is not None:
            rails.use_classifier(hosted)
        return rails

    def use_classifier(self, classifier: ContentClassifier) -> None:
        """Let a hosted classifier decide for whole answers and inputs; streams keep the
        offline filter chunk by chunk and ask the hosted one once they are complete."""
        self.classifier = classifier
        self.answer_guards = [
            guard for guard in self.stream_guards if guard is not self.offline_filter
        ]

    # -- input ---------------------------------------------------------------------------
    def check_input(self, text: str) -> Verdict:
        decisions: list[GuardDecision] = []
        for guard in self.input_guards:
            decisions.extend(guard.check(text))
            if any(decision.action == "block" for decision in decisions):
                return Verdict(text, tuple(decisions), INPUT_REFUSAL)
        decisions.extend(self._classify(text))
        return Verdict(text, tuple(decisions), INPUT_REFUSAL)

    def check_documents(
        self, passages: Iterable[Passage]
    ) -> tuple[list[Passage], list[GuardDecision]]:
        """The passages without instructions hidden in them, and a decision per dropped one."""
        kept: list[Passage] = []
        dropped: list[GuardDecision] = []
        for passage in passages:
            decisions = self.document_guard.check(passage.text)
            if decisions:
                dropped.extend(
                    GuardDecision(d.guard, d.action, d.category, d.severity,
                                  f"passage {passage.id}: {d.reason}")
                    for d in decisions
                )  # fmt: skip
            else:
                kept.append(passage)
        return kept, dropped

    # -- output --------------------------------------------------------------------------
    def check_output(self, text: str) -> Verdict:
        verdict = scan(self.answer_guards, text)
        if verdict.blocked or self.classifier is None:
            return verdict
        hosted = self._classify(text)
        return Verdict(verdict.text, verdict.decisions + tuple(hosted), OUTPUT_REFUSAL)

    def stream(self) -> StreamGuard:
        return StreamGuard(self.stream_guards)

    def guard_stream(self, chunks: Iterable[StreamChunk]) -> Iterator[StreamChunk]:
        """`chunks` with guarded text; on a block, one last chunk with the refusal and finish
        reason `content_filter`, and the model stream is closed."""
        guard = self.stream()
        collected: list[str] = []
        last = StreamChunk("")
        iterator = iter(chunks)
        try:
            for chunk in iterator:
                last = chunk
                collected.append(chunk.text)
                safe = guard.feed(chunk.text)
                if guard.blocked:
                    yield _refusal(guard)
                    return
                if safe:
                    yield StreamChunk(safe)
        finally:
            close = getattr(iterator, "close", None)
            if close is not None:
                close()
        yield from self._finished(guard, last, collected)

    async def aguard_stream(self, chunks: AsyncIterable[StreamChunk]) -> AsyncIterator[StreamChunk]:
        guard = self.stream()
        collected: list[str] = []
        last = StreamChunk("")
        async for chunk in chunks:
            last = chunk
            collected.append(chunk.text)
            safe = guard.feed(chunk.text)
            if guard.blocked:
                yield _refusal(guard)
                return
            if safe:
                yield StreamChunk(safe)
        for chunk in self._finished(guard, last, collected):
            yield chunk

    def _finished(
        self, guard: StreamGuard, last: StreamChunk, collected: list[str]
    ) -> Iterator[StreamChunk]:
        tail = guard.finish()
        if guard.blocked:
            yield _refusal(guard)
            return
        if self.classifier is not None:
            late = self._classify("".join(collected))
            if any(decision.action == "block" for decision in late):
                yield StreamChunk(OUTPUT_REFUSAL, usage=last.usage, finish_reason="content_filter")
                return
        yield StreamChunk(tail, usage=last.usage, finish_reason=last.finish_reason)

    # -- content filter ------------------------------------------------------------------
    def _classify(self, text: str) -> list[GuardDecision]:
        classifier: ContentClassifier = self.classifier or self.offline_filter
        try:
            scores = classifier.classify(text)
        except LLMError as error:
            logger.warning("moderation failed (%s); the offline filter decides", error)
            classifier = self.offline_filter
            scores = classifier.classify(text)
        return decisions_for(scores, self.thresholds, classifier.name)


def _refusal(guard: StreamGuard) -> StreamChunk:
    return StreamChunk(guard.refusal, finish_reason="content_filter")


def check_question_length(text: str, limit: int) -> None:
    """Refuse a question over `limit` (the `max_input_chars` setting) before anything runs.

    Why at every exit, up front: past the limit the input guard would only decline, and a
    prompt with a smaller limit of its own would fail mid-turn; one number, said once in one
    line, tells the user what to do."""
    if len(text) > limit:
        raise UsageError(
            f"the question is {len(text)} characters long; the limit is {limit} "
            "(max_input_chars): shorten it"
        )
