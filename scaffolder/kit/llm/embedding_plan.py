"""The bookkeeping of one embedding call: which texts the cache already has, the batches of the
rest, and what the batches used and cost.

Why a module of its own: `LLM.embed` and `LLM.aembed` share it, and it is about the cache and
the ledger, not about calling the provider, which stays in the client. It reads the client
through `EmbeddingClient`, so it never imports the client back.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from scaffolder.kit.llm.cache import ResponseCache
from scaffolder.kit.llm.cost import CostLedger
from scaffolder.kit.llm.observe import CallResult, CallWatch, ModelCall
from scaffolder.kit.llm.providers.base import Provider
from scaffolder.kit.llm.types import EmbeddingRequest, Embeddings, Usage


class EmbeddingClient(Protocol):
    """What a plan reads of the client that makes the call (`client.LLM` is the one there is)."""

    @property
    def embedder(self) -> Provider: ...

    @property
    def cache(self) -> ResponseCache | None: ...

    @property
    def embed_batch_size(self) -> int: ...

    @property
    def ledger(self) -> CostLedger: ...

    def uses_cache_for(self, provider: Provider) -> bool: ...


class EmbeddingPlan:
    """Which texts the cache already has, and the batches of the rest."""

    def __init__(self, llm: EmbeddingClient, texts: Sequence[str], model: str | None) -> None:
        self.llm = llm
        self.texts = list(texts)
        self.model = model or llm.embedder.default_embedding_model
        self.provider = llm.embedder.info.name
        self.found: list[list[float] | None] = [None] * len(self.texts)
        #: What the batches sent to the provider used and cost (None: unknown), and the
        #: model that answered, for the call's report.
        self.sent = False
        self.usage: Usage | None = Usage(0, 0)
        self.cost_usd: float | None = 0.0
        self.response_model = self.model
        if llm.uses_cache_for(llm.embedder):
            assert llm.cache is not None
            for index, text in enumerate(self.texts):
                hit = llm.cache.get_embeddings(
                    self._key(text),
                    f"embedding of text {index}",
                    request=EmbeddingRequest((text,), self.model),
                    provider=self.provider,
                )
                if hit is not None:
                    self.found[index] = hit.vectors[0]
                    llm.ledger.record(self.provider, self.model, hit.usage, cached=True)

    def watch(self) -> CallWatch:
        return CallWatch(ModelCall("embeddings", self.provider, self.model))

    def result(self) -> CallResult:
        """The whole call: a cache hit when no text had to go to the provider."""
        return CallResult(self.response_model, self.usage, self.cost_usd, cached=not self.sent)

    def _key(self, text: str) -> str:
        return EmbeddingRequest((text,), self.model).cache_key(self.provider)

    def batches(self) -> list[list[int]]:
        missing = [index for index, vector in enumerate(self.found) if vector is None]
        size = self.llm.embed_batch_size
        return [missing[start : start + size] for start in range(0, len(missing), size)]

    def request(self, batch: list[int]) -> EmbeddingRequest:
        return EmbeddingRequest(tuple(self.texts[index] for index in batch), self.model)

    def fill(self, batch: list[int], result: Embeddings) -> None:
        cost = self.llm.ledger.record(result.provider, result.model, result.usage, cached=False)
        self.sent = True
        self.cost_usd = None if cost is None or self.cost_usd is None else self.cost_usd + cost
        if self.usage is None or result.usage is None:
            self.usage = None  # one batch without usage: the call's tokens are unknown
        else:
            self.usage = Usage(self.usage.prompt_tokens + result.usage.prompt_tokens, 0)
        self.response_model = result.model
        for index, vector in zip(batch, result.vectors, strict=True):
            self.found[index] = vector
            if self.llm.uses_cache_for(self.llm.embedder):
                assert self.llm.cache is not None
                single = Embeddings([vector], result.model, result.provider, usage=None)
                self.llm.cache.put_embeddings(self._key(self.texts[index]), single)

    def vectors(self) -> list[list[float]]:
        return [vector for vector in self.found if vector is not None]
