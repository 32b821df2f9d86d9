"""What a client learns from a failure: a one-line message and a request id, never the
server's file system or the model host behind it; the detail goes to the server log under the
same request id."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import httpx
import pytest

from scaffolder.errors import CopilotError
from scaffolder.kit.llm import LLM
from scaffolder.kit.llm.providers.openai_provider import OpenAIConfig, OpenAIProvider
from scaffolder.kit.llm.retry import RetryPolicy
from scaffolder.kit.routing.skills import load_skills
from tests.kit.llm.fault_server import FaultServer, status
from tests.kit.server.backends import FailingBackend, PassageBackend
from tests.kit.server.conftest import Serve
from tests.kit.server.sse import read_events

CHAT = {"message": "How do I reset the lamp?"}
COMPLETION = {"messages": [{"role": "user", "content": "How do I reset the lamp?"}]}


def model_backend(model_server: FaultServer) -> PassageBackend:
    """Answers from the real openai SDK talking to `model_server`, without retries."""
    provider = OpenAIProvider(
        OpenAIConfig("openai-compatible", "m", "local", base_url=model_server.url, timeout=10)
    )
    return PassageBackend(llm=LLM(provider, retry=RetryPolicy(max_attempts=1)))


def a_path_error(tmp_path: Path) -> CopilotError:
    """A real kit error naming an absolute path: a project without its skills folder."""
    with pytest.raises(CopilotError, match="no skills folder at /") as raised:
        load_skills(tmp_path / "skills")
    return raised.value


def message_of(body: dict[str, Any]) -> str:
    error = body["error"]
    return str(error["message"] if isinstance(error, dict) else error)


def request_id_of(body: dict[str, Any]) -> str:
    error = body["error"]
    return str(error["request_id"] if isinstance(error, dict) else body["request_id"])


def logged_details(caplog: pytest.LogCaptureFixture) -> dict[str, str]:
    """request id -> detail, from the server log's error_detail lines."""
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "copilot.server"]
    return {line["request_id"]: line["detail"] for line in lines if line["event"] == "error_detail"}


def test_an_upstream_failure_names_no_host_and_the_log_has_it(
    serve: Serve, model_server: FaultServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="copilot.server")
    model_server.script(*[status(500)] * 3)
    with serve(model_backend(model_server)) as url:
        responses = [
            httpx.post(f"{url}/chat", json=CHAT),
            httpx.post(f"{url}/chat?stream=false", json=CHAT),
            httpx.post(f"{url}/v1/chat/completions", json=COMPLETION),
        ]
    for response in responses:
        assert response.status_code == 503
        body = response.json()
        message = message_of(body)
        assert "127.0.0.1" not in response.text and str(model_server.port) not in response.text
        assert "://" not in response.text
        assert message == "the model provider is unavailable; try again later"
        assert request_id_of(body) == response.headers["x-request-id"]
        assert (
            f"{model_server.url} failed with HTTP 500"
            in logged_details(caplog)[request_id_of(body)]
        )


def test_an_error_naming_a_server_path_is_withheld(
    serve: Serve, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="copilot.server")
    error = a_path_error(tmp_path)
    with serve(FailingBackend(error)) as url:
        plain = httpx.post(f"{url}/chat", json=CHAT)
        openai_style = httpx.post(f"{url}/v1/chat/completions", json=COMPLETION)
    for response in (plain, openai_style):
        assert response.status_code == 400
        assert str(tmp_path) not in response.text and "/tmp" not in response.text
        body = response.json()
        assert message_of(body).startswith("the request could not be handled")
        rid = request_id_of(body)
        assert rid in message_of(body)
        assert logged_details(caplog)[rid] == str(error)


def test_a_path_in_an_error_after_streaming_started_is_withheld_too(
    serve: Serve, tmp_path: Path
) -> None:
    with (
        serve(FailingBackend(a_path_error(tmp_path), deltas=2)) as url,
        httpx.stream("POST", f"{url}/chat", json=CHAT) as response,
    ):
        events = read_events(response)
    name, error = events[-1]
    assert name == "error"
    assert str(tmp_path) not in json.dumps(error)
    assert error["status"] == 400 and error["request_id"] == response.headers["x-request-id"]
