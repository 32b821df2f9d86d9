"""Event-stream responses that close their source when the response ends, however it ends.

Starlette's `StreamingResponse` cancels its task when the client disconnects but never closes
the iterator it was reading: a generator over a model's stream would stay open, and the model
would go on generating (and billing) an answer nobody reads. `ClosingStream` closes the source
once the response is over (finished, failed or abandoned); closing a generator raises
`GeneratorExit` at its `yield`, and every layer below closes what it reads in `finally`, down
to the openai SDK's HTTP response.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import anyio
from starlette.concurrency import run_in_threadpool
from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send


class ClosingStream(StreamingResponse):
    def __init__(self, events: Iterator[str], headers: Mapping[str, str] | None = None) -> None:
        super().__init__(events, media_type="text/event-stream", headers=headers)
        self._source = events

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            # Shielded: on a disconnect this runs inside a cancelled scope, where any await
            # would be cancelled at once. No step of the source is running by now: a step in
            # a worker thread is waited for, not abandoned, when its task is cancelled.
            with anyio.CancelScope(shield=True):
                aclose = getattr(self.body_iterator, "aclose", None)
                if aclose is not None:
                    await aclose()
                close = getattr(self._source, "close", None)
                if close is not None:
                    # In a thread: closing runs the sources' `finally` blocks, which may block
                    # (closing a socket, saving a conversation).
                    await run_in_threadpool(close)
