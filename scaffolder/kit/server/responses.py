"""Error bodies and status codes: one JSON shape for the copilot's own endpoints, OpenAI's shape
under /v1 so OpenAI clients raise their usual exceptions with our message.

Every error body carries the request id (also in the X-Request-ID header). A message that would
tell the client about the server's inside (an absolute path, a URL, an address, an OS error) is
withheld: the client gets a one-line summary and the request id, the server log gets the
detail under that id. Model failures name the model host in their messages, so they become a
phrase for their kind (unavailable, rate limited...).
"""

from __future__ import annotations

import json
import math
import re
from typing import NotRequired, TypedDict

from starlette.responses import JSONResponse

from scaffolder.errors import (
    BadRequestError,
    ContentFilterError,
    CopilotError,
    LLMError,
    MalformedResponseError,
    ModelNotFoundError,
    ProviderAuthError,
    ProviderUnavailableError,
    RateLimitedError,
    UsageError,
    first_line,
)
from scaffolder.kit.json_types import JSONObject, JSONValue
from scaffolder.kit.server.logs import log_withheld, request_id

INTERNAL_ERROR = "internal server error; the server log has the details"
#: What a withheld model failure says instead, most specific kind first.
MODEL_FAILURES: tuple[tuple[type[LLMError], str], ...] = (
    (ContentFilterError, "the model's content filter refused the request"),
    (RateLimitedError, "the model provider is rate limiting requests; try again later"),
    (ProviderUnavailableError, "the model provider is unavailable; try again later"),
    (ProviderAuthError, "the model provider rejected the server's credentials"),
    (ModelNotFoundError, "the configured model is not available"),
    (BadRequestError, "the model provider refused the request"),
    (MalformedResponseError, "the model provider sent an invalid response"),
    (LLMError, "the model call failed"),
)
#: What gives the server away: a URL, an absolute or home path (POSIX or Windows), an IPv4
#: address, host:port, an OS error number.
_DISCLOSING = re.compile(
    r"[a-z][a-z0-9+.-]*://"
    r"|(?<![\w.:/-])~?/[\w.@%+-]"
    r"|\b[a-z]:\\|\\\\"
    r"|\b\d{1,3}(?:\.\d{1,3}){3}\b"
    r"|\blocalhost:\d"
    r"|\[errno\s*-?\d+\]",
    re.IGNORECASE,
)

_OPENAI_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    404: "not_found_error",
    413: "invalid_request_error",
    422: "invalid_request_error",
    429: "rate_limit_error",
}


def discloses(message: str) -> bool:
    """Whether `message` names something of the server's inside (see `_DISCLOSING`)."""
    return _DISCLOSING.search(message) is not None


def public_message(
    message: str, status: int, kind: str = "error", error: BaseException | None = None
) -> str:
    """`message` when a client may see it; else a summary with the request id, the detail
    (and the causes of `error`, the exception it comes from) going to the log."""
    if not discloses(message):
        return message
    log_withheld(status, kind, message, error)
    return (
        f"the request could not be handled; the server log has the details under request id "
        f"{request_id.get() or 'unknown'}"
    )


def error_message(error: CopilotError, status: int) -> str:
    """The client's one line for `error`: its own message when harmless; for a model failure
    whose message names the host, the phrase for its kind (the log keeps the detail)."""
    message = first_line(error)
    if isinstance(error, LLMError) and discloses(message):
        log_withheld(status, type(error).__name__, message, error)
        return next(text for kind, text in MODEL_FAILURES if isinstance(error, kind))
    return public_message(message, status, type(error).__name__, error)


def error_body(path: str, status: int, message: str, **extra: JSONValue) -> JSONObject:
    message = public_message(message, status)
    rid = request_id.get()
    if path.startswith("/v1/"):
        kind = _OPENAI_TYPES.get(status, "server_error")
        inner: JSONObject = {"message": message, "type": kind, "code": status, **extra}
        return {"error": {**inner, "request_id": rid} if rid else inner}
    return {"error": message, **extra, **({"request_id": rid} if rid else {})}


def error_response(
    path: str, status: int, message: str, headers: dict[str, str] | None = None, **extra: JSONValue
) -> JSONResponse:
    return JSONResponse(error_body(path, status, message, **extra), status, headers=headers)


def error_bytes(path: str, status: int, message: str) -> bytes:
    return json.dumps(error_body(path, status, message)).encode()


def status_for(error: CopilotError) -> int:
    """UsageError: the client's input (400). LLMError: upstream model trouble, 503 when trying
    again may help, else 502. Anything else a copilot raises on purpose: 500."""
    if isinstance(error, UsageError):
        return 400
    if isinstance(error, LLMError):
        return 503 if error.retryable else 502
    return 500


def copilot_error_response(path: str, error: CopilotError) -> JSONResponse:
    status = status_for(error)
    headers = {}
    extra: JSONObject = {}
    if isinstance(error, LLMError):
        extra["retryable"] = error.retryable
        if error.retry_after is not None:
            headers["Retry-After"] = str(max(1, math.ceil(error.retry_after)))
    return error_response(path, status, error_message(error, status), headers, **extra)


class ErrorEvent(TypedDict):
    """What a stream says about an error after it started: the status it would have had, and
    the message the client may see (typed, as the OpenAI stream reads both back)."""

    error: str
    status: int
    retryable: NotRequired[bool]
    request_id: NotRequired[str]


def error_event(error: BaseException) -> ErrorEvent:
    """The payload of an error that happens after a stream has started (status already 200)."""
    body: ErrorEvent = {"error": INTERNAL_ERROR, "status": 500}
    if isinstance(error, CopilotError):
        status = status_for(error)
        body = {"error": error_message(error, status), "status": status}
        if isinstance(error, LLMError):
            body["retryable"] = error.retryable
    if request_id.get():
        body["request_id"] = request_id.get()
    return body
