"""Pseudonyms for the identifiers a model call would carry: replaced before the request leaves,
put back in what the model answers.

Why: a hosted model needs the question, the conversation and the retrieved passages, not the
card number, IBAN, e-mail address or phone number in them. Each identifier the redactor finds
(`Redactor.find`, the team's own patterns included) becomes a placeholder such as `<EMAIL_1>`,
the same placeholder for the same identifier everywhere in the request, so the model can still
say "write to <EMAIL_1>" and the answer reads right once restored. The mapping (the vault) lives
in memory for one call and is never written anywhere: no mapping outlives the call it served.

Restoring happens before the copilot's output guards, so what the user finally sees follows
the redaction policy like any answer does (a restored e-mail is shown as `[EMAIL]`), and code
a skill builds from the answer (a proposed edit) gets the real values back.

Streams: a placeholder may arrive split across chunks (`<EMA`, `IL_1>`), so the tail that could
still be the start of one is held back until it is complete or cannot be one, the way the
output guard holds back a window.

Embedding requests are not pseudonymized: a vector of `<EMAIL_1>` would not find the passages
that hold the address. The default `local` embedding model embeds in-process.
"""

from __future__ import annotations

import copy
import re
from collections import Counter
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import replace
from typing import TYPE_CHECKING

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
    Task,
)
from scaffolder.kit.safety.redaction import Redactor

if TYPE_CHECKING:
    from scaffolder.kit.llm.client import LLM
    from scaffolder.kit.llm.providers.base import Provider

#: A placeholder as written into requests: `<KIND_N>`.
PLACEHOLDER = re.compile(r"<([A-Z][A-Z0-9_]*)_(\d+)>")
#: What may still grow into a placeholder at the end of a stream's text.
_OPEN_PLACEHOLDER = re.compile(r"<[A-Z0-9_]*\Z")
#: The longest placeholder a stream waits for; a longer `<...` tail is plain text.
MAX_PLACEHOLDER = 64
#: Separators that do not make an identifier another one (a spaced IBAN is the same IBAN).
_SEPARATORS = re.compile(r"[\s.()-]")


class Vault:
    """One call's identifiers and their placeholders, both ways.

    `reserve` the texts first: a placeholder already written in them (a document about this
    feature, say) is never handed out, so restoring cannot turn it into an identifier."""

    def __init__(self, redactor: Redactor) -> None:
        self.redactor = redactor
        self._placeholders: dict[tuple[str, str], str] = {}
        self._values: dict[str, str] = {}
        self._counts: Counter[str] = Counter()
        self._reserved: set[str] = set()

    def reserve(self, texts: Iterable[str]) -> None:
        for text in texts:
            self._reserved.update(match.group() for match in PLACEHOLDER.finditer(text))

    def pseudonymize(self, text: str) -> str:
        """`text` with every identifier replaced by its placeholder."""
        findings = self.redactor.find(text)
        if not findings:
            return text
        pieces: list[str] = []
        position = 0
        for finding in findings:
            pieces.append(text[position : finding.start])
            pieces.append(self._placeholder(finding.replacement, text[finding.start : finding.end]))
            position = finding.end
        pieces.append(text[position:])
        return "".join(pieces)

    def restore(self, text: str) -> str:
        """`text` with this vault's placeholders replaced by their identifiers (others, a
        placeholder the model made up, stay as written)."""
        if not self._values:
            return text
        return PLACEHOLDER.sub(lambda match: self._values.get(match.group(), match.group()), text)

    def restoring(self) -> StreamRestorer:
        return StreamRestorer(self)

    def _placeholder(self, label: str, value: str) -> str:
        kind = re.sub(r"[^A-Z0-9]+", "_", label.strip("[]").upper()).strip("_") or "ID"
        if not kind[0].isalpha():
            kind = f"ID_{kind}"
        key = (kind, _normalized(kind, value))
        known = self._placeholders.get(key)
        if known is not None:
            return known
        while True:
            self._counts[kind] += 1
            placeholder = f"<{kind}_{self._counts[kind]}>"
            if placeholder not in self._reserved:
                break
        self._placeholders[key] = placeholder
        self._values[placeholder] = value
        return placeholder


def _normalized(kind: str, value: str) -> str:
    """The identifier whatever its spacing or case: `GB82 WEST...` is `GB82WEST...`."""
    if kind == "EMAIL":
        return value.lower()
    if kind in ("CARD", "IBAN", "PHONE"):
        return _SEPARATORS.sub("", value).upper()
    return value


class StreamRestorer:
    """Restores placeholders in a stream of text pieces; feed it each piece, `finish` at the
    end. A tail that may be an unfinished placeholder waits for the next piece."""

    def __init__(self, vault: Vault) -> None:
        self.vault = vault
        self._pending = ""

    def feed(self, text: str) -> str:
        self._pending += text
        start = self._pending.rfind("<")
        tail = self._pending[start:] if start >= 0 else ""
        if tail and len(tail) < MAX_PLACEHOLDER and _OPEN_PLACEHOLDER.match(tail):
            ready, self._pending = self._pending[:start], tail
        else:
            ready, self._pending = self._pending, ""
        return self.vault.restore(ready)

    def finish(self) -> str:
        ready, self._pending = self._pending, ""
        return self.vault.restore(ready)


def pseudonymized_request(request: ChatRequest, vault: Vault) -> ChatRequest:
    """`request` as it may leave: every message and the task's texts through `vault`."""
    texts = [message.content for message in request.messages]
    if request.task is not None:
        texts.extend(_task_texts(request.task))
    vault.reserve(texts)
    messages = tuple(
        replace(message, content=vault.pseudonymize(message.content))
        for message in request.messages
    )
    task = _pseudonymized_task(request.task, vault) if request.task is not None else None
    return replace(request, messages=messages, task=task)


def _task_texts(task: Task) -> list[str]:
    if isinstance(task, AnswerTask):
        return [task.question, task.follows, *(passage.text for passage in task.passages)]
    return [task.text]


def _pseudonymized_task(task: Task, vault: Vault) -> Task:
    if isinstance(task, AnswerTask):
        passages = tuple(replace(p, text=vault.pseudonymize(p.text)) for p in task.passages)
        return replace(
            task,
            question=vault.pseudonymize(task.question),
            follows=vault.pseudonymize(task.follows),
            passages=passages,
        )
    if isinstance(task, ClassifyTask | StructuredTask):
        return replace(task, text=vault.pseudonymize(task.text))
    raise TypeError(f"unknown task {type(task).__name__}")


class PseudonymizingProvider:
    """A provider that sends chat requests with identifiers pseudonymized and restores them
    in what comes back; one vault per call. Embeddings pass through (see the module doc)."""

    def __init__(self, inner: Provider, redactor: Redactor) -> None:
        self.inner = inner
        self.redactor = redactor
        self.default_chat_model = inner.default_chat_model
        self.default_embedding_model = inner.default_embedding_model

    @property
    def info(self) -> ProviderInfo:
        return self.inner.info

    def _sent(self, request: ChatRequest) -> tuple[ChatRequest, Vault]:
        vault = Vault(self.redactor)
        return pseudonymized_request(request, vault), vault

    def complete(self, request: ChatRequest) -> Completion:
        sent, vault = self._sent(request)
        completion = self.inner.complete(sent)
        return replace(completion, text=vault.restore(completion.text))

    async def acomplete(self, request: ChatRequest) -> Completion:
        sent, vault = self._sent(request)
        completion = await self.inner.acomplete(sent)
        return replace(completion, text=vault.restore(completion.text))

    def stream(self, request: ChatRequest) -> Iterator[StreamChunk]:
        sent, vault = self._sent(request)
        return _restored(self.inner.stream(sent), vault.restoring())

    def astream(self, request: ChatRequest) -> AsyncIterator[StreamChunk]:
        sent, vault = self._sent(request)
        return _arestored(self.inner.astream(sent), vault.restoring())

    def embed(self, request: EmbeddingRequest) -> Embeddings:
        return self.inner.embed(request)

    async def aembed(self, request: EmbeddingRequest) -> Embeddings:
        return await self.inner.aembed(request)


def _restored(chunks: Iterator[StreamChunk], restorer: StreamRestorer) -> Iterator[StreamChunk]:
    """The chunks with placeholders restored; the held-back tail goes out with the chunk that
    ends the stream (or after the last one). Closing this closes the provider's stream."""
    try:
        for chunk in chunks:
            restored = _restored_chunk(chunk, restorer)
            if restored is not None:
                yield restored
        tail = restorer.finish()
        if tail:
            yield StreamChunk(tail)
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()


def _restored_chunk(chunk: StreamChunk, restorer: StreamRestorer) -> StreamChunk | None:
    """`chunk` with its placeholders restored as far as they are complete (the rest held back
    until a later chunk or the finish), or None when it carries nothing to pass on."""
    text = restorer.feed(chunk.text)
    if chunk.finish_reason is not None:
        text += restorer.finish()
    if text or chunk.usage is not None or chunk.finish_reason is not None:
        return replace(chunk, text=text)
    return None


async def _arestored(
    chunks: AsyncIterator[StreamChunk], restorer: StreamRestorer
) -> AsyncIterator[StreamChunk]:
    try:
        async for chunk in chunks:
            restored = _restored_chunk(chunk, restorer)
            if restored is not None:
                yield restored
        tail = restorer.finish()
        if tail:
            yield StreamChunk(tail)
    finally:
        aclose = getattr(chunks, "aclose", None)
        if aclose is not None:
            await aclose()


def pseudonymizing(llm: LLM, redactor: Redactor) -> LLM:
    """`llm` with its chat calls pseudonymized at the provider: the client's cache, retries,
    fallback model, cost ledger and call reports are unchanged (the same object's copy), and
    wrapping twice wraps once."""
    if isinstance(llm.provider, PseudonymizingProvider):
        return llm
    wrapped = copy.copy(llm)
    wrapped.provider = PseudonymizingProvider(llm.provider, redactor)
    return wrapped
