"""One model call as a span, the way OpenTelemetry's GenAI conventions name and describe it.

`{gen_ai.operation.name} {gen_ai.request.model}` (`chat gpt-4o-mini`, `embeddings
text-embedding-3-small`), kind CLIENT, child of the turn it was made in: the request (model,
sampling settings, prompt name@version) when it starts, the response (model, tokens, finish
reason), copilot's cost and cache hit when it ends. A call answered from the response cache
has no token usage and costs 0 (it reached no provider). Message text goes on the span only when
capture is on, and only after redaction; errors only by type, since their messages can quote
what users typed.
"""

from __future__ import annotations

import json

from opentelemetry.trace import Span, SpanKind, Status, StatusCode, Tracer, set_span_in_context

from scaffolder.kit.json_types import JSONObject
from scaffolder.kit.llm.observe import CallResult, ModelCall
from scaffolder.kit.safety.redaction import Redactor
from scaffolder.kit.telemetry import attributes as attr


def message(role: str, text: str) -> JSONObject:
    """One message in the GenAI conventions' shape: a role and text parts."""
    return {"role": role, "parts": [{"type": "text", "content": text}]}


def start_call_span(
    tracer: Tracer, parent: Span, call: ModelCall, *, redactor: Redactor | None
) -> Span:
    """The span of `call`, started under `parent`; `redactor` given means capture is on."""
    span = tracer.start_span(
        f"{call.operation} {call.request_model}",
        context=set_span_in_context(parent),
        kind=SpanKind.CLIENT,
    )
    span.set_attribute(attr.OPERATION, call.operation)
    span.set_attribute(attr.PROVIDER, call.provider)
    span.set_attribute(attr.SYSTEM, call.provider)
    span.set_attribute(attr.REQUEST_MODEL, call.request_model)
    set_prompt(span, call.prompt)
    request = call.request
    if request is None:
        return span
    for key, value in (
        (attr.TEMPERATURE, request.temperature),
        (attr.MAX_TOKENS, request.max_tokens),
        (attr.SEED, request.seed),
    ):
        if value is not None:
            span.set_attribute(key, value)
    if redactor is not None:
        messages = [message(m.role, redactor.redact(m.content)) for m in request.messages]
        span.set_attribute(attr.INPUT_MESSAGES, json.dumps(messages))
    return span


def end_call_span(
    span: Span,
    result: CallResult | None,
    error: BaseException | None,
    *,
    redactor: Redactor | None,
) -> None:
    """Record how the call ended on its span, and end it."""
    try:
        if result is None:
            kind = type(error).__name__ if error is not None else "unknown"
            span.set_attribute(attr.ERROR_TYPE, kind)
            span.set_status(Status(StatusCode.ERROR, kind))
            return
        span.set_attribute(attr.RESPONSE_MODEL, result.response_model)
        span.set_attribute(attr.CACHE_HIT, result.cached)
        if result.closed_early:
            span.set_attribute(attr.CLOSED_EARLY, True)
        if result.finish_reason:
            span.set_attribute(attr.FINISH_REASONS, [result.finish_reason])
        if result.usage is not None and not result.cached:  # a replay uses no tokens
            span.set_attribute(attr.INPUT_TOKENS, result.usage.prompt_tokens)
            span.set_attribute(attr.OUTPUT_TOKENS, result.usage.completion_tokens)
        if result.cost_usd is not None:
            span.set_attribute(attr.COST_USD, result.cost_usd)
        if redactor is not None and result.text is not None:
            answer = [message("assistant", redactor.redact(result.text))]
            span.set_attribute(attr.OUTPUT_MESSAGES, json.dumps(answer))
    finally:
        span.end()


def set_prompt(span: Span, prompt: str | None) -> None:
    """`name@version` as the prompt name and version attributes."""
    if not prompt:
        return
    name, _, version = prompt.partition("@")
    span.set_attribute(attr.PROMPT_NAME, name)
    if version:
        span.set_attribute(attr.PROMPT_VERSION, version)
