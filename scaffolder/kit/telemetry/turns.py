"""One copilot turn as a trace: a `copilot.turn` span, with a `chat {model}` child per call.

The turn span carries what a dashboard groups by (skill, intent, prompt name and version) and
what it adds up (tokens, cost, latency, cache hits, guard decisions). Message text is recorded
only when capture is on, and then only after redaction. Errors are recorded by type
(`error.type`), never by message or traceback, since messages can quote what users typed.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from opentelemetry.trace import Span, Status, StatusCode, Tracer, set_span_in_context

from scaffolder.kit.llm.types import ChatRequest, Completion, StreamChunk
from scaffolder.kit.safety.decisions import GuardDecision, Verdict
from scaffolder.kit.safety.redaction import Redactor
from scaffolder.kit.telemetry import attributes as attr

if TYPE_CHECKING:
    from scaffolder.kit.llm.client import LLM


def _message(role: str, text: str) -> dict[str, Any]:
    """One message in the GenAI conventions' shape: a role and text parts."""
    return {"role": role, "parts": [{"type": "text", "content": text}]}


def _messages(role: str, text: str) -> str:
    return json.dumps([_message(role, text)])


class Turn:
    """Created by `Telemetry.turn`; records calls, guard verdicts and (if on) content."""

    def __init__(self, span: Span, tracer: Tracer, *, capture: bool, redactor: Redactor) -> None:
        self.span = span
        self._tracer = tracer
        self._capture = capture
        self._redactor = redactor
        self._started = time.perf_counter()
        self.cost_usd = 0.0
        self._cost_known = True
        self.input_tokens = 0
        self.output_tokens = 0
        self.calls = 0
        self.cached_calls = 0
        self.decisions: list[GuardDecision] = []

    # -- what the template reports ---------------------------------------------------------
    def set_intent(self, intent: str) -> None:
        self.span.set_attribute(attr.INTENT, intent)

    def set_skill(self, skill: str) -> None:
        """Name the skill once routing has chosen it (the span opens before routing)."""
        self.span.set_attribute(attr.SKILL, skill)

    def guard(self, verdict: Verdict | Iterable[GuardDecision]) -> None:
        """Record guard decisions (content-free by construction)."""
        decisions = verdict.decisions if isinstance(verdict, Verdict) else tuple(verdict)
        self.decisions.extend(decisions)

    def capture(self, *, question: str | None = None, answer: str | None = None) -> None:
        """Record the turn's text, redacted, only when content capture is on."""
        if not self._capture:
            return
        if question is not None:
            self.span.set_attribute(
                attr.INPUT_MESSAGES, _messages("user", self._redactor.redact(question))
            )
        if answer is not None:
            self.span.set_attribute(
                attr.OUTPUT_MESSAGES, _messages("assistant", self._redactor.redact(answer))
            )

    # -- model calls -----------------------------------------------------------------------
    def complete(self, llm: LLM, request: ChatRequest) -> Completion:
        """`llm.complete(request)` inside a `chat {model}` span."""
        with self._call_span(llm, request) as span:
            try:
                completion = llm.complete(request)
            except Exception as error:
                _failed(span, error)
                raise
            self.record_completion(completion, span=span)
            return completion

    def stream(self, llm: LLM, request: ChatRequest) -> Iterator[StreamChunk]:
        """`llm.stream(request)` inside a `chat {model}` span that ends with the stream."""
        with self._call_span(llm, request) as span:
            pieces: list[str] = []
            last = StreamChunk("")
            try:
                for chunk in llm.stream(request):
                    pieces.append(chunk.text)
                    last = chunk
                    yield chunk
            except Exception as error:
                _failed(span, error)
                raise
            model = request.model or llm.provider.default_chat_model
            price = llm.ledger.prices.price_for(model)
            cost = price.cost(last.usage) if price is not None and last.usage else None
            if llm.info.name == "offline":
                cost = 0.0
            completion = Completion(
                "".join(pieces), model, llm.info.name, last.usage, last.finish_reason,
                cost_usd=cost,
            )  # fmt: skip
            self.record_completion(completion, span=span)

    def record_completion(self, completion: Completion, *, span: Span | None = None) -> None:
        """Add one call's model, tokens, cost and cache hit to `span` (default: the turn)."""
        target = span or self.span
        target.set_attribute(attr.RESPONSE_MODEL, completion.model)
        target.set_attribute(attr.CACHE_HIT, completion.cached)
        if completion.finish_reason:
            target.set_attribute(attr.FINISH_REASONS, [completion.finish_reason])
        if completion.usage is not None:
            target.set_attribute(attr.INPUT_TOKENS, completion.usage.prompt_tokens)
            target.set_attribute(attr.OUTPUT_TOKENS, completion.usage.completion_tokens)
            self.input_tokens += completion.usage.prompt_tokens
            self.output_tokens += completion.usage.completion_tokens
        if completion.cost_usd is None:
            self._cost_known = False
        else:
            target.set_attribute(attr.COST_USD, completion.cost_usd)
            self.cost_usd += completion.cost_usd
        self.calls += 1
        self.cached_calls += completion.cached
        if self._capture and span is not None:
            span.set_attribute(
                attr.OUTPUT_MESSAGES, _messages("assistant", self._redactor.redact(completion.text))
            )

    def _call_span(self, llm: LLM, request: ChatRequest) -> _CallSpan:
        model = request.model or llm.provider.default_chat_model
        span = self._tracer.start_span(f"chat {model}", context=set_span_in_context(self.span))
        span.set_attribute(attr.OPERATION, "chat")
        span.set_attribute(attr.SYSTEM, llm.info.name)
        span.set_attribute(attr.PROVIDER, llm.info.name)
        span.set_attribute(attr.REQUEST_MODEL, model)
        for key, value in (
            (attr.TEMPERATURE, request.temperature),
            (attr.MAX_TOKENS, request.max_tokens),
            (attr.SEED, request.seed),
        ):
            if value is not None:
                span.set_attribute(key, value)
        _set_prompt(span, request.prompt)
        if request.prompt:
            _set_prompt(self.span, request.prompt)
        if self._capture:
            messages = [
                {
                    "role": m.role,
                    "parts": [{"type": "text", "content": self._redactor.redact(text)}],
                }
                for m in request.messages
                if (text := m.content) is not None
            ]
            span.set_attribute(attr.INPUT_MESSAGES, json.dumps(messages))
        return _CallSpan(span)

    # -- the end of the turn ---------------------------------------------------------------
    def finish(self) -> None:
        span = self.span
        span.set_attribute(attr.LATENCY_MS, round((time.perf_counter() - self._started) * 1e3, 3))
        if self.calls:
            span.set_attribute(attr.INPUT_TOKENS, self.input_tokens)
            span.set_attribute(attr.OUTPUT_TOKENS, self.output_tokens)
            span.set_attribute(attr.CACHE_HIT, self.cached_calls == self.calls)
            if self._cost_known:
                span.set_attribute(attr.COST_USD, self.cost_usd)
        if self.decisions:
            span.set_attribute(attr.GUARD_DECISIONS, [d.describe() for d in self.decisions])
            span.set_attribute(
                attr.GUARD_BLOCKED, any(decision.action == "block" for decision in self.decisions)
            )


class _CallSpan:
    """A started span as a context manager that ends it (exceptions are recorded by type)."""

    def __init__(self, span: Span) -> None:
        self.span = span

    def __enter__(self) -> Span:
        return self.span

    def __exit__(self, *exc: object) -> None:
        self.span.end()


def _failed(span: Span, error: BaseException) -> None:
    span.set_attribute(attr.ERROR_TYPE, type(error).__name__)
    span.set_status(Status(StatusCode.ERROR, type(error).__name__))


def _set_prompt(span: Span, prompt: str | None) -> None:
    if not prompt:
        return
    name, _, version = prompt.partition("@")
    span.set_attribute(attr.PROMPT_NAME, name)
    if version:
        span.set_attribute(attr.PROMPT_VERSION, version)
