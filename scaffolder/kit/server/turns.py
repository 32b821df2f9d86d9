"""Running one turn of a backend from async endpoints: the backend is synchronous (it may block
on a model call), so it is stepped in worker threads; its first step is taken before any
response is sent, so input the backend rejects still gets a proper 4xx status."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator, Mapping, Sequence

from starlette.concurrency import run_in_threadpool

from scaffolder.errors import CopilotError
from scaffolder.kit.safety.guardrails import check_question_length
from scaffolder.kit.server.backend import ChatBackend, Delta, Reply
from scaffolder.kit.server.feedback import RecentTurns, Turn
from scaffolder.kit.server.logs import log_failure
from scaffolder.kit.server.responses import INTERNAL_ERROR, error_event

Events = Iterator[Delta | Reply]


class MissingReplyError(RuntimeError):
    """The backend's stream ended without a `Reply`: a bug in the backend."""


class BackendFailure(CopilotError):
    """A backend bug, reported to the client as a plain 500; the stack goes to the log only
    (without the exception's message, which may quote the user)."""


class TurnRunner:
    def __init__(
        self, backend: ChatBackend, turns: RecentTurns, *, max_question_chars: int | None = None
    ) -> None:
        self.backend = backend
        self.turns = turns
        #: The `max_input_chars` setting: longer questions are refused (400) before any work.
        self.max_question_chars = max_question_chars

    async def open(
        self,
        message: str,
        conversation_id: str | None,
        history: Sequence[dict[str, str]] | None = None,
    ) -> Events:
        """The turn's events, its first one already produced (errors raised here are the
        caller's to turn into a status code)."""
        if self.max_question_chars is not None:
            check_question_length(message, self.max_question_chars)
        try:
            events = iter(self.backend.stream(message, conversation_id, history))
            first = await run_in_threadpool(next, events, None)
            if first is None:
                raise MissingReplyError("the backend produced nothing")
        except CopilotError:
            raise
        except Exception as error:
            log_failure(error)
            raise BackendFailure(INTERNAL_ERROR) from None
        return self._remembered(message, first, events)

    async def complete(
        self,
        message: str,
        conversation_id: str | None,
        history: Sequence[dict[str, str]] | None = None,
    ) -> Reply:
        events = await self.open(message, conversation_id, history)
        try:
            return await run_in_threadpool(final_reply, events)
        except CopilotError:
            raise
        except Exception as error:
            log_failure(error)
            raise BackendFailure(INTERNAL_ERROR) from None

    def _remembered(self, question: str, first: Delta | Reply, rest: Events) -> Events:
        """The events, remembering the finished turn for feedback; closing this closes the
        backend's stream (a client that left must not keep the model generating)."""
        try:
            for event in itertools.chain([first], rest):
                if isinstance(event, Reply):
                    turn = Turn(
                        question=question,
                        answer=event.text,
                        skill=event.skill or "",
                        # A backend that traces its turns says so in its extras.
                        trace_id=str(event.data.result.extras.get("trace_id") or ""),
                        prompt=event.data.result.prompt or "",
                    )
                    self.turns.remember(event.conversation_id, event.turn_id, turn)
                yield event
        finally:
            close(rest)


def final_reply(events: Events) -> Reply:
    try:
        for event in events:
            if isinstance(event, Reply):
                return event
    finally:
        close(events)
    raise MissingReplyError("the backend's stream ended without a reply")


def close(events: Iterator[object]) -> None:
    """Close `events` when it can be closed (a generator); a plain iterator holds nothing."""
    closer = getattr(events, "close", None)
    if closer is not None:
        closer()


def sse(data: Mapping[str, object], event: str | None = None) -> str:
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {json.dumps(data, ensure_ascii=False)}\n\n"


def chat_events(events: Events) -> Iterator[str]:
    """`/chat`'s stream: `delta` events, one `reply`, or an `error` if the backend fails midway
    (the 200 status is already sent by then). Closing it closes `events`."""
    try:
        for event in events:
            if isinstance(event, Delta):
                yield sse({"text": event.text}, "delta")
            else:
                yield sse(event.to_json(), "reply")
    except Exception as error:
        if not isinstance(error, CopilotError):
            log_failure(error)
        yield sse(error_event(error), "error")
    finally:
        close(events)
