"""Hybrid retrieval: Chroma's dense ranking fused with an in-app BM25 ranking.

Local Chroma has no keyword ranking, and each ranking misses what the other finds: dense
vectors miss exact names and numbers, BM25 misses paraphrases. By default the two are fused
by normalised score, weighted by how much the embedder is trusted (`Embedder.dense_weight`);
on our evaluation set rank-only fusion (`fusion="rrf"`, reciprocal rank fusion) found as many
answers in the top 5 but ranked them lower when the dense side was a strong semantic model
(docs/performance.md).

The BM25 side is built from the store's own documents whenever the store changed (every write
replaces a generation token), so it can never disagree with the vectors. With `index_dir` it
is also saved there under that token: a new process (each `copilot search` or `ask`) loads it
instead of reading and tokenising every chunk again, which at 100k chunks is seconds.

Every read of one search is of one snapshot of the index; when an ingest published another
one meanwhile, the search runs again on the new one, so results never mix two versions.
"""

from __future__ import annotations

import contextlib
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from scaffolder.errors import StoreDamagedError
from scaffolder.kit.retrieval.ranking import (
    BM25Index,
    matches,
    mmr,
    relative_score_fusion,
    rrf,
)
from scaffolder.kit.retrieval.store import Snapshot, StoreError, VectorStore, open_store
from scaffolder.kit.retrieval.types import Chunk, SearchResult

if TYPE_CHECKING:
    from scaffolder.kit.settings import CopilotSettings

#: Each ranking contributes this many candidates per result asked for.
CANDIDATES_PER_RESULT = 4
#: Searches tried when an ingest publishes a new index meanwhile (the last one is final).
ATTEMPTS = 3


@dataclass
class Retriever:
    store: VectorStore
    fusion: Literal["relative", "rrf"] = "relative"
    #: The dense ranking's weight in relative fusion; by default the embedder's own.
    dense_weight: float | None = None
    #: Where the BM25 side is saved between processes; None keeps it in memory only.
    index_dir: Path | None = None
    _index: BM25Index | None = None
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
        for attempt in range(1, ATTEMPTS + 1):
            snapshot = self.store.snapshot()
            try:
                results = self._search(snapshot, query, k, where, diverse)
            except (StoreError, StoreDamagedError):
                if attempt == ATTEMPTS or not self._replaced(snapshot):
                    raise
                continue
            if attempt == ATTEMPTS or not self._replaced(snapshot):
                return results
        raise AssertionError("unreachable")

    def _replaced(self, snapshot: Snapshot) -> bool:
        """Whether an ingest published another index since `snapshot` was read."""
        return self.store.snapshot(check_embedder=False).token != snapshot.token

    def _search(
        self,
        snapshot: Snapshot,
        query: str,
        k: int,
        where: dict[str, Any] | None,
        diverse: bool,
    ) -> list[SearchResult]:
        """One search, every read from one snapshot of the index."""
        index = self._refresh(snapshot)
        depth = k * CANDIDATES_PER_RESULT
        query_vector = self.store.embed_query(query)
        dense = self.store.nearest(query_vector, depth, where, at=snapshot)
        lexical = index.search(query, depth)
        found = self.store.chunks(_unique(dense, lexical), at=snapshot)
        chunks = {chunk.id: chunk for chunk in found}
        # A row gone meanwhile (this snapshot's retired rows were cleaned up): the snapshot
        # was replaced, and the caller runs the search again on the new one.
        dense = [(i, score) for i, score in dense if i in chunks]
        lexical = [(i, score) for i, score in lexical if i in chunks]
        if where is not None:
            lexical = [(i, score) for i, score in lexical if matches(_fields(chunks[i]), where)]
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
            vectors = self.store.vectors([entry[0] for entry in fused], at=snapshot)
            picked = mmr(query_vector, list(vectors.items()), k)
            chosen = [by_id[chunk_id] for chunk_id in picked]
        results = []
        for chunk_id, score, _ranks in chosen:
            scores = {name: table[chunk_id] for name, table in raw.items() if chunk_id in table}
            results.append(SearchResult(chunks[chunk_id], score, scores))
        return results

    def _refresh(self, snapshot: Snapshot | None = None) -> BM25Index:
        """The BM25 side for `snapshot` (the store as it is now by default): kept, loaded, or
        built (and saved)."""
        snapshot = snapshot or self.store.snapshot()
        generation = snapshot.token
        if self._index is not None and generation == self._generation:
            return self._index
        saved = self._saved(generation)
        index = None
        if saved is not None and saved.is_file():
            with contextlib.suppress(OSError, ValueError):  # unreadable or old: rebuild
                index = BM25Index.load(saved)
        if index is None:
            index = BM25Index.build(self.store.chunks(at=snapshot))
            if saved is not None:
                self._save(index, saved)
        self._index, self._generation = index, generation
        return index

    def _saved(self, generation: str) -> Path | None:
        if self.index_dir is None:
            return None
        return self.index_dir / f"bm25-{self.store.name}-{generation or 'empty'}.json"

    def _save(self, index: BM25Index, path: Path) -> None:
        """Save the index under its generation and drop the ones of older generations.

        A cache only: failing to write it (read-only checkout, full disk) costs speed, not
        correctness, so it is not an error."""
        with contextlib.suppress(OSError):
            path.parent.mkdir(parents=True, exist_ok=True)
            index.save(path)
            for old in path.parent.glob(f"bm25-{self.store.name}-*.json"):
                if old != path:
                    old.unlink(missing_ok=True)


def open_retriever(settings: CopilotSettings, root: Path) -> Retriever:
    """The retriever of a project: its store, with the BM25 side saved under `.copilot/`."""
    return Retriever(open_store(settings, root), index_dir=root / ".copilot" / "bm25")


def _unique(*rankings: list[tuple[str, float]]) -> list[str]:
    return list(dict.fromkeys(chunk_id for ranking in rankings for chunk_id, _ in ranking))


def _fields(chunk: Chunk) -> dict[str, Any]:
    return {key: value for key, value in asdict(chunk).items() if key != "text"}
