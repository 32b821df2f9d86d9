"""Writing the next generation of the index beside the live one, then publishing it at once.

Why: an ingest makes many Chroma calls, and a query (another process, or the same project's
server) must never see half of them, nor an index a `kill -9` cut short (store module doc).
So `IndexWriter` only ever adds rows that readers cannot see yet (`added` = the next
generation) and marks rows as retired by it; `commit()` publishes all of it by replacing the
pointer record. Until then the old generation is complete and is what every query reads.

After a commit, rows retired by the *previous* commit are deleted (a reader that read the old
pointer a moment before still finds its rows; the retriever re-reads when the pointer moved
while it searched). A rebuild (`--reindex`, an index from before generations) writes into a
new collection, and the commit moves the pointer to it before the old collection is dropped.

A killed ingest leaves pending rows (`added` after the live generation), live rows marked
retired by the generation that never came, or a rebuild's collection nobody points at. The
next writer removes or restores them first (`_recover`); all of it is idempotent, so a kill
during recovery is recovered by the next one. Writers must not run concurrently on one store;
`ingest` holds a lock file for that.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Sequence
from typing import Any

from scaffolder.faults import crash_point
from scaffolder.kit.retrieval.embedders import signature
from scaffolder.kit.retrieval.store import (
    EMBEDDER_KEY,
    EMPTY,
    NEVER,
    PAGE,
    POINTER,
    OutdatedIndexError,
    Snapshot,
    VectorStore,
    metadata,
    row_id,
)
from scaffolder.kit.retrieval.types import Chunk

#: How a new collection's vector index is kept: cosine distance, and saved to disk with every
#: batch it adds. Why the second: Chroma builds its HNSW graph in memory and saves it only
#: every `sync_threshold` rows (1000 by default); a collection smaller than that is rebuilt
#: from its rows whenever a process opens it, and building is not deterministic, so the same
#: question found different nearest chunks from one `copilot ask` to the next (4 of 30 fresh
#: processes missed the nearest chunk of "How do I make grep case insensitive?" over 20 man
#: pages, 260 chunks; docs/performance.md). Saved with each batch, every process reads the
#: same graph (30 of 30 alike). And searched wide (`search_ef` 500 instead of 100): two builds
#: of the same documents are different graphs, and Chroma's 8 nearest differed between three
#: builds of the Cargo Book in 3-5 of 24 questions, of npm READMEs in 7 of 54, with recall
#: 0.93-0.95 against the exact neighbours; searched wide, 0-1 and 0, recall 0.96 and 1.00
#: (`benchmarks/vector_recall.py`), so `adapt`'s checks in a scratch index and a project's
#: CI, which index data/ again, see what the team's own index sees. A collection made before
#: this keeps its settings until `copilot ingest --reindex`.
HNSW_SETTINGS: dict[str, str | int] = {
    "hnsw:space": "cosine",
    "hnsw:batch_size": 100,
    "hnsw:sync_threshold": 100,
    "hnsw:search_ef": 500,
}


class IndexWriter:
    """One ingest's changes as generation G+1 of the store; see the module doc."""

    def __init__(self, store: VectorStore, *, rebuild: bool = False) -> None:
        self.store = store
        try:
            live = store.snapshot(check_embedder=False)
        except OutdatedIndexError:
            live, rebuild = EMPTY, True
        self.live = live
        self.rebuild = rebuild or live.collection is None
        if not self.rebuild:
            store.check_embedder(live.collection)
        self.base = EMPTY if self.rebuild else live
        self.generation = self.base.generation + 1
        self.size = self.base.size
        self.changed = False
        self._rows: dict[str, str] = {}  # chunk id -> its live row id
        self._recover()
        if self.rebuild:
            with store.chroma():
                self.collection = store.client.create_collection(
                    f"{store.name}-{uuid.uuid4().hex[:12]}",
                    embedding_function=None,
                    metadata={EMBEDDER_KEY: signature(store.embedder), **HNSW_SETTINGS},
                )
        else:
            self.collection = live.collection
        crash_point("ingest: writer ready")

    def _recover(self) -> None:
        """Undo what a killed writer left (module doc), before anything new is written. The
        live collection, and an index from before generations, stay until a commit replaces
        them."""
        store, live = self.store, self.live
        keep = {getattr(live.collection, "name", None), store.name}
        with store.chroma():
            for name in store.owned_collections():
                if name not in keep:
                    store.client.delete_collection(name)
                    crash_point("ingest: orphan collection dropped")
            if live.collection is None:
                return
            g = live.generation
            self._delete_where({"added": {"$gt": g}})
            marked = {"$and": [{"removed": {"$gt": g}}, {"removed": {"$lt": NEVER}}]}
            while ids := live.collection.get(where=marked, include=[], limit=PAGE)["ids"]:
                live.collection.update(ids=ids, metadatas=[{"removed": NEVER}] * len(ids))
                crash_point("ingest: retirement undone")
            self._delete_where({"removed": {"$lte": g}})

    def _delete_where(self, where: dict[str, Any]) -> None:
        with self.store.chroma():
            while ids := self.live.collection.get(where=where, include=[], limit=PAGE)["ids"]:
                self.live.collection.delete(ids=ids)
                crash_point("ingest: rows deleted")

    def sources(self) -> dict[str, dict[str, str]]:
        """For every file in the live generation: chunk id -> the hash of the file it came
        from (empty for a rebuild, which re-reads everything)."""
        if self.rebuild:
            return {}
        got = self.store.rows(self.base, include=["metadatas"])
        found: dict[str, dict[str, str]] = {}
        for row, meta in zip(got["ids"], got["metadatas"], strict=True):
            chunk_id = str(meta["chunk"])
            self._rows[chunk_id] = row
            found.setdefault(str(meta["source"]), {})[chunk_id] = str(meta["file_sha"])
        return found

    def add(self, chunks: Sequence[Chunk], file_sha: dict[str, str]) -> None:
        """New chunks, embedded now, pending until `commit`."""
        for start in range(0, len(chunks), PAGE):
            page = chunks[start : start + PAGE]
            vectors = self.store.embedder.embed([chunk.text for chunk in page])
            self._write(page, vectors, file_sha)
            crash_point("ingest: chunks added")

    def relabel(self, chunks: Sequence[Chunk], file_sha: dict[str, str]) -> None:
        """Chunks whose text is stored but whose citation moved (lines, section): a new row
        with the stored vector (nothing re-embedded) replaces the live one at `commit`."""
        for start in range(0, len(chunks), PAGE):
            page = chunks[start : start + PAGE]
            rows = [self._rows[chunk.id] for chunk in page]
            with self.store.chroma():
                got = self.collection.get(ids=rows, include=["embeddings"])
            by_row = dict(zip(got["ids"], got["embeddings"], strict=True))
            self._write(page, [list(map(float, by_row[row])) for row in rows], file_sha)
            self.retire([chunk.id for chunk in page])
            crash_point("ingest: chunks relabelled")

    def retire(self, chunk_ids: Sequence[str]) -> None:
        """Live chunks that the new generation no longer has."""
        rows = [self._rows.pop(chunk_id) for chunk_id in chunk_ids]
        for start in range(0, len(rows), PAGE):
            page = rows[start : start + PAGE]
            with self.store.chroma():
                self.collection.update(
                    ids=page, metadatas=[{"removed": self.generation}] * len(page)
                )
            self.size -= len(page)
            self.changed = True
            crash_point("ingest: chunks retired")

    def _write(self, chunks: Sequence[Chunk], vectors: Any, file_sha: dict[str, str]) -> None:
        if not chunks:
            return
        with self.store.chroma():
            self.collection.upsert(
                ids=[row_id(chunk.id, self.generation) for chunk in chunks],
                embeddings=vectors,
                documents=[chunk.text for chunk in chunks],
                metadatas=[metadata(c, file_sha[c.source], self.generation) for c in chunks],
            )
        self.size += len(chunks)
        self.changed = True

    def commit(self) -> Snapshot | None:
        """Publish the new generation (None when nothing changed: no new token, so readers
        keep their caches), then delete what no reader needs any more."""
        if not self.changed and not self.rebuild:
            return None
        token = uuid.uuid4().hex
        name = self.collection.name
        with self.store.chroma():
            self.store.meta().upsert(
                ids=[POINTER],
                documents=[token],
                embeddings=[[0.0]],
                metadatas=[{"collection": name, "generation": self.generation, "size": self.size}],
            )
        self.store.publications += 1
        crash_point("ingest: published")
        published = Snapshot(self.collection, self.generation, token, self.size)
        with contextlib.suppress(Exception):  # an interrupted cleanup is redone next time
            self._clean_up()
        return published

    def _clean_up(self) -> None:
        """Drop rows retired before the generation just replaced, and a replaced collection."""
        if self.rebuild:
            with self.store.chroma():
                for name in self.store.owned_collections():
                    if name != self.collection.name:
                        self.store.client.delete_collection(name)
                        crash_point("ingest: replaced collection dropped")
            return
        self._delete_where({"removed": {"$lte": self.live.generation}})
