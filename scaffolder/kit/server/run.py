"""`serve`: run the server with uvicorn (what `copilot serve` calls).

The listening socket is bound here, before uvicorn starts, so a port in use, a privileged
port or a host that does not resolve is one `UsageError` line rather than uvicorn's log lines
and exit 1. uvicorn runs with the connection guards of `connections` (head deadline, connection
cap) and without WebSocket support, which no endpoint uses.
"""

from __future__ import annotations

import errno
import logging
import socket
from collections.abc import Callable, Sequence

import uvicorn
from fastapi import APIRouter, FastAPI

from scaffolder.errors import UsageError
from scaffolder.kit.server.app import create_app
from scaffolder.kit.server.backend import ChatBackend
from scaffolder.kit.server.connections import ConnectionLimits, guarded_protocol
from scaffolder.kit.server.feedback import FeedbackSink
from scaffolder.kit.server.logs import logger
from scaffolder.kit.settings import CopilotSettings

#: Pending connections the kernel queues before accept (uvicorn's default).
BACKLOG = 2048


def serve(
    backend: ChatBackend,
    settings: CopilotSettings,
    host: str = "127.0.0.1",
    port: int = 8000,
    *,
    feedback: FeedbackSink | None = None,
    name: str = "copilot",
    routers: Sequence[APIRouter] = (),
    announce: Callable[[str], None] | None = None,
) -> None:
    """Serve `backend` until interrupted. Refuses (UsageError) to bind beyond loopback
    without COPILOT_SERVER_API_KEY, and when the address cannot be listened on. `name` is
    what the chat page shows (the CLI passes the project's name); `routers` are the project's
    own endpoints (see `create_app`); `announce` is told the URL once the port is bound."""
    app = create_app(backend, settings, host=host, feedback=feedback, name=name, routers=routers)
    listener = listen(host, port)
    if announce is not None:
        announce(f"http://{host}:{port}/")
    if not logger.handlers:
        # Request lines are JSON already: print them as they are, one per line.
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
    uvicorn_server(app, limits_from(settings)).run(sockets=[listener])


def limits_from(settings: CopilotSettings) -> ConnectionLimits:
    return ConnectionLimits(
        header_timeout=settings.server_header_timeout,
        body_timeout=settings.server_body_timeout,
        max_connections=settings.server_max_connections,
    )


def uvicorn_server(
    app: FastAPI, limits: ConnectionLimits, *, parser: str = "auto", log_level: str = "info"
) -> uvicorn.Server:
    """The uvicorn server for `app` with `limits` enforced (tests run this same server)."""
    config = uvicorn.Config(
        app,
        http=guarded_protocol(limits, parser),
        ws="none",
        lifespan="off",
        # uvicorn's access log would duplicate the JSON request lines, with query strings.
        access_log=False,
        log_level=log_level,
        backlog=BACKLOG,
    )
    return uvicorn.Server(config)


def listen(host: str, port: int) -> socket.socket:
    """A socket bound to `host`:`port` and listening, or a one-line UsageError saying why not."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except (socket.gaierror, UnicodeError) as exc:
        raise UsageError(
            f"cannot serve on {host!r}: it is neither an address nor a name this machine "
            "resolves (try 127.0.0.1)"
        ) from exc
    listener = socket.socket(family, kind, proto)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(address)
        listener.listen(BACKLOG)
    except OSError as error:
        listener.close()
        raise UsageError(_bind_problem(error, host, port)) from error
    return listener


def _bind_problem(error: OSError, host: str, port: int) -> str:
    if error.errno == errno.EADDRINUSE:
        return f"port {port} on {host} is already in use; stop what uses it or pass another --port"
    if error.errno == errno.EACCES:
        return f"port {port} needs privileges this user does not have; use a port above 1023"
    if error.errno == errno.EADDRNOTAVAIL:
        return f"{host} is not an address of this machine; bind to one of its addresses"
    return f"cannot listen on {host}:{port}: {error.strerror or error}"
