"""A turn streamed by `copilot serve`'s real uvicorn server: the server resumes the turn's
generator in its thread pool, each step in a fresh copy of the context, and the model call
must still be a child span of its turn, with the server's token counts and no error logged."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from scaffolder.kit.server import create_app
from tests.conftest import project_copilot
from tests.kit.llm.fault_server import FaultServer, _usage, answer
from tests.kit.server.conftest import serving


def test_a_streamed_server_turn_records_its_model_call(
    qa_project: Path,
    server: FaultServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-loopback-test")
    file = tmp_path / "telemetry.jsonl"
    options = {
        "llm_provider": "openai-compatible",
        "llm_base_url": server.url,
        "chat_model": "gpt-4o-mini",
        "telemetry_exporters": ["jsonl"],
        "telemetry_file": file,
    }
    bot = project_copilot(qa_project, **options)
    settings = bot.services.settings
    text = "It blinks when the adapter gives too little current [1]."
    server.script(answer(text))
    with serving(create_app(bot, settings, name="lumenbot")) as url:
        question = {"message": "Why does my lamp blink three times?"}
        with httpx.stream("POST", f"{url}/chat", json=question, timeout=30) as response:
            body = response.read().decode()
    assert response.status_code == 200 and "too little current" in body
    assert bot.telemetry is not None
    bot.telemetry.flush()

    records = [json.loads(line) for line in file.read_text().splitlines()]
    (call,) = [r for r in records if r["name"] == "chat gpt-4o-mini"]
    (turn,) = [r for r in records if r["name"] == "copilot.turn"]
    returned = _usage(server.requests[0], text)
    assert call["parent_id"] == turn["span_id"]
    assert call["attributes"]["gen_ai.usage.input_tokens"] == returned["prompt_tokens"]
    assert call["attributes"]["gen_ai.usage.output_tokens"] == returned["completion_tokens"]
    assert turn["attributes"]["gen_ai.usage.output_tokens"] == returned["completion_tokens"]
    assert turn["status"] == call["status"] == "UNSET"
    assert [r.getMessage() for r in caplog.records if r.levelno >= 40] == []
