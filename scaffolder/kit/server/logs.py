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

logger = logging.getLogger("copilot.server")
#: Per-process salt: client ids correlate within a run but cannot be reversed by hashing every
#: IPv4 address, which an unsalted hash of an address would allow.
_SALT = secrets.token_bytes(16)


def client_hash(client: str) -> str:
    return hashlib.sha256(_SALT + client.encode()).hexdigest()[:16]


def log_request(method: str, path: str, status: int, ms: float, client: str) -> None:
    if not logger.isEnabledFor(logging.INFO):
        return
    line = {
        "event": "request",
        "method": method,
        "path": path,
        "status": status,
        "ms": round(ms, 2),
        "client": client_hash(client),
    }
    logger.info(json.dumps(line))


def log_failure(error: BaseException) -> None:
    """A bug in a backend: the exception type and stack, without its message, which may quote
    what the user typed."""
    line = {
        "event": "backend_failure",
        "error": type(error).__name__,
        "stack": "".join(traceback.format_tb(error.__traceback__)),
    }
    logger.error(json.dumps(line))
