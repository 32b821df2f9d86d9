"""With content capture off, no exported byte may hold what the user typed or the model said.

A traced turn (guards, a model call, a streamed call, an embedding of the question and a call
answered from the response cache, over real HTTP to a loopback OpenAI-compatible server; the
client reports each call as a child span) runs with distinctive canary text in the question,
the retrieved passage and the answer; every exporter (console, JSONL file, OTLP protobuf posted to a
loopback collector) and every log record is then scanned for any canary.
"""

from __future__ import annotations

import io
import logging
from dataclasses import replace
from pathlib import Path

import pytest

from scaffolder.kit.llm.cache import ResponseCache
from scaffolder.kit.llm.client import LLM
from scaffolder.kit.llm.providers.openai_provider import OpenAIConfig, OpenAIProvider
from scaffolder.kit.llm.types import ChatRequest, Message
from scaffolder.kit.safety.fencing import fence_document
from scaffolder.kit.safety.guardrails import Guardrails
from scaffolder.kit.telemetry.setup import Telemetry, TelemetryConfig
from tests.kit.llm.fault_server import FaultServer, answer
from tests.kit.telemetry.otlp_collector import Collector

QUESTION_CANARY = "Zephyrquill"
PASSAGE_CANARY = "Marrowvale"
ANSWER_CANARY = "Quintessabloom"
EMAIL = "canary.person@example.com"
CANARIES = [QUESTION_CANARY, PASSAGE_CANARY, ANSWER_CANARY, EMAIL, "canary.person"]


def run_turn(telemetry: Telemetry, server: FaultServer, cache: ResponseCache) -> None:
    llm = LLM(
        OpenAIProvider(
            OpenAIConfig(
                kind="openai-compatible",
                chat_model="gpt-4o-mini",
                embedding_model="text-embedding-3-small",
                base_url=server.url,
            )
        ),
        cache=cache,
    )
    rails = Guardrails.offline()
    question = f"What does {QUESTION_CANARY} do? Write to {EMAIL}."
    request = ChatRequest(
        messages=(
            Message("system", "Answer from the documents."),
            Message("user", f"{fence_document(PASSAGE_CANARY + ' exports data.')}\n{question}"),
        ),
        prompt="answer@3",
    )
    server.script(answer(f"{ANSWER_CANARY} exports data, ask {EMAIL}."))
    server.script(answer(f"{ANSWER_CANARY} streams too."))
    with telemetry.turn("qa", intent="question") as turn:
        turn.guard(rails.check_input(question))
        completion = llm.complete(request)
        verdict = rails.check_output(completion.text)
        turn.guard(verdict)
        streamed = "".join(chunk.text for chunk in llm.stream(replace(request, sample=1)))
        llm.embed([question])
        replayed = llm.complete(request)
        turn.capture(question=question, answer=verdict.text + streamed)
    assert ANSWER_CANARY in completion.text and ANSWER_CANARY in streamed
    assert replayed.cached and server.count == 3


def exported(telemetry: Telemetry, console: io.StringIO, file: Path, collector: Collector) -> bytes:
    telemetry.flush()
    return console.getvalue().encode() + file.read_bytes() + b"".join(collector.bodies)


@pytest.mark.parametrize("capture", [False, True])
def test_no_prompt_or_answer_text_is_exported(
    tmp_path: Path,
    server: FaultServer,
    collector: Collector,
    caplog: pytest.LogCaptureFixture,
    capture: bool,
) -> None:
    caplog.set_level(logging.DEBUG)
    console = io.StringIO()
    config = TelemetryConfig(
        exporters=("console", "jsonl", "otlp"),
        file=tmp_path / "telemetry.jsonl",
        otlp_endpoint=collector.endpoint,
        capture_content=capture,
    )
    telemetry = Telemetry(config, console=console)
    run_turn(telemetry, server, ResponseCache(tmp_path / "cache.sqlite3"))
    everything = exported(telemetry, console, config.file, collector)
    telemetry.shutdown()

    assert collector.paths and set(collector.paths) == {"/v1/traces"}
    names = sorted(span.name for span in collector.spans())
    assert names == ["chat gpt-4o-mini"] * 3 + ["copilot.turn", "embeddings text-embedding-3-small"]
    assert b"gen_ai.usage.input_tokens" in everything  # the scan did see the spans
    logs = "\n".join(record.getMessage() for record in caplog.records).encode()
    # Identifiers are never exported, whether capture is on or off: capture redacts first.
    for canary in (EMAIL, "canary.person"):
        assert canary.encode() not in everything + logs
    for canary in (QUESTION_CANARY, PASSAGE_CANARY, ANSWER_CANARY):
        leaked = canary.encode() in everything + logs
        assert leaked is capture, canary
    if capture:
        assert b"[EMAIL]" in everything
