"""Translating between the openai SDK and copilot's types and errors.

Kept apart from the provider so the provider reads as the sequence of a call, and so every
difference between hosts (Azure, vLLM, Ollama, proxies) is handled in one place.
"""

from __future__ import annotations

import email.utils
import time
from typing import Any

import openai

from scaffolder.errors import (
    BadRequestError,
    ContentFilterError,
    LLMError,
    MalformedResponseError,
    ModelNotFoundError,
    ProviderAuthError,
    ProviderUnavailableError,
    RateLimitedError,
)
from scaffolder.kit.llm.types import Completion, Feature, Usage

#: Parameters a server may not know, the feature each belongs to, in the order to check them.
PARAMETER_FEATURES: tuple[tuple[str, Feature], ...] = (
    ("stream_options", "stream_usage"),
    ("json_schema", "json_schema"),
    ("logprobs", "logprobs"),
    ("seed", "seed"),
)


def retry_after_seconds(headers: Any) -> float | None:
    """Seconds from `retry-after-ms` or `retry-after` (seconds or an HTTP date)."""
    if headers is None:
        return None
    milliseconds = headers.get("retry-after-ms")
    if milliseconds:
        try:
            return float(milliseconds) / 1000
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value)
        return max(parsed.timestamp() - time.time(), 0.0) if parsed else None


def error_code(error: openai.APIStatusError) -> str | None:
    body = error.body if isinstance(error.body, dict) else {}
    inner = body.get("error", body) if isinstance(body.get("error", body), dict) else {}
    code = getattr(error, "code", None) or inner.get("code")
    return str(code) if code else None


def is_content_filter(error: openai.APIStatusError) -> bool:
    message = str(error.message).lower()
    return error_code(error) == "content_filter" or "content management policy" in message


def unsupported_feature(error: openai.BadRequestError, params: dict[str, Any]) -> Feature | None:
    """The optional feature a 400 complains about, if this request used it."""
    message = str(error.message).lower()
    for parameter, feature in PARAMETER_FEATURES:
        if parameter in message and uses(params, feature):
            return feature
    if "response_format" in message and "response_format" in params:
        kind = params["response_format"].get("type")
        return "json_schema" if kind == "json_schema" else "json_object"
    return None


def uses(params: dict[str, Any], feature: Feature) -> bool:
    if feature == "stream_usage":
        return "stream_options" in params
    if feature in ("json_schema", "json_object"):
        response_format = params.get("response_format") or {}
        return bool(response_format.get("type") == feature)
    return feature in params


def translate(
    error: Exception, *, url: str, key_variable: str, timeout: float, model: str
) -> LLMError:
    """One typed, one-line error for anything the SDK raised."""
    if isinstance(error, openai.APITimeoutError):
        return ProviderUnavailableError(f"{url} did not answer within {timeout:g}s")
    if isinstance(error, openai.APIConnectionError):
        return ProviderUnavailableError(f"cannot reach {url}: the connection failed")
    if isinstance(error, openai.APIResponseValidationError | ValueError):
        return MalformedResponseError(f"{url} sent a response that is not valid JSON")
    if not isinstance(error, openai.APIStatusError):
        return LLMError(f"the call to {url} failed: {error}")
    status = error.status_code
    if status in (401, 403):
        return ProviderAuthError(f"{key_variable} was rejected by {url} (HTTP {status})")
    if status == 429:
        retry_after = retry_after_seconds(error.response.headers)
        return RateLimitedError(
            f"{url} is rate limiting requests (HTTP 429)", retry_after=retry_after
        )
    if status >= 500:
        return ProviderUnavailableError(f"{url} failed with HTTP {status}")
    if status == 400 and is_content_filter(error):
        return ContentFilterError(f"the content filter at {url} refused the request")
    if status == 404:
        return ModelNotFoundError(f"{url} has no model or deployment {model!r} (HTTP 404)")
    return BadRequestError(f"{url} refused the request (HTTP {status}): {error.message}")


def sdk_cause(error: Exception) -> Exception | None:
    """`error` as the cause to chain under its translation, or None for an HTTP status error:
    that one's message is the provider's response body, which can echo the API key (a 401's
    "Incorrect API key provided: sk-...") or the prompt, and a chained cause is printed
    wherever a traceback is (test reports, logs kept with `exc_info`). Connection, timeout
    and decoding errors carry no body and keep their cause."""
    return None if isinstance(error, openai.APIStatusError) else error


def completion_from(response: Any, *, provider: str, url: str, fallback_model: str) -> Completion:
    choices = getattr(response, "choices", None)
    if not choices:
        raise MalformedResponseError(f"{url} answered without any choices")
    choice = choices[0]
    if choice.finish_reason == "content_filter":
        raise ContentFilterError(f"the content filter at {url} withheld the answer")
    return Completion(
        text=choice.message.content or "",
        model=getattr(response, "model", None) or fallback_model,
        provider=provider,
        usage=usage_from(getattr(response, "usage", None)),
        finish_reason=choice.finish_reason,
    )


def usage_from(usage: Any) -> Usage | None:
    if usage is None or usage.prompt_tokens is None:
        return None
    return Usage(prompt_tokens=usage.prompt_tokens, completion_tokens=usage.completion_tokens or 0)
