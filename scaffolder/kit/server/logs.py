"""Structured request logs: one JSON line per request on the `copilot.server` logger.

Lines carry the method, path, status, duration and a hashed client id, never message or answer
text: request logs are shipped and kept far more widely than conversations may be.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import traceback
from contextvars import ContextVar
from typing import Any

logger = logging.getLogger("copilot.server")
#: The id of the request being handled, set by `GuardMiddleware`: error bodies quote it and log
#: lines carry it, so a client's report leads to the detail only the log has.
request_id: ContextVar[str] = ContextVar("copilot_request_id", default="")
#: Per-process salt: client ids correlate within a run but cannot be reversed by hashing every
#: IPv4 address, which an unsalted hash of an address would allow.
_SALT = secrets.token_bytes(16)


def client_hash(client: str) -> str:
    return hashlib.sha256(_SALT + client.encode()).hexdigest()[:16]


def new_request_id() -> str:
    return secrets.token_hex(8)


def log_request(method: str, path: str, status: int, ms: float, client: str) -> None:
    if not logger.isEnabledFor(logging.INFO):
        return
    line = {
        "event": "request",
        "request_id": request_id.get(),
        "method": method,
        "path": path,
        "status": status,
        "ms": round(ms, 2),
        "client": client_hash(client),
    }
    logger.info(json.dumps(line))


def causes(error: BaseException | None, limit: int = 8) -> list[dict[str, str]]:
    """What `error` was raised from (`raise ... from`, or raised while handling), outermost
    first: each cause's type and stack, without its message, which may quote what the user
    typed. Library errors keep their cause so that this line can say what really failed."""
    chain: list[dict[str, str]] = []
    seen: set[int] = set()
    cause = _cause_of(error)
    while cause is not None and id(cause) not in seen and len(chain) < limit:
        seen.add(id(cause))
        stack = "".join(traceback.format_tb(cause.__traceback__))
        chain.append({"error": type(cause).__name__, "stack": stack})
        cause = _cause_of(cause)
    return chain


def _cause_of(error: BaseException | None) -> BaseException | None:
    if error is None:
        return None
    return error.__cause__ or (None if error.__suppress_context__ else error.__context__)


def log_failure(error: BaseException) -> None:
    """A bug in a backend: the exception type and stack, and its causes', without messages,
    which may quote what the user typed."""
    line = {
        "event": "backend_failure",
        "request_id": request_id.get(),
        "error": type(error).__name__,
        "stack": "".join(traceback.format_tb(error.__traceback__)),
        "causes": causes(error),
    }
    logger.error(json.dumps(line))


def log_withheld(status: int, kind: str, detail: str, error: BaseException | None = None) -> None:
    """An error whose message the client did not get (it names server paths or upstream
    hosts): the detail and `error`'s causes, for whoever reads the log with the request id
    the client got."""
    line = {
        "event": "error_detail",
        "request_id": request_id.get(),
        "status": status,
        "error": kind,
        "detail": detail,
        "causes": causes(error),
    }
    logger.warning(json.dumps(line))


def log_event(event: str, **fields: Any) -> None:
    """A connection-level event (a refused connection, a timed-out head), with no request."""
    logger.warning(json.dumps({"event": event, **fields}))
