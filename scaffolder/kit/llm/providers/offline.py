"""The offline provider: no network, no key, deterministic.

It reads the request's structured task (never the prompt text) and answers extractively,
classifies by similarity, or returns schema-valid JSON; a plain chat without a task gets an
honest note that free-form conversation needs a real model. Embeddings are the local hashed
features. Usage is counted in words and punctuation, so cost and budget code see real numbers.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator

from scaffolder.kit.llm import local_embedding
from scaffolder.kit.llm.providers import offline_structured, offline_tasks
from scaffolder.kit.llm.types import (
    AnswerTask,
    ChatRequest,
    ClassifyTask,
    Completion,
    EmbeddingRequest,
    Embeddings,
    ProviderInfo,
    StreamChunk,
    StructuredTask,
    Usage,
)

CHAT_MODEL = "offline-chat"
NO_TASK_REPLY = (
    "(offline provider) I answer questions from your documents, classify requests and fill "
    "structured forms without a model. Free-form conversation needs a real one: set "
    "OPENAI_API_KEY (or a base URL) in .env."
)
_PIECES = re.compile(r"\w+|[^\w\s]")


def rough_tokens(text: str) -> int:
    return len(_PIECES.findall(text))


class OfflineProvider:
    default_chat_model = CHAT_MODEL
    default_embedding_model = local_embedding.MODEL_NAME

    def __init__(self) -> None:
        self._info = ProviderInfo(name="offline", unsupported={"logprobs"})

    @property
    def info(self) -> ProviderInfo:
        return self._info

    def complete(self, request: ChatRequest) -> Completion:
        text = self._reply(request)
        prompt = sum(rough_tokens(message.content) for message in request.messages)
        return Completion(
            text=text,
            model=request.model or CHAT_MODEL,
            provider="offline",
            usage=Usage(prompt_tokens=prompt, completion_tokens=rough_tokens(text)),
            finish_reason="stop",
        )

    async def acomplete(self, request: ChatRequest) -> Completion:
        return self.complete(request)

    def stream(self, request: ChatRequest) -> Iterator[StreamChunk]:
        completion = self.complete(request)
        pieces = re.findall(r"\S+\s*", completion.text)
        for piece in pieces[:-1]:
            yield StreamChunk(text=piece)
        yield StreamChunk(
            text=pieces[-1] if pieces else "",
            usage=completion.usage,
            finish_reason=completion.finish_reason,
        )

    async def astream(self, request: ChatRequest) -> AsyncIterator[StreamChunk]:
        for chunk in self.stream(request):
            yield chunk

    def embed(self, request: EmbeddingRequest) -> Embeddings:
        return Embeddings(
            vectors=local_embedding.embed_texts(request.texts),
            model=local_embedding.MODEL_NAME,
            provider="offline",
            usage=Usage(sum(rough_tokens(text) for text in request.texts), 0),
        )

    async def aembed(self, request: EmbeddingRequest) -> Embeddings:
        return self.embed(request)

    @staticmethod
    def _reply(request: ChatRequest) -> str:
        task = request.task
        if isinstance(task, AnswerTask):
            return offline_tasks.answer(task)
        if isinstance(task, ClassifyTask):
            return offline_tasks.classify(task)
        if isinstance(task, StructuredTask):
            return offline_structured.structured(task)
        return NO_TASK_REPLY
