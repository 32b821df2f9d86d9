"""The OpenAI-compatible endpoints, so any OpenAI client or chat UI can talk to the copilot.

`POST /v1/chat/completions` is stateless like OpenAI's: the last user message is the question
and the earlier messages are passed to the backend as history. Cited sources and the rest of
the reply travel in an extra `copilot` field that OpenAI SDKs keep but ignore.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from scaffolder.errors import CopilotError, UsageError
from scaffolder.kit.llm.providers.offline import rough_tokens
from scaffolder.kit.server.backend import Delta, Reply
from scaffolder.kit.server.logs import log_failure
from scaffolder.kit.server.responses import error_body, error_event
from scaffolder.kit.server.streaming import ClosingStream
from scaffolder.kit.server.turns import Events, TurnRunner, close, sse
from scaffolder.kit.turn import JSONObject, JSONValue


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")

    role: str
    content: str | list[dict[str, Any]] | None = None

    def text(self) -> str:
        """The message text; content given as parts keeps its text parts only."""
        if isinstance(self.content, list):
            return "".join(
                str(part.get("text", "")) for part in self.content if part.get("type") == "text"
            )
        return self.content or ""


class CompletionBody(BaseModel):
    """Fields beyond these (temperature, max_tokens...) are accepted and ignored: the copilot,
    not the client, decides how to call its model."""

    model_config = ConfigDict(extra="allow")

    model: str | None = None
    messages: list[ChatMessage] = Field(min_length=1)
    stream: bool = False
    stream_options: dict[str, Any] | None = None


def split_messages(messages: list[ChatMessage]) -> tuple[str, list[dict[str, str]]]:
    """(the question, the history before it); the question is the last message, a user's."""
    last = messages[-1]
    if last.role != "user" or not last.text().strip():
        raise UsageError("the last message must be a non-empty message from the user")
    history = [{"role": message.role, "content": message.text()} for message in messages[:-1]]
    return last.text(), history


def openai_router(runner: TurnRunner, model: str) -> APIRouter:
    router = APIRouter(prefix="/v1")

    @router.get("/models")
    async def models() -> dict[str, Any]:
        entry = {"id": model, "object": "model", "created": 0, "owned_by": "copilot"}
        return {"object": "list", "data": [entry]}

    @router.post("/chat/completions", response_model=None)
    async def completions(body: CompletionBody) -> Response:
        question, history = split_messages(body.messages)
        completion_id = f"chatcmpl-{uuid.uuid4().hex}"
        created = int(time.time())
        prompt_tokens = sum(rough_tokens(message.text()) for message in body.messages)
        if not body.stream:
            reply = await runner.complete(question, None, history)
            usage = _usage(prompt_tokens, reply.text)
            return JSONResponse(
                {
                    "id": completion_id,
                    "object": "chat.completion",
                    "created": created,
                    "model": model,
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": reply.text},
                            "finish_reason": "stop",
                        }
                    ],
                    "usage": usage,
                    "copilot": _extra(reply),
                }
            )
        events = await runner.open(question, None, history)
        include_usage = bool((body.stream_options or {}).get("include_usage"))
        head: JSONObject = {"id": completion_id, "created": created, "model": model}
        return ClosingStream(_chunks(events, head, prompt_tokens if include_usage else None))

    return router


def _chunks(events: Events, head: JSONObject, prompt_tokens: int | None) -> Iterator[str]:
    """`chat.completion.chunk` lines: the role, the text deltas, a final chunk with
    finish_reason and the `copilot` extra, optionally a usage chunk, then `[DONE]`."""

    def chunk(delta: JSONObject, finish: str | None = None, **extra: JSONValue) -> str:
        choice = {"index": 0, "delta": delta, "finish_reason": finish}
        return sse({**head, "object": "chat.completion.chunk", "choices": [choice], **extra})

    try:
        yield chunk({"role": "assistant", "content": ""})
        for event in events:
            if isinstance(event, Delta):
                if event.text:
                    yield chunk({"content": event.text})
                continue
            yield chunk({}, "stop", copilot=_extra(event))
            if prompt_tokens is not None:
                usage = _usage(prompt_tokens, event.text)
                yield sse(
                    {**head, "object": "chat.completion.chunk", "choices": [], "usage": usage}
                )
    except Exception as error:
        if not isinstance(error, CopilotError):
            log_failure(error)
        problem = error_event(error)
        yield sse(error_body("/v1/", problem["status"], problem["error"]))
    finally:
        close(events)
    yield "data: [DONE]\n\n"


def _usage(prompt_tokens: int, answer: str) -> dict[str, int]:
    """Token counts estimated by counting words and punctuation: the backend may call several
    models or none, so there is no single provider count to report."""
    completion_tokens = rough_tokens(answer)
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    }


def _extra(reply: Reply) -> JSONObject:
    """The reply's JSON (`Reply.to_json`) but its text, which the choice's message carries."""
    extra = reply.to_json()
    del extra["text"]
    return extra
