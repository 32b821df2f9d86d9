"""Error bodies and status codes: one JSON shape for the copilot's own endpoints, OpenAI's shape
under /v1 so OpenAI clients raise their usual exceptions with our message."""

from __future__ import annotations

import json
import math
from typing import Any

from starlette.responses import JSONResponse

from scaffolder.errors import CopilotError, LLMError, UsageError, first_line

INTERNAL_ERROR = "internal server error; the server log has the details"

_OPENAI_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    404: "not_found_error",
    413: "invalid_request_error",
    422: "invalid_request_error",
    429: "rate_limit_error",
}


def error_body(path: str, status: int, message: str, **extra: Any) -> dict[str, Any]:
    if path.startswith("/v1/"):
        kind = _OPENAI_TYPES.get(status, "server_error")
        return {"error": {"message": message, "type": kind, "code": status, **extra}}
    return {"error": message, **extra}


def error_response(
    path: str, status: int, message: str, headers: dict[str, str] | None = None, **extra: Any
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
    extra: dict[str, Any] = {}
    if isinstance(error, LLMError):
        extra["retryable"] = error.retryable
        if error.retry_after is not None:
            headers["Retry-After"] = str(max(1, math.ceil(error.retry_after)))
    return error_response(path, status, first_line(error), headers, **extra)


def error_event(error: BaseException) -> dict[str, Any]:
    """The payload of an error that happens after a stream has started (status already 200)."""
    if isinstance(error, CopilotError):
        body: dict[str, Any] = {"error": first_line(error), "status": status_for(error)}
        if isinstance(error, LLMError):
            body["retryable"] = error.retryable
        return body
    return {"error": INTERNAL_ERROR, "status": 500}
