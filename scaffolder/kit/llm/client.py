"""`LLM`: the one object every kit part and generated project calls models through.

It puts together a provider, retries with backoff, an optional fallback model, the
record/replay cache and the cost ledger, the same way for complete, stream and embed, sync and
async. The offline provider bypasses the cache: it is free, local and deterministic already,
and replay-only CI must not fail on calls that never leave the machine. Every call, cached or
not, is reported to the current call observer (`observe.py`; telemetry's turn), if any.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Generator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar, overload

from scaffolder.errors import (
    LLMError,
    MalformedResponseError,
    ModelNotFoundError,
    ProviderUnavailableError,
    RateLimitedError,
)
from scaffolder.kit.llm.cache import ResponseCache
from scaffolder.kit.llm.cost import CostLedger, current_ledger
from scaffolder.kit.llm.embedding_plan import EmbeddingPlan
from scaffolder.kit.llm.observe import CallResult, CallWatch, ModelCall
from scaffolder.kit.llm.provider_choice import provider_from_settings
from scaffolder.kit.llm.providers.base import Provider
from scaffolder.kit.llm.providers.offline import OfflineProvider
from scaffolder.kit.llm.retry import RetryPolicy, acall_with_retry, call_with_retry
from scaffolder.kit.llm.sampling import with_scoped_sample
from scaffolder.kit.llm.streams import aopened, assembled, opened
from scaffolder.kit.llm.types import (
    ChatRequest,
    Completion,
    EmbeddingRequest,
    Embeddings,
    ProviderInfo,
    StreamChunk,
)

if TYPE_CHECKING:
    from pydantic import BaseModel

    from scaffolder.kit.json_types import JSONObject, JSONValue
    from scaffolder.kit.settings import CopilotSettings

T = TypeVar("T")
ModelT = TypeVar("ModelT", bound="BaseModel")
#: Failures a different model might not have.
FALLBACK_ON = (
    ProviderUnavailableError,
    RateLimitedError,
    ModelNotFoundError,
    MalformedResponseError,
)


class LLM:
    def __init__(
        self,
        provider: Provider,
        *,
        embedder: Provider | None = None,
        cache: ResponseCache | None = None,
        retry: RetryPolicy | None = None,
        fallback_model: str | None = None,
        ledger: CostLedger | None = None,
        embed_batch_size: int = 128,
        notice: str | None = None,
    ) -> None:
        self.provider = provider
        self.embedder = embedder or provider
        self.cache = cache
        self.retry = retry or RetryPolicy()
        self.fallback_model = fallback_model
        self._ledger = ledger
        self.embed_batch_size = embed_batch_size
        #: Why calls go to the offline provider although another was configured, if they do.
        self.notice = notice

    @classmethod
    def from_settings(cls, settings: CopilotSettings, root: Path) -> LLM:
        """The client a project's settings describe (see `CopilotSettings.effective_provider`).

        The cache lives under `root`, the project's root as its caller knows it (the CLI or
        the project's app): nothing here looks at the working directory.
        """
        provider = provider_from_settings(settings)
        offline = OfflineProvider()
        embedder = offline if settings.embedding_model == "local" else provider
        notice = settings.offline_reason if settings.llm_provider != "offline" else None
        return cls(
            provider,
            embedder=embedder,
            cache=ResponseCache.from_env(root),
            retry=RetryPolicy(max_attempts=settings.llm_max_attempts),
            fallback_model=settings.fallback_model,
            notice=notice,
        )

    @property
    def info(self) -> ProviderInfo:
        return self.provider.info

    @property
    def ledger(self) -> CostLedger:
        """The ledger given to this client, else the one of the current scope."""
        return self._ledger or current_ledger()

    # -- chat ----------------------------------------------------------------------------
    def complete(self, request: ChatRequest) -> Completion:
        request, key, cached = self._lookup(request)
        with self._watch(request) as watch:
            if cached is not None:
                return _reported(watch, self._account(cached))
            try:
                completion = call_with_retry(self.retry, lambda: self.provider.complete(request))
            except FALLBACK_ON as error:
                fallback = self._fallback(request, error)
                completion = call_with_retry(self.retry, lambda: self.provider.complete(fallback))
            self._store(key, completion)
            return _reported(watch, self._account(completion))

    async def acomplete(self, request: ChatRequest) -> Completion:
        request, key, cached = self._lookup(request)
        with self._watch(request) as watch:
            if cached is not None:
                return _reported(watch, self._account(cached))
            try:
                completion = await acall_with_retry(
                    self.retry, lambda: self.provider.acomplete(request)
                )
            except FALLBACK_ON as error:
                fallback = self._fallback(request, error)
                completion = await acall_with_retry(
                    self.retry, lambda: self.provider.acomplete(fallback)
                )
            self._store(key, completion)
            return _reported(watch, self._account(completion))

    def stream(self, request: ChatRequest) -> Generator[StreamChunk, None, None]:
        """Chunks as they arrive; retried only until the first chunk, then recorded whole.
        Close it to stop early: the provider's stream is closed with it."""
        request, key, cached = self._lookup(request)
        with self._watch(request) as watch:
            if cached is not None:
                yield self._replayed(cached, watch)
                return
            chunks = call_with_retry(self.retry, lambda: opened(self.provider.stream(request)))
            collected: list[StreamChunk] = []
            try:
                for chunk in chunks:
                    collected.append(chunk)
                    watch.saw(chunk)
                    yield chunk
            finally:
                # Closed early (the reader went away): stop the provider's stream, so the model
                # stops generating too. A finished generator ignores this.
                close = getattr(chunks, "close", None)
                if close is not None:
                    close()
            _reported(watch, self._finish_stream(collected, request, key))

    async def astream(self, request: ChatRequest) -> AsyncIterator[StreamChunk]:
        request, key, cached = self._lookup(request)
        with self._watch(request) as watch:
            if cached is not None:
                yield self._replayed(cached, watch)
                return
            chunks = await acall_with_retry(
                self.retry, lambda: aopened(self.provider.astream(request))
            )
            collected: list[StreamChunk] = []
            try:
                async for chunk in chunks:
                    collected.append(chunk)
                    watch.saw(chunk)
                    yield chunk
            finally:
                aclose = getattr(chunks, "aclose", None)
                if aclose is not None:
                    await aclose()
            _reported(watch, self._finish_stream(collected, request, key))

    # -- structured output ---------------------------------------------------------------
    @overload
    def generate_structured(
        self, schema: type[ModelT], request: ChatRequest, *, max_reasks: int = 2
    ) -> ModelT: ...

    @overload
    def generate_structured(
        self, schema: JSONObject, request: ChatRequest, *, max_reasks: int = 2
    ) -> JSONValue: ...

    def generate_structured(
        self,
        schema: type[BaseModel] | JSONObject,
        request: ChatRequest,
        *,
        max_reasks: int = 2,
    ) -> object:
        """Validated output for `schema` (a pydantic model class or a JSON Schema dict)."""
        from scaffolder.kit.llm.structured import generate_structured

        return generate_structured(self, schema, request, max_reasks=max_reasks)

    @overload
    async def agenerate_structured(
        self, schema: type[ModelT], request: ChatRequest, *, max_reasks: int = 2
    ) -> ModelT: ...

    @overload
    async def agenerate_structured(
        self, schema: JSONObject, request: ChatRequest, *, max_reasks: int = 2
    ) -> JSONValue: ...

    async def agenerate_structured(
        self,
        schema: type[BaseModel] | JSONObject,
        request: ChatRequest,
        *,
        max_reasks: int = 2,
    ) -> object:
        from scaffolder.kit.llm.structured import agenerate_structured

        return await agenerate_structured(self, schema, request, max_reasks=max_reasks)

    # -- embeddings ----------------------------------------------------------------------
    def embed(self, texts: Sequence[str], model: str | None = None) -> list[list[float]]:
        """One vector per text, in order; each text is cached on its own, so re-indexing a
        corpus with a few changed documents embeds only those."""
        plan = EmbeddingPlan(self, texts, model)
        with plan.watch() as watch:
            for batch in plan.batches():
                plan.fill(batch, self._embed_batch(plan.request(batch)))
            watch.succeeded(plan.result())
        return plan.vectors()

    def _embed_batch(self, request: EmbeddingRequest) -> Embeddings:
        return call_with_retry(self.retry, lambda: self.embedder.embed(request))

    async def aembed(self, texts: Sequence[str], model: str | None = None) -> list[list[float]]:
        plan = EmbeddingPlan(self, texts, model)
        with plan.watch() as watch:
            batches = plan.batches()
            results = await asyncio.gather(
                *(self._aembed_batch(plan.request(batch)) for batch in batches)
            )
            for batch, result in zip(batches, results, strict=True):
                plan.fill(batch, result)
            watch.succeeded(plan.result())
        return plan.vectors()

    async def _aembed_batch(self, request: EmbeddingRequest) -> Embeddings:
        return await acall_with_retry(self.retry, lambda: self.embedder.aembed(request))

    # -- shared steps --------------------------------------------------------------------
    def _lookup(self, request: ChatRequest) -> tuple[ChatRequest, str, Completion | None]:
        """The request with its model and sample filled in (the sample from `sample_scope`, for
        repeated test attempts), its cache key, and the recorded answer if any."""
        request = with_scoped_sample(request)
        if not request.model:
            request = request.with_model(self.provider.default_chat_model)
        key = request.cache_key(self.provider.info.name)
        return request, key, self._cached(key, request)

    def _replayed(self, cached: Completion, watch: CallWatch) -> StreamChunk:
        _reported(watch, self._account(cached))
        return StreamChunk(cached.text, usage=cached.usage, finish_reason=cached.finish_reason)

    def _finish_stream(
        self, chunks: list[StreamChunk], request: ChatRequest, key: str
    ) -> Completion:
        completion = assembled(chunks, request, self.provider.info.name)
        self._store(key, completion)
        return self._account(completion)

    def _watch(self, request: ChatRequest) -> CallWatch:
        """The report of one chat call (its model already filled in by `_lookup`)."""
        model = request.model or self.provider.default_chat_model
        return CallWatch(ModelCall("chat", self.info.name, model, request.prompt, request))

    def uses_cache_for(self, provider: Provider) -> bool:
        """Whether calls to `provider` are recorded (never for the free, local offline one)."""
        return self.cache is not None and provider.info.name != "offline"

    def _cached(self, key: str, request: ChatRequest) -> Completion | None:
        if self.cache is None or not self.uses_cache_for(self.provider):
            return None
        return self.cache.get_completion(
            key, request.describe(), request=request, provider=self.provider.info.name
        )

    def _store(self, key: str, completion: Completion) -> None:
        if self.cache is not None and self.uses_cache_for(self.provider):
            self.cache.put_completion(key, completion)

    def _fallback(self, request: ChatRequest, error: LLMError) -> ChatRequest:
        """The request for the fallback model, or `error` again when there is none to try."""
        if not self.fallback_model or request.model == self.fallback_model:
            raise error
        return request.with_model(self.fallback_model)

    def _account(self, completion: Completion) -> Completion:
        cost = self.ledger.record(
            completion.provider, completion.model, completion.usage, cached=completion.cached
        )
        return replace(completion, cost_usd=cost)


def _reported(watch: CallWatch, completion: Completion) -> Completion:
    """`completion`, once told to the call's observer (if any)."""
    watch.succeeded(
        CallResult(
            completion.model,
            completion.usage,
            completion.cost_usd,
            cached=completion.cached,
            finish_reason=completion.finish_reason,
            text=completion.text,
        )
    )
    return completion


__all__ = ["LLM", "LLMError"]
