"""Which sample of a repeated test attempt a model call belongs to.

Why: a test run several times (see `scaffolder.kit.testing`) must see several *different*
model answers, yet a re-run of an unchanged suite must replay exactly the answers it saw
before. The cache key already holds `ChatRequest.sample`; `sample_scope(i)` sets the sample
of every request made inside the block (and in asyncio tasks it starts) that did not choose a
sample itself, so the attempt index reaches the cache key without the test body changing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import replace

from scaffolder.kit.llm.types import ChatRequest

_DEFAULT_SAMPLE = ChatRequest.__dataclass_fields__["sample"].default
_SCOPED_SAMPLE: ContextVar[int | None] = ContextVar("copilot_llm_sample", default=None)


@contextmanager
def sample_scope(index: int) -> Iterator[None]:
    """Make requests in this block that use the default sample use sample `index` instead."""
    if index < 0:
        raise ValueError(f"a sample index is never negative, got {index}")
    token = _SCOPED_SAMPLE.set(index)
    try:
        yield
    finally:
        _SCOPED_SAMPLE.reset(token)


def current_sample() -> int | None:
    """The index set by the innermost `sample_scope`, or None outside any."""
    return _SCOPED_SAMPLE.get()


def with_scoped_sample(request: ChatRequest) -> ChatRequest:
    """`request` with the scope's sample index, unless it chose a sample of its own."""
    scoped = _SCOPED_SAMPLE.get()
    if scoped is None or request.sample != _DEFAULT_SAMPLE:
        return request
    return replace(request, sample=scoped)
