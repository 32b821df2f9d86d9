"""Hybrid retrieval: Chroma's dense ranking fused with an in-app BM25 ranking.

Local Chroma has no keyword ranking, and each ranking misses what the other finds: dense
vectors miss exact names and numbers, BM25 misses paraphrases. By default the two are fused
by normalised score, weighted by how much the embedder is trusted (`Embedder.dense_weight`);
on our evaluation set rank-only fusion (`fusion="rrf"`, reciprocal rank fusion) found as many
answers in the top 5 but ranked them lower when the dense side was a strong semantic model
(docs/performance.md). The BM25 index is rebuilt from the store's own documents when the
store changed, so it can never disagree with the vectors.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

from scaffolder.kit.retrieval.ranking import (
    BM25Index,
    matches,
    mmr,
    relative_score_fusion,
    rrf,
)
from scaffolder.kit.retrieval.store import VectorStore
from scaffolder.kit.retrieval.types import Chunk, SearchResult

#: Each ranking contributes this many candidates per result asked for.
CANDIDATES_PER_RESULT = 4


@dataclass
class Retriever:
    store: VectorStore
    fusion: Literal["relative", "rrf"] = "relative"
    #: The dense ranking's weight in relative fusion; by default the embedder's own.
    dense_weight: float | None = None
    _index: BM25Index | None = None
    _chunks: dict[str, Chunk] | None = None
    _generation: str | None = None

    def search(
        self,
        query: str,
        k: int = 5,
        where: dict[str, Any] | None = None,
        *,
        diverse: bool = False,
    ) -> list[SearchResult]:
        """The `k` best chunks for `query`, best first, each with its citation.

        With `diverse`, maximal marginal relevance picks them from the fused candidates so
        that near-duplicates (the same paragraph in two files) do not crowd out the rest.
        """
        if not query.strip():
            return []
        self._refresh()
        assert self._index is not None and self._chunks is not None
        depth = k * CANDIDATES_PER_RESULT
        query_vector = self.store.embed_query(query)
        dense = self.store.nearest(query_vector, depth, where)
        lexical = [
            (chunk_id, score)
            for chunk_id, score in self._index.search(query, depth)
            if where is None or matches(_fields(self._chunks[chunk_id]), where)
        ]
        if self.fusion == "rrf":
            fused = rrf({"dense": [i for i, _ in dense], "bm25": [i for i, _ in lexical]})
        else:
            weight = self.dense_weight
            if weight is None:
                weight = self.store.embedder.dense_weight
            fused = relative_score_fusion(
                {"dense": dense, "bm25": lexical}, {"dense": weight, "bm25": 1.0 - weight}
            )
        raw = {"dense": dict(dense), "bm25": dict(lexical)}
        chosen = fused[:k]
        if diverse and fused:
            by_id = {entry[0]: entry for entry in fused}
            vectors = self.store.vectors([entry[0] for entry in fused])
            picked = mmr(query_vector, list(vectors.items()), k)
            chosen = [by_id[chunk_id] for chunk_id in picked]
        results = []
        for chunk_id, score, _ranks in chosen:
            scores = {name: table[chunk_id] for name, table in raw.items() if chunk_id in table}
            results.append(SearchResult(self._chunks[chunk_id], score, scores))
        return results

    def _refresh(self) -> None:
        """Rebuild the BM25 side whenever the index changed since it was built (in any
        process: the store keeps a generation token that every write replaces)."""
        generation = self.store.generation()
        if self._chunks is None or generation != self._generation:
            chunks = self.store.chunks()
            self._chunks = {chunk.id: chunk for chunk in chunks}
            self._index = BM25Index.build(chunks)
            self._generation = generation


def _fields(chunk: Chunk) -> dict[str, Any]:
    return {key: value for key, value in asdict(chunk).items() if key != "text"}
