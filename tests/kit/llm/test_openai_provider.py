"""The openai SDK provider against a real, misbehaving HTTP server on loopback."""

from __future__ import annotations

import asyncio
import warnings

import pytest

from scaffolder.errors import (
    BadRequestError,
    ContentFilterError,
    MalformedResponseError,
    ProviderAuthError,
    ProviderUnavailableError,
    RateLimitedError,
)
from scaffolder.kit.json_types import JSONObject
from scaffolder.kit.llm.providers.openai_provider import (
    OpenAIConfig,
    OpenAIProvider,
    ProviderCompatibilityWarning,
)
from scaffolder.kit.llm.retry import RetryPolicy, call_with_retry
from scaffolder.kit.llm.types import ChatRequest, EmbeddingRequest, Message
from tests.kit.llm.fault_server import (
    FaultServer,
    content_filter,
    drop,
    malformed,
    slow,
    status,
)

HELLO = ChatRequest(messages=(Message("user", "hello there"),))


def provider_for(
    server: FaultServer, kind: str = "openai-compatible", **extra: object
) -> OpenAIProvider:
    base = server.root if kind == "azure-openai" else server.url
    options: dict[str, object] = {"api_key": "sk-test", "base_url": base, "timeout": 5.0, **extra}
    if kind == "azure-openai":
        options["api_version"] = "2024-10-21"
    return OpenAIProvider(
        OpenAIConfig(kind=kind, chat_model="gpt-4o-mini", embedding_model="emb", **options)  # type: ignore[arg-type]
    )


class Sleeps(list[float]):
    """Records the waits the retry loop asks for instead of sleeping them."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def test_plain_completion(server: FaultServer) -> None:
    completion = provider_for(server).complete(HELLO)
    assert completion.text == "echo: hello there"
    assert completion.model == "gpt-4o-mini"
    assert completion.usage is not None and completion.usage.prompt_tokens == 2
    assert completion.finish_reason == "stop"
    assert server.requests[0]["messages"] == [{"role": "user", "content": "hello there"}]


def test_429_honours_retry_after_then_recovers(server: FaultServer) -> None:
    server.script(status(429, retry_after="2"))
    sleeps = Sleeps()
    provider = provider_for(server)
    completion = call_with_retry(RetryPolicy(), lambda: provider.complete(HELLO), sleep=sleeps)
    assert completion.text == "echo: hello there"
    assert sleeps == [2.0]
    assert server.count == 2


def test_429_with_retry_after_ms(server: FaultServer) -> None:
    server.script(status(429, retry_after_ms="250"))
    sleeps = Sleeps()
    provider = provider_for(server)
    call_with_retry(RetryPolicy(), lambda: provider.complete(HELLO), sleep=sleeps)
    assert sleeps == [0.25]


def test_rate_limit_that_never_ends_is_a_typed_error(server: FaultServer) -> None:
    server.script(*[status(429)] * 3)
    provider = provider_for(server)
    with pytest.raises(RateLimitedError, match=r"rate limiting requests \(HTTP 429\)"):
        call_with_retry(
            RetryPolicy(max_attempts=3), lambda: provider.complete(HELLO), sleep=Sleeps()
        )
    assert server.count == 3


def test_500_backs_off_exponentially_with_jitter(server: FaultServer) -> None:
    server.script(status(500), status(503), status(502))
    sleeps = Sleeps()
    provider = provider_for(server)
    policy = RetryPolicy(max_attempts=4, base_delay=1.0)
    assert call_with_retry(policy, lambda: provider.complete(HELLO), sleep=sleeps).text
    assert len(sleeps) == 3
    for attempt, waited in enumerate(sleeps, start=1):
        bound = 2 ** (attempt - 1)
        assert bound / 2 <= waited <= bound


def test_server_errors_outlasting_the_retries(server: FaultServer) -> None:
    server.script(*[status(500)] * 2)
    provider = provider_for(server)
    with pytest.raises(ProviderUnavailableError, match="failed with HTTP 500"):
        call_with_retry(
            RetryPolicy(max_attempts=2), lambda: provider.complete(HELLO), sleep=Sleeps()
        )


def test_dropped_connection_is_retried(server: FaultServer) -> None:
    server.script(drop())
    provider = provider_for(server)
    completion = call_with_retry(RetryPolicy(), lambda: provider.complete(HELLO), sleep=Sleeps())
    assert completion.text == "echo: hello there"
    assert server.count == 2


def test_timeout(server: FaultServer) -> None:
    server.script(slow(1.5), slow(1.5))
    provider = provider_for(server, timeout=0.3)
    with pytest.raises(ProviderUnavailableError, match=r"did not answer within 0\.3s"):
        call_with_retry(
            RetryPolicy(max_attempts=2), lambda: provider.complete(HELLO), sleep=Sleeps()
        )


def test_timeout_then_recovery(server: FaultServer) -> None:
    server.script(slow(1.5))
    provider = provider_for(server, timeout=0.3)
    assert call_with_retry(RetryPolicy(), lambda: provider.complete(HELLO), sleep=Sleeps()).text


def test_malformed_json_is_retried_then_typed(server: FaultServer) -> None:
    server.script(malformed())
    provider = provider_for(server)
    assert call_with_retry(RetryPolicy(), lambda: provider.complete(HELLO), sleep=Sleeps()).text
    server.script(malformed(), malformed())
    with pytest.raises(MalformedResponseError, match="not valid JSON"):
        call_with_retry(
            RetryPolicy(max_attempts=2), lambda: provider.complete(HELLO), sleep=Sleeps()
        )


def test_content_filter_refusal_is_typed_and_not_retried(server: FaultServer) -> None:
    server.script(content_filter())
    provider = provider_for(server, kind="azure-openai")
    with pytest.raises(ContentFilterError, match="content filter"):
        call_with_retry(RetryPolicy(), lambda: provider.complete(HELLO), sleep=Sleeps())
    assert server.count == 1


def test_rejected_key_names_the_variable_and_the_server(server: FaultServer) -> None:
    server.script(status(401))
    with pytest.raises(ProviderAuthError) as raised:
        provider_for(server, kind="openai").complete(HELLO)
    assert str(raised.value) == f"OPENAI_API_KEY was rejected by {server.url} (HTTP 401)"


def test_unknown_model_is_a_bad_request(server: FaultServer) -> None:
    server.script(status(404))
    with pytest.raises(BadRequestError, match="no model or deployment 'gpt-4o-mini'"):
        provider_for(server).complete(HELLO)


def test_unsupported_seed_is_dropped_with_one_warning(server: FaultServer) -> None:
    server.rejects = {"seed"}
    provider = provider_for(server)
    request = ChatRequest(messages=HELLO.messages, seed=7)
    with pytest.warns(ProviderCompatibilityWarning, match="does not support seed"):
        assert provider.complete(request).text == "echo: hello there"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        provider.complete(request)  # a second warning would raise here
    assert ["seed" in body for body in server.requests] == [True, False, False]


def test_unsupported_logprobs_is_dropped(server: FaultServer) -> None:
    server.rejects = {"logprobs"}
    with pytest.warns(ProviderCompatibilityWarning, match="logprobs"):
        provider_for(server).complete(ChatRequest(messages=HELLO.messages, logprobs=True))


def test_unsupported_json_schema_falls_back_to_json_mode(server: FaultServer) -> None:
    server.rejects = {"json_schema"}
    schema_format: JSONObject = {"type": "json_schema", "json_schema": {"name": "x", "schema": {}}}
    request = ChatRequest(messages=HELLO.messages, response_format=schema_format)
    with pytest.warns(ProviderCompatibilityWarning, match="json_schema"):
        provider_for(server).complete(request)
    assert server.requests[-1]["response_format"] == {"type": "json_object"}


def test_stream_asks_for_usage_and_reports_it(server: FaultServer) -> None:
    chunks = list(provider_for(server).stream(HELLO))
    assert "".join(chunk.text for chunk in chunks) == "echo: hello there"
    assert server.requests[0]["stream_options"] == {"include_usage": True}
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens == 3
    assert chunks[-1].finish_reason == "stop"


def test_stream_on_a_server_without_stream_usage(server: FaultServer) -> None:
    server.rejects = {"stream_options"}
    with pytest.warns(ProviderCompatibilityWarning, match="stream_usage"):
        chunks = list(provider_for(server).stream(HELLO))
    assert "".join(chunk.text for chunk in chunks) == "echo: hello there"
    assert chunks[-1].usage is None


def test_azure_stream_with_an_empty_first_chunk(server: FaultServer) -> None:
    server.azure_stream_prefix = True
    provider = provider_for(server, kind="azure-openai")
    chunks = list(provider.stream(HELLO))
    assert "".join(chunk.text for chunk in chunks) == "echo: hello there"
    assert chunks[-1].usage is not None
    assert server.paths[0].startswith("/openai/deployments/gpt-4o-mini/chat/completions")
    assert "api-version=2024-10-21" in server.paths[0]


def test_embeddings_keep_input_order(server: FaultServer) -> None:
    embeddings = provider_for(server).embed(EmbeddingRequest(texts=("a", "b", "c")))
    assert len(embeddings.vectors) == 3
    assert embeddings.vectors[0] != embeddings.vectors[1]
    assert server.requests[0]["input"] == ["a", "b", "c"]


def test_async_calls_recover_the_same_way(server: FaultServer) -> None:
    from scaffolder.kit.llm.retry import acall_with_retry

    server.script(status(500), drop())
    provider = provider_for(server)

    async def run() -> tuple[str, str]:
        completion = await acall_with_retry(
            RetryPolicy(base_delay=0.01), lambda: provider.acomplete(HELLO)
        )
        streamed = "".join([chunk.text async for chunk in provider.astream(HELLO)])
        return completion.text, streamed

    assert asyncio.run(run()) == ("echo: hello there", "echo: hello there")
    assert server.count == 4
