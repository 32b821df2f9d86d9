from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from scaffolder.errors import ProviderAuthError
from scaffolder.kit.llm.client import LLM
from scaffolder.kit.llm.providers.offline import OfflineProvider
from scaffolder.kit.llm.providers.openai_provider import OpenAIConfig, OpenAIProvider
from scaffolder.kit.llm.types import AnswerTask, ChatRequest, Message, Passage
from scaffolder.kit.safety.guardrails import Guardrails
from scaffolder.kit.settings import CopilotSettings
from scaffolder.kit.telemetry.setup import Telemetry, TelemetryConfig, otlp_traces_url
from tests.kit.llm.fault_server import FaultServer, answer, status
from tests.kit.telemetry.otlp_collector import Collector


def spans(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def openai_llm(server: FaultServer) -> LLM:
    config = OpenAIConfig("openai-compatible", "gpt-4o-mini", "x", base_url=server.url)
    return LLM(OpenAIProvider(config))


def test_a_turn_records_genai_and_copilot_attributes(tmp_path: Path, server: FaultServer) -> None:
    file = tmp_path / "t.jsonl"
    telemetry = Telemetry(TelemetryConfig(exporters=("jsonl",), file=file))
    server.script(answer("Mail me at a@b.example"))
    request = ChatRequest((Message("user", "hi"),), temperature=0.2, max_tokens=50, prompt="qa@2")
    with telemetry.turn("qa", intent="question") as turn:
        completion = openai_llm(server).complete(request)
        turn.guard(Guardrails.offline().check_output(completion.text))
    call, whole = spans(file)
    assert call["name"] == "chat gpt-4o-mini"
    assert call["parent_id"] == whole["span_id"]
    assert call["trace_id"] == whole["trace_id"]
    attributes = call["attributes"]
    assert attributes["gen_ai.operation.name"] == "chat"
    assert attributes["gen_ai.request.model"] == "gpt-4o-mini"
    assert attributes["gen_ai.request.temperature"] == 0.2
    assert attributes["gen_ai.request.max_tokens"] == 50
    assert attributes["gen_ai.response.finish_reasons"] == ["stop"]
    assert attributes["copilot.prompt.name"] == "qa"
    assert attributes["copilot.prompt.version"] == "2"
    assert attributes["copilot.cost_usd"] > 0
    turn_attributes = whole["attributes"]
    assert whole["name"] == "copilot.turn"
    assert turn_attributes["copilot.skill"] == "qa"
    assert turn_attributes["copilot.intent"] == "question"
    assert turn_attributes["copilot.cache_hit"] is False
    assert turn_attributes["copilot.capture_content"] is False
    assert turn_attributes["gen_ai.usage.output_tokens"] == attributes["gen_ai.usage.output_tokens"]
    assert turn_attributes["copilot.cost_usd"] == attributes["copilot.cost_usd"]
    assert turn_attributes["copilot.latency_ms"] > 0
    assert turn_attributes["copilot.guard.decisions"] == ["redaction:redact:pii:3"]
    assert turn_attributes["copilot.guard.blocked"] is False


def test_failures_are_recorded_by_type_only(tmp_path: Path, server: FaultServer) -> None:
    file = tmp_path / "t.jsonl"
    telemetry = Telemetry(TelemetryConfig(exporters=("jsonl",), file=file))
    server.script(status(401))
    with pytest.raises(ProviderAuthError), telemetry.turn("qa"):
        openai_llm(server).complete(ChatRequest((Message("user", "secret question"),)))
    call, whole = spans(file)
    assert call["status"] == whole["status"] == "ERROR"
    assert call["attributes"]["error.type"] == "ProviderAuthError"
    assert call["events"] == []  # no exception event with a message or traceback
    assert "secret question" not in file.read_text()


def test_streamed_calls_with_the_offline_provider(tmp_path: Path) -> None:
    file = tmp_path / "t.jsonl"
    telemetry = Telemetry(TelemetryConfig(exporters=("jsonl",), file=file))
    task = AnswerTask("What exports?", (Passage("1", "Lumen exports PDF files."),))
    request = ChatRequest((Message("user", "What exports?"),), task=task)
    with telemetry.turn("qa"):
        text = "".join(chunk.text for chunk in LLM(OfflineProvider()).stream(request))
    assert text
    call, whole = spans(file)
    assert call["attributes"]["gen_ai.system"] == "offline"
    assert call["attributes"]["copilot.cost_usd"] == 0.0
    assert whole["attributes"]["gen_ai.usage.output_tokens"] > 0


def test_otlp_posts_protobuf_to_the_collector(collector: Collector) -> None:
    config = TelemetryConfig(exporters=("otlp",), otlp_endpoint=collector.endpoint)
    telemetry = Telemetry(config)
    with telemetry.turn("search"):
        pass
    telemetry.flush()
    (span,) = collector.spans()
    assert span.name == "copilot.turn"
    keys = {attribute.key: attribute.value for attribute in span.attributes}
    assert keys["copilot.skill"].string_value == "search"
    assert collector.paths == ["/v1/traces"]
    assert otlp_traces_url("http://c:4318/") == "http://c:4318/v1/traces"
    assert otlp_traces_url("http://c:4318/v1/traces") == "http://c:4318/v1/traces"


def test_from_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "true")
    settings = CopilotSettings(  # type: ignore[call-arg]
        _env_file=None, telemetry_exporters=["jsonl"], telemetry_file=Path("out/t.jsonl")
    )
    telemetry = Telemetry.from_settings(settings, root=tmp_path)
    assert telemetry.config.capture_content is True
    assert telemetry.config.file == tmp_path / "out" / "t.jsonl"
    with telemetry.turn("qa") as turn:
        turn.capture(question="mail a@b.example", answer="ok")
    (record,) = spans(tmp_path / "out" / "t.jsonl")
    messages = json.loads(record["attributes"]["gen_ai.input.messages"])
    assert messages == [{"role": "user", "parts": [{"type": "text", "content": "mail [EMAIL]"}]}]
