"""Servers for the server tests: the real app under a real uvicorn on a loopback port."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from scaffolder.kit.safety.feedback import FeedbackStore
from scaffolder.kit.server import ChatBackend, create_app
from scaffolder.kit.server.connections import ConnectionLimits
from scaffolder.kit.server.run import listen, uvicorn_server
from scaffolder.kit.settings import CopilotSettings
from tests.kit.server.backends import PassageBackend

Serve = Callable[..., AbstractContextManager[str]]


class FakeClock:
    """The rate limiter's clock, advanced by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@contextmanager
def serving(
    app: FastAPI, limits: ConnectionLimits | None = None, parser: str = "auto"
) -> Iterator[str]:
    """Run `app` in a thread on a free loopback port, in the uvicorn server `copilot serve`
    runs (connection guards included); yield its base URL."""
    listener = listen("127.0.0.1", 0)
    port = listener.getsockname()[1]
    server = uvicorn_server(app, limits or ConnectionLimits(), parser=parser, log_level="warning")
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        listener.close()


def without_id(response: httpx.Response) -> dict[str, Any]:
    """An error body minus its request id, which must be the response's X-Request-ID."""
    body = dict(response.json())
    assert body.pop("request_id") == response.headers["x-request-id"]
    return body


def settings(tmp_path: Path, **overrides: Any) -> CopilotSettings:
    return CopilotSettings.load(tmp_path, env_file=None, **overrides)


@pytest.fixture(autouse=True)
def no_server_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in (
        "COPILOT_SERVER_API_KEY",
        "COPILOT_RATE_LIMIT_PER_MINUTE",
        "COPILOT_MAX_REQUEST_BYTES",
    ):
        monkeypatch.delenv(variable, raising=False)


@pytest.fixture
def feedback_path(tmp_path: Path) -> Path:
    return tmp_path / "feedback.jsonl"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def serve(tmp_path: Path, feedback_path: Path, clock: FakeClock) -> Serve:
    """`serve(backend=None, **settings)`: a running server for a backend (default: a
    `PassageBackend`), with feedback in `feedback_path` and the fake clock."""

    @contextmanager
    def start(backend: ChatBackend | None = None, **overrides: Any) -> Iterator[str]:
        app = create_app(
            backend or PassageBackend(),
            settings(tmp_path, **overrides),
            feedback=FeedbackStore(feedback_path),
            name="lamp-copilot",
            clock=clock,
        )
        with serving(app) as url:
            yield url

    return start
