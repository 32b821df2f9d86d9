"""Connection guards uvicorn lacks: a deadline for each request head, and a cap on open
connections.

uvicorn starts no timer when a connection opens, and its keep-alive timer restarts on every
byte, so a client trickling its request head one byte at a time holds a connection (and a file
descriptor) forever; enough of them and every new client is refused by the kernel. Here each
connection must complete a request head within `header_timeout` seconds of opening, or of its
previous response, or it is closed; and connections past `max_connections` are answered 503 at
once instead of being held, so slow clients cost a bounded number of descriptors for a bounded
time. The body has its own deadline in `GuardMiddleware`, where the body is read.

The guard subclasses whichever HTTP protocol uvicorn would pick (httptools when installed, else
h11) and hooks only `connection_made`, `connection_lost` and `on_response_complete`, which both
share.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol, cast

from uvicorn.protocols.http.h11_impl import H11Protocol

from scaffolder.kit.server.logs import log_event

_REFUSAL_BODY = json.dumps({"error": "too many open connections; try again shortly"}).encode()
#: Written before the request is read, then the connection is closed.
REFUSAL = (
    b"HTTP/1.1 503 Service Unavailable\r\n"
    b"content-type: application/json\r\n"
    b"retry-after: 1\r\n"
    b"connection: close\r\n"
    b"content-length: " + str(len(_REFUSAL_BODY)).encode() + b"\r\n\r\n" + _REFUSAL_BODY
)


@dataclass(frozen=True)
class ConnectionLimits:
    """Seconds to send a request head, seconds to send a body, open connections at most."""

    header_timeout: float = 10.0
    body_timeout: float = 30.0
    max_connections: int = 256


class _HeadDeadline:
    """One connection's timer: armed while it waits for a request head, closing the
    connection if the head is still incomplete when it fires."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        transport: asyncio.Transport,
        seconds: float,
        waiting: Callable[[], bool],
    ) -> None:
        self.loop = loop
        self.transport = transport
        self.seconds = seconds
        self.waiting = waiting
        self.timer: asyncio.TimerHandle | None = None

    def restart(self) -> None:
        self.cancel()
        if not self.transport.is_closing():
            self.timer = self.loop.call_later(self.seconds, self._expire)

    def cancel(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None

    def _expire(self) -> None:
        # A head that completed since the timer started means a request is running (its
        # response restarts the timer); only a connection still waiting is cut off.
        self.timer = None
        if self.waiting() and not self.transport.is_closing():
            log_event("header_timeout", seconds=self.seconds)
            self.transport.close()


class _Cycle(Protocol):
    """The part of uvicorn's request-response cycle (either HTTP protocol's) read here."""

    @property
    def response_complete(self) -> bool: ...


def _waiting_for_head(cycle: _Cycle | None) -> bool:
    """No request in progress: none yet, or the last one's response is complete."""
    return cycle is None or bool(cycle.response_complete)


class _HeadGuard:
    """What both guarded protocols add to uvicorn's: admission under the cap, a head deadline
    from the connection and from each completed response. Listed before the uvicorn protocol
    in the bases, so each method runs around uvicorn's own through `super()`."""

    limits: ClassVar[ConnectionLimits] = ConnectionLimits()
    deadline: _HeadDeadline | None = None
    cycle: Any

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)  # type: ignore[misc]
        stream = cast(asyncio.Transport, transport)  # uvicorn serves stream transports only
        self.deadline = _admit(self, stream, lambda: _waiting_for_head(self.cycle))

    def connection_lost(self, exc: Exception | None) -> None:
        if self.deadline is not None:
            self.deadline.cancel()
        super().connection_lost(exc)  # type: ignore[misc]

    def on_response_complete(self) -> None:
        super().on_response_complete()  # type: ignore[misc]
        if self.deadline is not None:
            self.deadline.restart()


class _GuardedH11(_HeadGuard, H11Protocol):
    pass


def _httptools_guard() -> type[asyncio.Protocol] | None:
    """The guarded httptools protocol, or None when httptools is not installed."""
    try:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
    except ImportError:
        return None

    class _GuardedHttpTools(_HeadGuard, HttpToolsProtocol):
        pass

    return _GuardedHttpTools


def _admit(
    protocol: Any, transport: asyncio.Transport, waiting: Callable[[], bool]
) -> _HeadDeadline | None:
    """Refuse the connection past the cap (uvicorn has added it to its set already), else
    start its head deadline."""
    limits: ConnectionLimits = protocol.limits
    if len(protocol.connections) > limits.max_connections:
        log_event("connection_refused", open=len(protocol.connections))
        transport.write(REFUSAL)
        transport.close()
        return None
    deadline = _HeadDeadline(protocol.loop, transport, limits.header_timeout, waiting)
    deadline.restart()
    return deadline


def guarded_protocol(limits: ConnectionLimits, parser: str = "auto") -> type[asyncio.Protocol]:
    """uvicorn's HTTP protocol for `parser` ("httptools", "h11", or "auto": httptools when
    installed, as uvicorn picks) with `limits` enforced; pass it as `uvicorn.Config(http=...)`."""
    base: type[asyncio.Protocol] | None = _GuardedH11
    if parser in ("auto", "httptools"):
        base = _httptools_guard() or (_GuardedH11 if parser == "auto" else None)
    elif parser != "h11":
        base = None
    if base is None:
        raise ValueError(f"unknown or unavailable HTTP parser {parser!r}")
    return type(f"Limited{base.__name__}", (base,), {"limits": limits})
