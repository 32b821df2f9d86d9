"""A provider's stream as the client handles it: started before it is handed on, and put
back together once read.

Why a module of its own: a stream's request happens at its first chunk, so the client starts
the stream (`opened`, `aopened`) inside its retry, where a failure can still be retried, and
the chunks read become one `Completion` (`assembled`) to record and account like any answer.
These steps know chunks, not the client.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

from scaffolder.kit.llm.types import ChatRequest, Completion, StreamChunk


def opened(chunks: Iterator[StreamChunk]) -> Iterator[StreamChunk]:
    """Start the stream (the request happens at the first chunk) so failures can be retried."""
    try:
        first = next(chunks)
    except StopIteration:
        return iter(())
    return _prepend(first, chunks)


def _prepend(first: StreamChunk, rest: Iterator[StreamChunk]) -> Iterator[StreamChunk]:
    yield first
    yield from rest


async def aopened(chunks: AsyncIterator[StreamChunk]) -> AsyncIterator[StreamChunk]:
    try:
        first = await anext(chunks)
    except StopAsyncIteration:
        return _aempty()
    return _aprepend(first, chunks)


async def _aprepend(
    first: StreamChunk, rest: AsyncIterator[StreamChunk]
) -> AsyncIterator[StreamChunk]:
    yield first
    async for chunk in rest:
        yield chunk


async def _aempty() -> AsyncIterator[StreamChunk]:
    return
    yield  # pragma: no cover (makes this an async generator)


def assembled(chunks: list[StreamChunk], request: ChatRequest, provider: str) -> Completion:
    last = chunks[-1] if chunks else StreamChunk("")
    return Completion(
        text="".join(chunk.text for chunk in chunks),
        model=request.model or "",
        provider=provider,
        usage=last.usage,
        finish_reason=last.finish_reason,
    )
