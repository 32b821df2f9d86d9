"""The checks every request passes before reaching an endpoint, in one ASGI layer: API key,
rate limit, body size and body deadline; the request id every response carries (X-Request-ID);
and the request log line written after the response.

Written as plain ASGI rather than a Starlette `BaseHTTPMiddleware` so streamed answers are not
buffered and the body can be cut off as soon as it passes the limit.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from scaffolder.kit.server.auth import key_matches, presented_key
from scaffolder.kit.server.limits import RateLimiter
from scaffolder.kit.server.logs import log_request, new_request_id, request_id
from scaffolder.kit.server.responses import error_bytes

#: Probes and the page itself: open even when a key is set (the page asks for the key later).
OPEN_PATHS = frozenset({"/healthz", "/readyz", "/", "/favicon.ico"})
OPEN_PREFIX = "/static/"


@dataclass
class GuardConfig:
    api_key: str | None
    max_request_bytes: int
    limiter: RateLimiter
    #: Seconds the whole body may take to arrive: a client trickling it would hold a
    #: connection and a task for as long as it likes.
    body_timeout: float = 30.0


class _BodyTooLarge(Exception):
    pass


class GuardMiddleware:
    def __init__(self, app: ASGIApp, config: GuardConfig) -> None:
        self.app = app
        self.config = config

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = [500]
        token = request_id.set(new_request_id())
        tag = (b"x-request-id", request_id.get().encode())

        async def recording_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
                message = {**message, "headers": [*message.get("headers", []), tag]}
            await send(message)

        headers = {
            key.decode("latin-1").lower(): value.decode("latin-1")
            for key, value in scope.get("headers", [])
        }
        key = self.config.api_key
        authorized = key is None or key_matches(key, presented_key(headers))
        client = _client_id(scope, headers, authorized and key is not None)
        try:
            await self._guarded(scope, receive, recording_send, headers, client, authorized)
        finally:
            elapsed = (time.perf_counter() - started) * 1000
            log_request(scope["method"], scope["path"], status[0], elapsed, client)
            request_id.reset(token)

    async def _guarded(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        headers: dict[str, str],
        client: str,
        authorized: bool,
    ) -> None:
        path: str = scope["path"]
        if path in OPEN_PATHS or path.startswith(OPEN_PREFIX):
            await self.app(scope, receive, send)
            return
        # Rate limit first, so guessing keys is throttled like any other request.
        wait = self.config.limiter.take(client)
        if wait > 0:
            retry = str(max(1, math.ceil(wait)))
            await _reject(send, path, 429, "rate limit exceeded", {"Retry-After": retry})
            return
        if not authorized:
            await _reject(
                send, path, 401, "missing or wrong API key", {"WWW-Authenticate": "Bearer"}
            )
            return
        limit = self.config.max_request_bytes
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await _reject(send, path, 413, f"request body is larger than {limit} bytes")
            return
        seconds = self.config.body_timeout
        try:
            with anyio.fail_after(seconds):
                body = await _read_body(receive, limit)
        except _BodyTooLarge:
            await _reject(send, path, 413, f"request body is larger than {limit} bytes")
            return
        except TimeoutError:
            # `connection: close` makes uvicorn drop the connection after the answer, so
            # the rest of the body is never waited for.
            await _reject(send, path, 408, f"the request body did not arrive within "
                          f"{seconds:g} seconds", {"Connection": "close"})  # fmt: skip
            return
        await self.app(scope, _replay(body, receive), send)


def _client_id(scope: Scope, headers: dict[str, str], keyed: bool) -> str:
    """Who the rate limit counts against: the key when it is a valid one, so clients behind
    one proxy address do not share a bucket; else the client address (an invented key must
    not buy a fresh bucket)."""
    if keyed:
        return f"key:{presented_key(headers)}"
    client = scope.get("client")
    return f"ip:{client[0]}" if client else "ip:unknown"


async def _read_body(receive: Receive, limit: int) -> bytes:
    """The whole body, stopping as soon as it passes `limit` (Content-Length can be absent or
    wrong with chunked uploads)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk: bytes = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise _BodyTooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A receive that hands the app the buffered body once, then waits on the real one (so the
    app still learns when the client disconnects)."""
    delivered = False

    async def replayed() -> Message:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed


async def _reject(
    send: Send, path: str, status: int, message: str, headers: dict[str, str] | None = None
) -> None:
    body = error_bytes(path, status, message)
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})
