"""One copilot turn as a trace: a `copilot.turn` span, with a child span per model call.

The turn span carries what a dashboard groups by (skill, intent) and what it adds up from its
calls (tokens, cost, call count, cache hits) plus its latency and guard decisions. While a
turn is open (`Telemetry.turn`) it is the LLM client's call observer: every chat, stream and
embedding call started in it, cached or not, becomes a child span (`calls.py`) without the
skills doing anything. Message text is recorded only when capture is on, and then only after
redaction. Errors are recorded by type (`error.type`), never by message or traceback, since
messages can quote what users typed.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable

from opentelemetry.trace import Span, Tracer

from scaffolder.kit.llm.observe import CallResult, ModelCall
from scaffolder.kit.safety.decisions import GuardDecision, Verdict
from scaffolder.kit.safety.redaction import Redactor
from scaffolder.kit.telemetry import attributes as attr
from scaffolder.kit.telemetry.calls import end_call_span, message, start_call_span

#: Told the cost of every call whose cost is known (the production spend alarm).
SpendListener = Callable[[float], object]


class Turn:
    """Created by `Telemetry.turn`; records calls, guard verdicts and (if on) content."""

    def __init__(
        self,
        span: Span,
        tracer: Tracer,
        *,
        capture: bool,
        redactor: Redactor,
        on_spend: SpendListener | None = None,
    ) -> None:
        self.span = span
        self._tracer = tracer
        self._capture = capture
        self._redactor = redactor
        self._on_spend = on_spend
        self._started = time.perf_counter()
        # Calls may end in other threads than the turn's (a server reads streams from a pool).
        self._lock = threading.Lock()
        self.cost_usd = 0.0
        self.unpriced_calls = 0
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
            text = json.dumps([message("user", self._redactor.redact(question))])
            self.span.set_attribute(attr.INPUT_MESSAGES, text)
        if answer is not None:
            text = json.dumps([message("assistant", self._redactor.redact(answer))])
            self.span.set_attribute(attr.OUTPUT_MESSAGES, text)

    # -- model calls: the LLM client's observer ---------------------------------------------
    def call_started(self, call: ModelCall) -> _TurnCall:
        redactor = self._redactor if self._capture else None
        span = start_call_span(self._tracer, self.span, call, redactor=redactor)
        return _TurnCall(self, span, redactor)

    def _add(self, result: CallResult | None) -> None:
        """Count one finished call in the turn's totals (a failed one counts as a call)."""
        with self._lock:
            self.calls += 1
            if result is None:
                return
            self.cached_calls += result.cached
            if result.usage is not None and not result.cached:
                self.input_tokens += result.usage.prompt_tokens
                self.output_tokens += result.usage.completion_tokens
            if result.cost_usd is None:
                self.unpriced_calls += 1
            else:
                self.cost_usd += result.cost_usd
        if self._on_spend is not None and result.cost_usd:
            self._on_spend(result.cost_usd)

    # -- the end of the turn ---------------------------------------------------------------
    def finish(self) -> None:
        span = self.span
        span.set_attribute(attr.LATENCY_MS, round((time.perf_counter() - self._started) * 1e3, 3))
        with self._lock:
            if self.calls:
                span.set_attribute(attr.CALLS, self.calls)
                span.set_attribute(attr.INPUT_TOKENS, self.input_tokens)
                span.set_attribute(attr.OUTPUT_TOKENS, self.output_tokens)
                span.set_attribute(attr.CACHE_HIT, self.cached_calls == self.calls)
                span.set_attribute(attr.COST_USD, self.cost_usd)
                if self.unpriced_calls:
                    span.set_attribute(attr.UNPRICED_CALLS, self.unpriced_calls)
        if self.decisions:
            span.set_attribute(attr.GUARD_DECISIONS, [d.describe() for d in self.decisions])
            span.set_attribute(
                attr.GUARD_BLOCKED, any(decision.action == "block" for decision in self.decisions)
            )


class _TurnCall:
    """One call of a turn: ends its span and adds it to the turn's totals."""

    def __init__(self, turn: Turn, span: Span, redactor: Redactor | None) -> None:
        self._turn = turn
        self._span = span
        self._redactor = redactor

    def end(self, result: CallResult | None, error: BaseException | None) -> None:
        end_call_span(self._span, result, error, redactor=self._redactor)
        self._turn._add(result)
