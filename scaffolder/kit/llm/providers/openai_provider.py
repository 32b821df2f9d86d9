"""OpenAI, Azure OpenAI and any OpenAI-compatible server, through the official openai SDK.

Differences between hosts are normalised here: a server that rejects an optional parameter
(`seed`, `logprobs`, JSON schema response formats, stream usage) gets the request again
without it, once, with one warning per provider; Azure's empty first streaming chunk and the
usage-only last chunk are folded away; content-filter refusals become `ContentFilterError`.
The SDK's own retries are off: `scaffolder.kit.llm.retry` does that for every provider.
"""

from __future__ import annotations

import warnings
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

import openai

from scaffolder.errors import ContentFilterError, LLMError
from scaffolder.kit.llm.providers import openai_compat as compat
from scaffolder.kit.llm.types import (
    ChatRequest,
    Completion,
    EmbeddingRequest,
    Embeddings,
    Feature,
    ProviderInfo,
    StreamChunk,
    Usage,
)

Kind = Literal["openai", "azure-openai", "openai-compatible"]
T = TypeVar("T")
DEFAULT_URL = "https://api.openai.com/v1"


class ProviderCompatibilityWarning(UserWarning):
    """A server does not support an optional parameter; copilot dropped it."""


@dataclass(frozen=True)
class OpenAIConfig:
    kind: Kind
    chat_model: str
    embedding_model: str
    api_key: str | None = None
    base_url: str | None = None
    api_version: str | None = None
    timeout: float = 60.0


class OpenAIProvider:
    def __init__(self, config: OpenAIConfig) -> None:
        self.config = config
        self.default_chat_model = config.chat_model
        self.default_embedding_model = config.embedding_model
        self._info = ProviderInfo(name=config.kind, base_url=config.base_url or DEFAULT_URL)
        self._client: openai.OpenAI | None = None
        self._async_client: openai.AsyncOpenAI | None = None

    @property
    def info(self) -> ProviderInfo:
        return self._info

    # -- clients -------------------------------------------------------------------------
    def _client_options(self) -> dict[str, Any]:
        key = self.config.api_key or ("unused" if self.config.kind == "openai-compatible" else None)
        options: dict[str, Any] = {"api_key": key, "timeout": self.config.timeout, "max_retries": 0}
        if self.config.kind == "azure-openai":
            options.update(azure_endpoint=self.config.base_url, api_version=self.config.api_version)
        elif self.config.base_url:
            options["base_url"] = self.config.base_url
        return options

    @property
    def client(self) -> openai.OpenAI:
        if self._client is None:
            options = self._client_options()
            azure = self.config.kind == "azure-openai"
            self._client = openai.AzureOpenAI(**options) if azure else openai.OpenAI(**options)
        return self._client

    @property
    def async_client(self) -> openai.AsyncOpenAI:
        if self._async_client is None:
            options = self._client_options()
            azure = self.config.kind == "azure-openai"
            self._async_client = (
                openai.AsyncAzureOpenAI(**options) if azure else openai.AsyncOpenAI(**options)
            )
        return self._async_client

    # -- calls ---------------------------------------------------------------------------
    def complete(self, request: ChatRequest) -> Completion:
        params = self._chat_params(request, stream=False)
        response = self._send(params, lambda p: self.client.chat.completions.create(**p))
        return self._completion(response, params)

    async def acomplete(self, request: ChatRequest) -> Completion:
        params = self._chat_params(request, stream=False)
        response = await self._asend(
            params, lambda p: self.async_client.chat.completions.create(**p)
        )
        return self._completion(response, params)

    def stream(self, request: ChatRequest) -> Iterator[StreamChunk]:
        params = self._chat_params(request, stream=True)
        events = self._send(params, lambda p: self.client.chat.completions.create(**p))
        folder = _StreamFolder(self._info.base_url or DEFAULT_URL)
        try:
            for event in events:
                chunk = folder.take(event)
                if chunk is not None:
                    yield chunk
        except openai.APIError as error:
            raise self._translate(error, params) from compat.sdk_cause(error)
        finally:
            # Closing the HTTP response is what tells the host to stop generating when the
            # reader stops early; the SDK would otherwise leave it to garbage collection.
            events.close()
        yield folder.last()

    async def astream(self, request: ChatRequest) -> AsyncIterator[StreamChunk]:
        params = self._chat_params(request, stream=True)
        events = await self._asend(params, lambda p: self.async_client.chat.completions.create(**p))
        folder = _StreamFolder(self._info.base_url or DEFAULT_URL)
        try:
            async for event in events:
                chunk = folder.take(event)
                if chunk is not None:
                    yield chunk
        except openai.APIError as error:
            raise self._translate(error, params) from compat.sdk_cause(error)
        finally:
            await events.close()
        yield folder.last()

    def embed(self, request: EmbeddingRequest) -> Embeddings:
        params = self._embedding_params(request)
        response = self._send(params, lambda p: self.client.embeddings.create(**p))
        return self._embeddings(response, params)

    async def aembed(self, request: EmbeddingRequest) -> Embeddings:
        params = self._embedding_params(request)
        response = await self._asend(params, lambda p: self.async_client.embeddings.create(**p))
        return self._embeddings(response, params)

    # -- request building and compatibility ----------------------------------------------
    def _chat_params(self, request: ChatRequest, *, stream: bool) -> dict[str, Any]:
        params: dict[str, Any] = {
            "model": request.model or self.default_chat_model,
            "messages": [
                {"role": m.role, "content": m.content, **({"name": m.name} if m.name else {})}
                for m in request.messages
            ],
        }
        optional = {
            "temperature": request.temperature,
            "max_tokens": request.max_tokens,
            "seed": request.seed,
            "logprobs": request.logprobs,
            "stop": list(request.stop) if request.stop else None,
            "response_format": request.response_format,
        }
        params.update({name: value for name, value in optional.items() if value is not None})
        if stream:
            params["stream"] = True
            params["stream_options"] = {"include_usage": True}
        for feature in list(self._info.unsupported):
            params = self._without(params, feature)
        return params

    def _embedding_params(self, request: EmbeddingRequest) -> dict[str, Any]:
        return {
            "model": request.model or self.default_embedding_model,
            "input": list(request.texts),
        }

    def _without(self, params: dict[str, Any], feature: Feature) -> dict[str, Any]:
        """`params` minus `feature`; a JSON schema format falls back to plain JSON mode."""
        if not compat.uses(params, feature):
            return params
        trimmed = dict(params)
        if feature == "stream_usage":
            del trimmed["stream_options"]
        elif feature == "json_schema":
            if self._info.supports("json_object"):
                trimmed["response_format"] = {"type": "json_object"}
            else:
                del trimmed["response_format"]
        elif feature == "json_object":
            del trimmed["response_format"]
        else:
            del trimmed[feature]
        return trimmed

    def _drop(self, feature: Feature) -> None:
        if feature not in self._info.unsupported:
            self._info.unsupported.add(feature)
            warnings.warn(
                f"{self._info.base_url} does not support {feature}; copilot drops it from "
                "requests to this server",
                ProviderCompatibilityWarning,
                stacklevel=4,
            )

    def _send(self, params: dict[str, Any], call: Callable[[dict[str, Any]], T]) -> T:
        while True:
            try:
                return call(params)
            except openai.BadRequestError as error:
                params = self._retry_params(error, params)
            except (openai.APIError, ValueError) as error:
                raise self._translate(error, params) from compat.sdk_cause(error)

    async def _asend(
        self, params: dict[str, Any], call: Callable[[dict[str, Any]], Awaitable[T]]
    ) -> T:
        while True:
            try:
                return await call(params)
            except openai.BadRequestError as error:
                params = self._retry_params(error, params)
            except (openai.APIError, ValueError) as error:
                raise self._translate(error, params) from compat.sdk_cause(error)

    def _retry_params(
        self, error: openai.BadRequestError, params: dict[str, Any]
    ) -> dict[str, Any]:
        """The parameters to resend without an unsupported feature, or raise the error."""
        feature = compat.unsupported_feature(error, params)
        if feature is None:
            raise self._translate(error, params) from compat.sdk_cause(error)
        self._drop(feature)
        return self._without(params, feature)

    def _translate(self, error: Exception, params: dict[str, Any]) -> LLMError:
        key_variable = (
            "AZURE_OPENAI_API_KEY" if self.config.kind == "azure-openai" else "OPENAI_API_KEY"
        )
        return compat.translate(
            error,
            url=self._info.base_url or DEFAULT_URL,
            key_variable=key_variable,
            timeout=self.config.timeout,
            model=str(params.get("model")),
        )

    def _completion(self, response: Any, params: dict[str, Any]) -> Completion:
        return compat.completion_from(
            response,
            provider=self.config.kind,
            url=self._info.base_url or DEFAULT_URL,
            fallback_model=str(params["model"]),
        )

    def _embeddings(self, response: Any, params: dict[str, Any]) -> Embeddings:
        data = sorted(getattr(response, "data", None) or [], key=lambda item: item.index)
        if len(data) != len(params["input"]):
            raise self._translate(ValueError("wrong number of embeddings"), params)
        usage = getattr(response, "usage", None)
        return Embeddings(
            vectors=[list(item.embedding) for item in data],
            model=getattr(response, "model", None) or str(params["model"]),
            provider=self.config.kind,
            usage=Usage(usage.prompt_tokens, 0) if usage is not None else None,
        )


class _StreamFolder:
    """Turns SDK stream events into chunks: skips empty-choice events (Azure's first chunk,
    the usage-only last one) but keeps their usage, and stops on a content-filter finish."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.usage: Usage | None = None
        self.finish_reason: str | None = None

    def take(self, event: Any) -> StreamChunk | None:
        usage = compat.usage_from(getattr(event, "usage", None))
        if usage is not None:
            self.usage = usage
        if not event.choices:
            return None
        choice = event.choices[0]
        if choice.finish_reason == "content_filter":
            raise ContentFilterError(f"the content filter at {self.url} withheld the answer")
        if choice.finish_reason:
            self.finish_reason = choice.finish_reason
        text = (choice.delta.content if choice.delta else None) or ""
        return StreamChunk(text=text) if text else None

    def last(self) -> StreamChunk:
        return StreamChunk(text="", usage=self.usage, finish_reason=self.finish_reason)
