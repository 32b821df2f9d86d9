"""Who hears about model calls: an observer current in this context (telemetry's turn).

Why: skills call `LLM` directly, so the only place that sees every chat, stream and
embedding call (cache replays included) is the client itself. The client cannot import
telemetry (telemetry builds on the client's types), so it reports to whatever observer the
caller made current with `observing(...)`, and does nothing when there is none.

The observer is looked up when a call starts and kept by that call, so a stream that is read
later (or from another thread, as a server's thread pool does) still reports to the turn it
started in.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from types import TracebackType
from typing import Literal, Protocol

from scaffolder.kit.llm.types import ChatRequest, StreamChunk, Usage

Operation = Literal["chat", "embeddings"]


@dataclass(frozen=True)
class ModelCall:
    """What a call asks for, known before it is sent."""

    operation: Operation
    provider: str
    request_model: str
    #: `name@version` of the library prompt the request was rendered from, if any.
    prompt: str | None = None
    #: The chat request, for observers that record (redacted) content when allowed to.
    request: ChatRequest | None = None


@dataclass(frozen=True)
class CallResult:
    """What a call cost and returned. `cost_usd` is None when unknown (an unpriced model,
    or no usage reported); `text` is the answer of a chat call, for content capture."""

    response_model: str
    usage: Usage | None
    cost_usd: float | None
    cached: bool
    finish_reason: str | None = None
    text: str | None = None
    #: A stream its reader closed before the end: usage and cost cover what was seen.
    closed_early: bool = False


class CallRecorder(Protocol):
    def end(self, result: CallResult | None, error: BaseException | None) -> None:
        """The call is over: with its result, or the error that ended it."""


class CallObserver(Protocol):
    def call_started(self, call: ModelCall) -> CallRecorder: ...


_OBSERVER: ContextVar[CallObserver | None] = ContextVar("copilot_call_observer", default=None)


def current_observer() -> CallObserver | None:
    return _OBSERVER.get()


@contextmanager
def observing(observer: CallObserver) -> Iterator[None]:
    """Report the calls started inside the block (and in tasks it starts) to `observer`.

    A block that spans a generator's yields may end in another context than it began (a
    server resumes generators in copied contexts); the variable is then only cleared there,
    since the context it was set in is not ours to change any more.
    """
    token = _OBSERVER.set(observer)
    try:
        yield
    finally:
        try:
            _OBSERVER.reset(token)
        except ValueError:
            _OBSERVER.set(None)


class CallWatch:
    """One call's report to the observer current when it started; inert without one.

    Used as a context manager around the call: `succeeded(result)` gives the result; leaving
    with an exception reports it, except a stream's GeneratorExit (its reader closed it),
    which ends the call with what the chunks seen so far said.
    """

    def __init__(self, call: ModelCall) -> None:
        observer = _OBSERVER.get()
        self._call = call
        self._recorder = observer.call_started(call) if observer is not None else None
        self._result: CallResult | None = None
        self._last_usage: Usage | None = None
        self._pieces: list[str] = []

    def saw(self, chunk: StreamChunk) -> None:
        """A chunk of a stream went to the reader (kept for a stream closed early)."""
        if self._recorder is None:
            return
        self._pieces.append(chunk.text)
        if chunk.usage is not None:
            self._last_usage = chunk.usage

    def succeeded(self, result: CallResult) -> None:
        self._result = result

    def __enter__(self) -> CallWatch:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        recorder, self._recorder = self._recorder, None
        if recorder is None:
            return
        if self._result is not None:
            recorder.end(self._result, None)
        elif error is None or isinstance(error, GeneratorExit):
            partial = CallResult(
                self._call.request_model,
                self._last_usage,
                None,
                cached=False,
                text="".join(self._pieces),
                closed_early=True,
            )
            recorder.end(partial, None)
        else:
            recorder.end(None, error)
