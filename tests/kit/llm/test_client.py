"""`LLM` end to end: the real openai SDK, a loopback fault server, the SQLite cache, the ledger."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from pydantic import BaseModel

from scaffolder.errors import CacheMissError, ProviderUnavailableError, StructuredOutputError
from scaffolder.kit.llm.cache import ResponseCache
from scaffolder.kit.llm.client import LLM
from scaffolder.kit.llm.cost import ledger_scope
from scaffolder.kit.llm.providers.offline import OfflineProvider
from scaffolder.kit.llm.providers.openai_provider import OpenAIConfig, OpenAIProvider
from scaffolder.kit.llm.retry import RetryPolicy
from scaffolder.kit.llm.types import AnswerTask, ChatRequest, Message, Passage
from scaffolder.kit.settings import CopilotSettings
from tests.kit.llm.fault_server import FaultServer, answer, status

QUESTION = ChatRequest(messages=(Message("user", "what is copilot"),))
FAST_RETRY = RetryPolicy(base_delay=0.001, max_delay=0.01)


def client(
    server: FaultServer, cache_path: Path | None, mode: str = "read-write", **options: object
) -> LLM:
    provider = OpenAIProvider(
        OpenAIConfig(
            kind="openai-compatible", chat_model="gpt-4o-mini",
            embedding_model="text-embedding-3-small", base_url=server.url, timeout=5.0,
        )
    )  # fmt: skip
    cache = ResponseCache(cache_path, mode) if cache_path else None  # type: ignore[arg-type]
    return LLM(provider, cache=cache, retry=FAST_RETRY, **options)  # type: ignore[arg-type]


def test_an_unchanged_rerun_makes_no_requests(server: FaultServer, tmp_path: Path) -> None:
    cache = tmp_path / "cache.sqlite3"
    first = client(server, cache).complete(QUESTION)
    assert not first.cached
    assert server.count == 1
    again = client(server, cache).complete(QUESTION)  # a new process would build a new client
    assert again.cached
    assert again.text == first.text
    assert server.count == 1


def test_each_sample_is_its_own_entry(server: FaultServer, tmp_path: Path) -> None:
    cache = tmp_path / "cache.sqlite3"
    for sample in range(3):
        client(server, cache).complete(ChatRequest(messages=QUESTION.messages, sample=sample))
    assert server.count == 3
    llm = client(server, cache)
    for sample in range(3):
        assert llm.complete(ChatRequest(messages=QUESTION.messages, sample=sample)).cached
    assert server.count == 3


def test_replay_only_miss_names_the_request(server: FaultServer, tmp_path: Path) -> None:
    llm = client(server, tmp_path / "cache.sqlite3", mode="replay-only")
    with pytest.raises(CacheMissError, match=r"chat request to gpt-4o-mini \(sample 0\)"):
        llm.complete(QUESTION)
    assert server.count == 0


def test_replay_only_hit_works(server: FaultServer, tmp_path: Path) -> None:
    cache = tmp_path / "cache.sqlite3"
    client(server, cache).complete(QUESTION)
    assert client(server, cache, mode="replay-only").complete(QUESTION).cached
    assert server.count == 1


def test_streams_are_recorded_and_replayed(server: FaultServer, tmp_path: Path) -> None:
    cache = tmp_path / "cache.sqlite3"
    live = "".join(chunk.text for chunk in client(server, cache).stream(QUESTION))
    replayed = list(client(server, cache).stream(QUESTION))
    assert live == "echo: what is copilot"
    assert "".join(chunk.text for chunk in replayed) == live
    assert server.count == 1


def test_stream_retries_until_the_first_chunk(server: FaultServer) -> None:
    server.script(status(503))
    text = "".join(chunk.text for chunk in client(server, None).stream(QUESTION))
    assert text == "echo: what is copilot"
    assert server.count == 2


def test_fallback_model_takes_over(server: FaultServer) -> None:
    server.script(status(404))
    completion = client(server, None, fallback_model="gpt-4.1-mini").complete(QUESTION)
    assert completion.model == "gpt-4.1-mini"
    assert [body["model"] for body in server.requests] == ["gpt-4o-mini", "gpt-4.1-mini"]


def test_without_a_fallback_the_error_stands(server: FaultServer) -> None:
    server.script(*[status(500)] * 4)
    with pytest.raises(ProviderUnavailableError, match="HTTP 500"):
        client(server, None).complete(QUESTION)
    assert server.count == 4


def test_cost_is_counted_and_cache_hits_are_free(server: FaultServer, tmp_path: Path) -> None:
    cache = tmp_path / "cache.sqlite3"
    with ledger_scope("test") as ledger:
        first = client(server, cache).complete(QUESTION)
        second = client(server, cache).complete(QUESTION)
    price = ledger.prices.price_for("gpt-4o-mini")
    assert price is not None and first.usage is not None
    assert first.cost_usd == pytest.approx(price.cost(first.usage))
    assert second.cost_usd == 0
    assert ledger.total_usd == pytest.approx(first.cost_usd)


def test_a_model_without_a_price_is_reported_not_free(server: FaultServer) -> None:
    with ledger_scope("test") as ledger:
        completion = client(server, None).complete(
            ChatRequest(messages=QUESTION.messages, model="house-model-7b")
        )
    assert completion.cost_usd is None
    assert "house-model-7b" in ledger.summary()


def test_embeddings_are_cached_per_text(server: FaultServer, tmp_path: Path) -> None:
    cache = tmp_path / "cache.sqlite3"
    first = client(server, cache).embed(["alpha", "beta"])
    second = client(server, cache).embed(["alpha", "beta", "gamma"])
    for cached, original in zip(second[:2], first, strict=True):
        assert cached == pytest.approx(original, abs=1e-6)  # stored as float32
    assert [body["input"] for body in server.requests] == [["alpha", "beta"], ["gamma"]]


def test_embedding_batches(server: FaultServer) -> None:
    llm = client(server, None, embed_batch_size=2)
    vectors = llm.embed([f"text {n}" for n in range(5)])
    assert len(vectors) == 5
    assert [len(body["input"]) for body in server.requests] == [2, 2, 1]


def test_concurrent_async_calls_then_a_free_rerun(server: FaultServer, tmp_path: Path) -> None:
    cache = tmp_path / "cache.sqlite3"
    requests = [ChatRequest(messages=(Message("user", f"question {n}"),)) for n in range(20)]

    async def run(llm: LLM) -> list[str]:
        completions = await asyncio.gather(*(llm.acomplete(r) for r in requests))
        return [c.text for c in completions]

    texts = asyncio.run(run(client(server, cache)))
    assert texts == [f"echo: question {n}" for n in range(20)]
    assert asyncio.run(run(client(server, cache))) == texts
    assert server.count == 20


def test_offline_provider_bypasses_the_cache(tmp_path: Path) -> None:
    llm = LLM(OfflineProvider(), cache=ResponseCache(tmp_path / "c.sqlite3", "replay-only"))
    passages = (Passage("1", "Hold the button to reset it."),)
    request = ChatRequest(messages=(), task=AnswerTask("How do I reset?", passages))
    assert llm.complete(request).text == "Hold the button to reset it. [1]"
    assert llm.embed(["reset"])


def test_from_settings_uses_a_base_url_and_the_cache_directory(
    server: FaultServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COPILOT_PROVIDER", "openai-compatible")
    monkeypatch.setenv("OPENAI_BASE_URL", server.url)
    settings = CopilotSettings.load(tmp_path, env_file=None, chat_model="llama3.1")
    llm = LLM.from_settings(settings, tmp_path)
    assert llm.info.name == "openai-compatible"
    assert llm.notice is None
    assert llm.complete(QUESTION).model == "llama3.1"
    assert (tmp_path / ".copilot" / "llm-cache.sqlite3").is_file()


def test_from_settings_without_a_key_is_offline_and_says_why(tmp_path: Path) -> None:
    settings = CopilotSettings.load(tmp_path, env_file=None, llm_provider="openai")
    llm = LLM.from_settings(settings, tmp_path)
    assert llm.info.name == "offline"
    assert llm.notice == "llm_provider is openai but OPENAI_API_KEY is not set"


class Product(BaseModel):
    name: str
    watts: int


def test_schema_invalid_answer_is_re_asked_over_the_wire(server: FaultServer) -> None:
    server.script(answer('```json\n{"name": "Lumen", "watts": "nine"}\n```'))
    server.script(answer('{"name": "Lumen", "watts": 9}'))
    request = ChatRequest(messages=(Message("user", "Describe the lamp as JSON"),))
    product = client(server, None).generate_structured(Product, request)
    assert product == Product(name="Lumen", watts=9)
    first, second = server.requests
    assert first["response_format"]["type"] == "json_schema"
    assert "watts" in second["messages"][-1]["content"]
    assert second["messages"][-2] == {
        "role": "assistant",
        "content": '```json\n{"name": "Lumen", "watts": "nine"}\n```',
    }


def test_schema_invalid_answers_end_in_a_typed_error(server: FaultServer) -> None:
    server.script(*[answer('{"name": "Lumen"}')] * 3)
    request = ChatRequest(messages=(Message("user", "Describe the lamp as JSON"),))
    with pytest.raises(StructuredOutputError) as raised:
        client(server, None).generate_structured(Product, request, max_reasks=2)
    assert raised.value.raw == '{"name": "Lumen"}'
    assert any("watts" in problem for problem in raised.value.problems)
    assert server.count == 3


def test_offline_structured_output_is_schema_valid() -> None:
    request = ChatRequest(messages=(Message("user", "The Lumen lamp"),))
    product = LLM(OfflineProvider()).generate_structured(Product, request)
    assert isinstance(product, Product)
