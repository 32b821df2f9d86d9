"""Every model and embedding call made inside a turn is a CLIENT child span of it, following
the GenAI conventions, without the caller doing anything: the LLM client reports to the turn
that is current when the call starts. Real openai SDK against the loopback model server; the
token counts asserted are the ones the server put in its responses."""

from __future__ import annotations

import asyncio
import json
from contextvars import copy_context
from pathlib import Path
from typing import Any

import pytest

from scaffolder.kit.llm.cache import ResponseCache
from scaffolder.kit.llm.client import LLM
from scaffolder.kit.llm.cost import CostLedger, PriceTable
from scaffolder.kit.llm.observe import current_observer
from scaffolder.kit.llm.providers.openai_provider import OpenAIConfig, OpenAIProvider
from scaffolder.kit.llm.types import ChatRequest, Message, StreamChunk, Usage
from scaffolder.kit.telemetry.setup import Telemetry, TelemetryConfig
from tests.kit.llm.fault_server import FaultServer, _usage, answer

PRICES = PriceTable.bundled()


def spans(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def jsonl(tmp_path: Path) -> tuple[Telemetry, Path]:
    file = tmp_path / "t.jsonl"
    return Telemetry(TelemetryConfig(exporters=("jsonl",), file=file)), file


def openai_llm(server: FaultServer, cache: ResponseCache | None = None) -> LLM:
    config = OpenAIConfig(
        "openai-compatible", "gpt-4o-mini", "text-embedding-3-small", base_url=server.url
    )
    return LLM(OpenAIProvider(config), cache=cache, ledger=CostLedger(prices=PRICES))


def served(server: FaultServer, index: int, text: str) -> Usage:
    """The usage the server reported for its `index`-th request, answered with `text`."""
    usage = _usage(server.requests[index], text)
    return Usage(usage["prompt_tokens"], usage["completion_tokens"])


def cost(model: str, usage: Usage) -> float:
    price = PRICES.price_for(model)
    assert price is not None
    return price.cost(usage)


def test_chat_stream_embedding_and_cached_calls_are_children_of_the_turn(
    tmp_path: Path, server: FaultServer
) -> None:
    telemetry, file = jsonl(tmp_path)
    llm = openai_llm(server, ResponseCache(tmp_path / "cache.sqlite3"))
    ask = ChatRequest((Message("user", "How do I export a report?"),), prompt="answer@3")
    follow = ChatRequest((Message("user", "And as a PDF file?"),), prompt="answer@4")
    server.script(answer("Open the menu and pick Export."), answer("Pick PDF in the dialog."))
    with telemetry.turn("qa", intent="question"):
        first = llm.complete(ask)
        streamed = "".join(chunk.text for chunk in llm.stream(follow))
        llm.embed(["export report pdf"])
        again = llm.complete(ask)  # from the response cache
    assert (first.text, streamed, again.cached) == (
        "Open the menu and pick Export.", "Pick PDF in the dialog.", True
    )  # fmt: skip
    assert server.count == 3  # the cached call reached no server

    *calls, turn = spans(file)
    assert turn["name"] == "copilot.turn"
    assert [call["name"] for call in calls] == [
        "chat gpt-4o-mini", "chat gpt-4o-mini", "embeddings text-embedding-3-small",
        "chat gpt-4o-mini",
    ]  # fmt: skip
    for call in calls:
        assert call["kind"] == "CLIENT"
        assert call["parent_id"] == turn["span_id"] and call["trace_id"] == turn["trace_id"]
        assert call["attributes"]["gen_ai.provider.name"] == "openai-compatible"
        assert "gen_ai.input.messages" not in call["attributes"]  # capture is off
        assert "gen_ai.output.messages" not in call["attributes"]
    chat, stream, embedding, cached = (call["attributes"] for call in calls)

    usage = served(server, 0, first.text)
    assert chat["gen_ai.operation.name"] == "chat"
    assert chat["gen_ai.request.model"] == chat["gen_ai.response.model"] == "gpt-4o-mini"
    assert (chat["gen_ai.usage.input_tokens"], chat["gen_ai.usage.output_tokens"]) == (
        usage.prompt_tokens, usage.completion_tokens
    )  # fmt: skip
    assert chat["copilot.cost_usd"] == cost("gpt-4o-mini", usage)
    assert (chat["copilot.prompt.name"], chat["copilot.prompt.version"]) == ("answer", "3")
    assert chat["copilot.cache_hit"] is False

    # The stream's usage came in its final chunk (stream_options.include_usage).
    assert server.requests[1]["stream_options"] == {"include_usage": True}
    stream_usage = served(server, 1, streamed)
    assert stream["gen_ai.usage.input_tokens"] == stream_usage.prompt_tokens
    assert stream["gen_ai.usage.output_tokens"] == stream_usage.completion_tokens
    assert stream["copilot.prompt.version"] == "4"
    assert stream["gen_ai.response.finish_reasons"] == ["stop"]

    embedded = server.requests[2]["input"]
    assert embedding["gen_ai.operation.name"] == "embeddings"
    assert embedding["gen_ai.usage.input_tokens"] == len(" ".join(embedded).split()) == 3
    assert embedding["copilot.cost_usd"] == cost("text-embedding-3-small", Usage(3, 0))
    assert "copilot.prompt.name" not in embedding

    assert cached["copilot.cache_hit"] is True
    assert cached["copilot.cost_usd"] == 0.0
    assert "gen_ai.usage.input_tokens" not in cached  # a replay uses no tokens

    totals = turn["attributes"]
    assert totals["copilot.calls"] == 4
    paid = (usage, stream_usage, Usage(3, 0))
    assert totals["gen_ai.usage.input_tokens"] == sum(u.prompt_tokens for u in paid)
    assert totals["gen_ai.usage.output_tokens"] == sum(u.completion_tokens for u in paid)
    assert totals["copilot.cost_usd"] == sum(
        call["attributes"]["copilot.cost_usd"] for call in calls
    )
    assert totals["copilot.cache_hit"] is False
    assert "copilot.calls.unpriced" not in totals


def test_a_stream_closed_early_ends_its_span_with_what_was_seen(
    tmp_path: Path, server: FaultServer
) -> None:
    telemetry, file = jsonl(tmp_path)
    llm = openai_llm(server)
    server.script(answer("one two three four five six"))
    with telemetry.turn("qa"):
        chunks = llm.stream(ChatRequest((Message("user", "count"),)))
        assert next(chunks).text == "one "
        chunks.close()
    call, turn = spans(file)
    attributes = call["attributes"]
    assert call["parent_id"] == turn["span_id"]
    assert call["status"] == "UNSET"
    assert attributes["copilot.stream.closed_early"] is True
    # The usage chunk never arrived: tokens and cost are unknown, not zero.
    assert "gen_ai.usage.output_tokens" not in attributes
    assert "copilot.cost_usd" not in attributes
    assert turn["attributes"]["copilot.calls.unpriced"] == 1


def test_a_stream_resumed_in_copied_contexts_reports_to_the_turn_it_started_in(
    tmp_path: Path, server: FaultServer, caplog: pytest.LogCaptureFixture
) -> None:
    """A server reads a turn's generator with each `next` in a fresh copy of its context
    (starlette's thread pool): the turn's context variables are gone by the later `next`s,
    yet the call keeps reporting to its turn, nothing is left current afterwards, and
    leaving the turn logs no error."""
    telemetry, file = jsonl(tmp_path)
    llm = openai_llm(server)
    server.script(answer("alpha beta gamma"))

    def turn_events() -> Any:
        with telemetry.turn("qa"):
            yield from llm.stream(ChatRequest((Message("user", "letters"),)))

    events = turn_events()
    pieces: list[str] = []
    while (chunk := copy_context().run(next, events, None)) is not None:
        assert isinstance(chunk, StreamChunk)
        pieces.append(chunk.text)
    assert "".join(pieces) == "alpha beta gamma"
    assert current_observer() is None
    call, turn = spans(file)
    assert call["parent_id"] == turn["span_id"]
    assert call["attributes"]["gen_ai.usage.output_tokens"] == 3
    assert turn["attributes"]["gen_ai.usage.output_tokens"] == 3
    assert [record.getMessage() for record in caplog.records if record.levelname == "ERROR"] == []


def test_calls_outside_a_turn_make_no_span(tmp_path: Path, server: FaultServer) -> None:
    telemetry, file = jsonl(tmp_path)
    llm = openai_llm(server)
    llm.complete(ChatRequest((Message("user", "before"),)))
    with telemetry.turn("qa"):
        pass
    llm.complete(ChatRequest((Message("user", "after"),)))
    assert [span["name"] for span in spans(file)] == ["copilot.turn"]
    assert current_observer() is None


def test_async_calls_are_children_of_the_turn(tmp_path: Path, server: FaultServer) -> None:
    telemetry, file = jsonl(tmp_path)
    llm = openai_llm(server)

    async def turn() -> None:
        with telemetry.turn("qa"):
            await llm.acomplete(ChatRequest((Message("user", "one"),)))
            async for _ in llm.astream(ChatRequest((Message("user", "two"),))):
                pass
            await llm.aembed(["three four"])

    asyncio.run(turn())
    *calls, whole = spans(file)
    assert sorted(call["name"] for call in calls) == [
        "chat gpt-4o-mini", "chat gpt-4o-mini", "embeddings text-embedding-3-small"
    ]  # fmt: skip
    assert {call["parent_id"] for call in calls} == {whole["span_id"]}
    assert all(call["attributes"]["gen_ai.usage.input_tokens"] > 0 for call in calls)
    assert whole["attributes"]["copilot.calls"] == 3


def test_an_unpriced_model_leaves_the_cost_unknown(tmp_path: Path, server: FaultServer) -> None:
    telemetry, file = jsonl(tmp_path)
    llm = openai_llm(server)
    with telemetry.turn("qa"):
        llm.complete(ChatRequest((Message("user", "hi"),), model="mystery-model-7"))
    call, turn = spans(file)
    assert call["name"] == "chat mystery-model-7"
    assert call["attributes"]["gen_ai.usage.output_tokens"] > 0
    assert "copilot.cost_usd" not in call["attributes"]
    assert turn["attributes"]["copilot.calls.unpriced"] == 1
    assert turn["attributes"]["copilot.cost_usd"] == 0.0  # a lower bound, flagged above


def test_capture_records_each_calls_messages_redacted(tmp_path: Path, server: FaultServer) -> None:
    file = tmp_path / "t.jsonl"
    telemetry = Telemetry(TelemetryConfig(exporters=("jsonl",), file=file, capture_content=True))
    server.script(answer("Write to help@lumen.example"))
    with telemetry.turn("qa"):
        openai_llm(server).complete(ChatRequest((Message("user", "I am ann@corp.example"),)))
    call, _ = spans(file)
    sent = json.loads(call["attributes"]["gen_ai.input.messages"])
    said = json.loads(call["attributes"]["gen_ai.output.messages"])
    assert sent == [{"role": "user", "parts": [{"type": "text", "content": "I am [EMAIL]"}]}]
    assert said[0]["parts"][0]["content"] == "Write to [EMAIL]"
