"""The vector store: Chroma, embedded in the project by default or a server by URL.

Both modes share one code path: only the client differs. Chunks are stored with the
embedder's vectors and the metadata citations need; the collection's metadata records the
embedder, so an index is never queried with vectors from another embedder.

Generations, so that a query sees the index before an ingest or after it, never a mix (even
when the ingest is killed): no row is changed in place. Each row records the generation that
added it (`added`) and the one that retired it (`removed`, `NEVER` while it is live), and a
reader of generation G sees the rows with `added <= G < removed`. One record in the
`<name>_meta` collection, the pointer, names the live collection and its generation; an ingest
writes generation G+1 beside G (`retrieval.writer.IndexWriter`) and publishes it by replacing
the pointer, one upsert, which Chroma commits as one SQLite transaction. What a killed ingest
leaves behind is invisible to readers and cleared by the next ingest.

The client and the error boundary every Chroma call goes through are in `store_client`; a
row's id and the `Snapshot` a reader takes are in `store_rows`.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Container, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scaffolder.errors import CopilotError, UsageError
from scaffolder.kit.retrieval.embedders import Embedder, signature

# Imported `as` themselves: re-exported (the writer, the retriever, tests and benchmarks import
# them from this module).
from scaffolder.kit.retrieval.store_client import StoreError as StoreError
from scaffolder.kit.retrieval.store_client import chroma_boundary
from scaffolder.kit.retrieval.store_client import connect as connect
from scaffolder.kit.retrieval.store_rows import EMPTY as EMPTY
from scaffolder.kit.retrieval.store_rows import Snapshot as Snapshot
from scaffolder.kit.retrieval.store_rows import StoredText
from scaffolder.kit.retrieval.store_rows import chunk_id_of as chunk_id_of
from scaffolder.kit.retrieval.store_rows import row_id as row_id
from scaffolder.kit.retrieval.types import Chunk

if TYPE_CHECKING:
    from scaffolder.kit.settings import CopilotSettings

COLLECTION = "copilot"
EMBEDDER_KEY = "copilot_embedder"
#: Rows per read or delete call; Chroma's SQLite fails on a statement with ~32k variables.
PAGE = 5000
#: The id of the pointer record in the `<name>_meta` collection.
POINTER = "pointer"
#: `removed` of a live row: after every generation there will ever be (an int64 in Chroma).
NEVER = 2**53


class EmbedderMismatchError(UsageError):
    """The index was built with another embedder than the one configured now."""


class OutdatedIndexError(UsageError):
    """The index was written by a copilot from before generations; one ingest rebuilds it."""


class VectorStore:
    def __init__(self, client: Any, embedder: Embedder, name: str = COLLECTION) -> None:
        self.client = client
        self.embedder = embedder
        self.name = name
        settings = client.get_settings()
        self.folder: str | None = settings.persist_directory if settings.is_persistent else None
        self.server = f"the Chroma server at {settings.chroma_server_host}"
        # Handles kept between pointer reads, so that reading the pointer is one Chroma call:
        # the meta collection, and the live collection by name with its embedder checked.
        self._meta: Any = None
        self._live: tuple[str, Any, bool] | None = None
        #: Generations published (or indexes dropped) through this object: a reader that
        #: skips reading the pointer for a while (`Retriever.view(max_age)`) still sees this
        #: process's own ingests at once.
        self.publications = 0

    def chroma(self) -> contextlib.AbstractContextManager[None]:
        """This store's error boundary, for every call into Chroma."""
        return chroma_boundary(self.folder, self.server)

    # The pointer: which collection and generation is live.

    def meta(self) -> Any:
        with self.chroma():
            if self._meta is None:
                name = f"{self.name}_meta"
                self._meta = self.client.get_or_create_collection(name, embedding_function=None)
            return self._meta

    def snapshot(self, *, check_embedder: bool = True) -> Snapshot:
        """The published generation now (`EMPTY` for a store never ingested into).

        Readers call this once per search, so it is one Chroma call (the pointer record) while
        the live collection stays the same; a handle gone stale (another process dropped the
        collection) is fetched again once before anything is called damaged."""
        try:
            return self._snapshot(check_embedder)
        except CopilotError:
            if self._meta is None and self._live is None:
                raise
            self._meta = self._live = None
            return self._snapshot(check_embedder)

    def _snapshot(self, check_embedder: bool) -> Snapshot:
        with self.chroma():
            got = self.meta().get(ids=[POINTER], include=["documents", "metadatas"])
            if not got["ids"]:
                if self.name in self.owned_collections():
                    raise OutdatedIndexError(
                        "the index was built by an older copilot; "
                        "run `copilot ingest` to rebuild it"
                    )
                return EMPTY
            record = got["metadatas"][0]
            name = str(record["collection"])
            if self._live is None or self._live[0] != name:
                self._live = (name, self.client.get_collection(name), False)
        name, collection, checked = self._live
        if check_embedder and not checked:
            self.check_embedder(collection)
            self._live = (name, collection, True)
        return Snapshot(
            collection, int(record["generation"]), str(got["documents"][0]), int(record["size"])
        )

    def owned_collections(self) -> list[str]:
        """Collections this store owns besides the meta: the live one, a killed rebuild's, or
        the single collection (named `name`) of an index from before generations."""
        with self.chroma():
            names = [getattr(c, "name", c) for c in self.client.list_collections()]
        return [n for n in names if n == self.name or n.startswith(f"{self.name}-")]

    def check_embedder(self, collection: Any) -> None:
        wanted = signature(self.embedder)
        recorded = (collection.metadata or {}).get(EMBEDDER_KEY)
        if recorded != wanted:
            raise EmbedderMismatchError(
                f"the index was built with embedder {_describe(recorded)}, but the settings "
                f"ask for {_describe(wanted)}; run `copilot ingest --reindex` to rebuild it"
            )

    def reset(self) -> None:
        """Drop the whole index at once (tests, scripts); `copilot ingest --reindex` instead
        rebuilds beside the old index and switches, so queries never see it empty."""
        with self.chroma():
            for name in [*self.owned_collections(), f"{self.name}_meta"]:
                with contextlib.suppress(Exception):
                    self.client.delete_collection(name)
        self._meta = self._live = None
        self.publications += 1

    def generation(self) -> str:
        """A token that changes whenever any process publishes a new index."""
        return self.snapshot(check_embedder=False).token

    # Reads, each of one snapshot (a fresh one when none is given).

    def count(self, at: Snapshot | None = None) -> int:
        return (at or self.snapshot()).size

    def ids(self, at: Snapshot | None = None) -> set[str]:
        return {chunk_id_of(row) for row in self.rows(at or self.snapshot(), include=[])["ids"]}

    def sources(self, at: Snapshot | None = None) -> dict[str, dict[str, str]]:
        """For every stored source file: chunk id -> the file hash it was made from."""
        found: dict[str, dict[str, str]] = {}
        got = self.rows(at or self.snapshot(), include=["metadatas"])
        for row, metadata in zip(got["ids"], got["metadatas"], strict=True):
            source = str(metadata.get("source", ""))
            found.setdefault(source, {})[chunk_id_of(row)] = str(metadata.get("file_sha", ""))
        return found

    def chunks(self, ids: Sequence[str] | None = None, at: Snapshot | None = None) -> list[Chunk]:
        got = self.rows(at or self.snapshot(), ids, include=["documents", "metadatas"])
        return [
            _chunk(document, metadata)
            for document, metadata in zip(got["documents"], got["metadatas"], strict=True)
        ]

    def vectors(self, ids: Sequence[str], at: Snapshot | None = None) -> dict[str, list[float]]:
        got = self.rows(at or self.snapshot(), ids, include=["embeddings"])
        return {
            chunk_id_of(row): list(map(float, vector))
            for row, vector in zip(got["ids"], got["embeddings"], strict=True)
        }

    def texts(self, at: Snapshot) -> list[StoredText]:
        """Every row of the snapshot with its text and place: the full read a reader's BM25
        side is built from (seconds at 10k chunks, so readers do it once per generation)."""
        got = self.rows(at, include=["documents", "metadatas"])
        return [
            StoredText(
                row,
                document,
                str(metadata["source"]),
                (
                    int(metadata.get("page") or 0),
                    int(metadata["start_line"]),
                    int(metadata.get("ordinal") or 0),
                ),
            )
            for row, document, metadata in zip(
                got["ids"], got["documents"], got["metadatas"], strict=True
            )
        ]

    def chunks_at(self, row_ids: Sequence[str], at: Snapshot) -> list[Chunk]:
        """The chunks stored in these rows of the snapshot, looked up by row id (the primary
        key: a few milliseconds however large the index, where a filter on the generation
        scans every row). Rows never change in place, so a row id read from generation G reads
        the same chunk while the row exists; a row that is gone, or is not visible in the
        snapshot's generation (a caller's stale or damaged row list), is left out."""
        got = self.rows_at(at, row_ids, include=["documents"])
        return [
            _chunk(document, metadata)
            for document, metadata in zip(got["documents"], got["metadatas"], strict=True)
        ]

    def vectors_at(self, row_ids: Sequence[str], at: Snapshot) -> dict[str, list[float]]:
        """Like `chunks_at`, the vectors of these rows, by chunk id."""
        got = self.rows_at(at, row_ids, include=["embeddings"])
        return {
            chunk_id_of(row): list(map(float, vector))
            for row, vector in zip(got["ids"], got["embeddings"], strict=True)
        }

    def rows_at(
        self, at: Snapshot, row_ids: Sequence[str], *, include: list[str]
    ) -> dict[str, list[Any]]:
        """`collection.get` by row ids, in pages (SQLite's variable limit, as in `rows`), of
        the rows visible in the snapshot's generation (their metadata is checked here)."""
        fields = ["ids", "metadatas", *include]
        merged: dict[str, list[Any]] = {field: [] for field in fields}
        if at.collection is None:
            return merged
        with self.chroma():
            for start in range(0, len(row_ids), PAGE):
                page = list(row_ids[start : start + PAGE])
                got = at.collection.get(ids=page, include=["metadatas", *include])
                for index, meta in enumerate(got["metadatas"]):
                    if int(meta["added"]) <= at.generation < int(meta["removed"]):
                        for field in fields:
                            merged[field].append(got[field][index])
        return merged

    def rows(
        self, at: Snapshot, chunk_ids: Sequence[str] | None = None, *, include: list[str]
    ) -> dict[str, list[Any]]:
        """`collection.get` of the snapshot's rows (of `chunk_ids` only, if given), in pages:
        one call for a whole large index (or a long id list) exceeds SQLite's limit on
        variables per statement inside Chroma."""
        fields = ["ids", *include]
        merged: dict[str, list[Any]] = {field: [] for field in fields}
        if at.collection is None:
            return merged

        def keep(got: Any) -> int:
            for field in fields:
                values = got.get(field)
                merged[field].extend(values if values is not None else [])
            return len(got["ids"])

        with self.chroma():
            if chunk_ids is not None:
                for start in range(0, len(chunk_ids), PAGE):
                    page = list(chunk_ids[start : start + PAGE])
                    where = at.where({"chunk": {"$in": page}})
                    keep(at.collection.get(where=where, include=include))
                return merged
            offset = 0
            while keep(at.collection.get(where=at.where(), include=include, limit=PAGE,
                                         offset=offset)) == PAGE:  # fmt: skip
                offset += PAGE
        return merged

    def embed_query(self, query: str) -> list[float]:
        return self.embedder.embed([query])[0]

    def nearest(
        self,
        vector: list[float],
        k: int,
        where: dict[str, Any] | None = None,
        at: Snapshot | None = None,
        *,
        visible: Container[str] | None = None,
    ) -> list[tuple[str, float]]:
        """Chunk ids and cosine similarities of the `k` chunks nearest to `vector`
        (a query embedded with `embed_query`).

        `visible`, the snapshot's row ids when the caller knows them, makes it fast: Chroma
        filters on the generation by scanning every row (about 100 ms at 10k chunks), so the
        query runs unfiltered for twice `k` and drops rows of other generations here. Those
        are few (a pending ingest's, the rows the last ingest retired), so `k` visible ones
        are normally among them, and then they are exactly the `k` nearest visible rows; when
        not, the filtered query runs instead."""
        at = at or self.snapshot()
        if at.size == 0:
            return []
        if visible is not None and where is None:
            with self.chroma():
                found = at.collection.query(
                    query_embeddings=[vector], n_results=min(2 * k, at.size + k),
                    include=["distances"],
                )  # fmt: skip
            kept = [
                (chunk_id_of(row), 1.0 - float(distance))
                for row, distance in zip(found["ids"][0], found["distances"][0], strict=True)
                if row in visible
            ]
            if len(kept) >= min(k, at.size):
                return kept[:k]
        with self.chroma():
            found = at.collection.query(
                query_embeddings=[vector], n_results=min(k, at.size), where=at.where(where),
                include=["distances"],
            )  # fmt: skip
        return [
            (chunk_id_of(row), 1.0 - float(distance))
            for row, distance in zip(found["ids"][0], found["distances"][0], strict=True)
        ]


def metadata(chunk: Chunk, file_sha: str, added: int) -> dict[str, Any]:
    """A row's metadata: the citation fields, the file's hash and the row's generations."""
    fields = {k: v for k, v in asdict(chunk).items() if k != "text" and v is not None}
    return {**fields, "file_sha": file_sha, "chunk": chunk.id, "added": added, "removed": NEVER}


def _chunk(document: str, metadata: dict[str, Any]) -> Chunk:
    return Chunk(
        text=document,
        source=str(metadata["source"]),
        start_line=int(metadata["start_line"]),
        end_line=int(metadata["end_line"]),
        kind=metadata.get("kind", "text"),
        section=metadata.get("section"),
        page=metadata.get("page"),
        origin=metadata.get("origin"),
        ordinal=int(metadata.get("ordinal") or 0),
    )


def _describe(recorded: str | None) -> str:
    if not recorded:
        return "unknown"
    data = json.loads(recorded)
    name = data.pop("name")
    params = ", ".join(f"{k}={v}" for k, v in sorted(data.items()))
    return f"{name} ({params})" if params else name


def open_store(settings: CopilotSettings, root: Path) -> VectorStore:
    """The store a project's settings describe: its embedder, embedded or server mode."""
    from scaffolder.kit.retrieval.embedders import CHROMA_DEFAULT, embedder_for

    llm = None
    if settings.embedding_model not in ("local", CHROMA_DEFAULT):
        from scaffolder.kit.llm.client import LLM

        llm = LLM.from_settings(settings, root)
    embedder = embedder_for(settings.embedding_model, llm)
    return VectorStore(connect(settings.vector_server(), root / settings.chroma_path), embedder)
