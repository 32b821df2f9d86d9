"""The interface every provider implements, sync and async."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Protocol

from scaffolder.kit.llm.types import (
    ChatRequest,
    Completion,
    EmbeddingRequest,
    Embeddings,
    ProviderInfo,
    StreamChunk,
)


class Provider(Protocol):
    """One model host. Providers raise `LLMError` subclasses, marked retryable where it helps."""

    @property
    def info(self) -> ProviderInfo: ...

    default_chat_model: str
    default_embedding_model: str

    def complete(self, request: ChatRequest) -> Completion: ...

    async def acomplete(self, request: ChatRequest) -> Completion: ...

    def stream(self, request: ChatRequest) -> Iterator[StreamChunk]: ...

    def astream(self, request: ChatRequest) -> AsyncIterator[StreamChunk]: ...

    def embed(self, request: EmbeddingRequest) -> Embeddings: ...

    async def aembed(self, request: EmbeddingRequest) -> Embeddings: ...
