"""The vector store: Chroma, embedded in the project by default or a server by URL.

Both modes share one code path: only the client differs. Chunks are stored with the
embedder's vectors and the metadata citations need; the collection's metadata records the
embedder, so an index is never queried with vectors from another embedder.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlparse

from scaffolder.errors import CopilotError, UsageError, first_line
from scaffolder.kit.retrieval.embedders import Embedder, signature
from scaffolder.kit.retrieval.types import Chunk

if TYPE_CHECKING:
    from scaffolder.kit.settings import CopilotSettings

COLLECTION = "copilot"
EMBEDDER_KEY = "copilot_embedder"
#: Rows per read or delete call; Chroma's SQLite fails on a statement with ~32k variables.
PAGE = 5000
#: A one-record collection whose value changes on every write to the index: readers (the
#: BM25 side of search, in any process) compare it instead of listing every chunk id.
GENERATION = "generation"
T = TypeVar("T")


class StoreError(CopilotError):
    """The vector store cannot be used: a server that is down, a corrupt folder."""

    exit_code = 1


class EmbedderMismatchError(UsageError):
    """The index was built with another embedder than the one configured now."""


def connect(chroma_url: str | None, path: Path) -> Any:
    """A Chroma client: `HttpClient` for a server URL, else `PersistentClient` at `path`."""
    import chromadb
    from chromadb.config import Settings

    options = Settings(anonymized_telemetry=False)
    if chroma_url:
        url = urlparse(chroma_url)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise UsageError(f"CHROMA_URL {chroma_url!r} is not an http(s) URL")
        port = url.port or (443 if url.scheme == "https" else 8000)
        return _retrying(
            lambda: chromadb.HttpClient(
                host=url.hostname or "", port=port, ssl=url.scheme == "https", settings=options
            ),
            f"the Chroma server at {chroma_url}",
        )
    path.mkdir(parents=True, exist_ok=True)
    try:
        return chromadb.PersistentClient(path=str(path), settings=options)
    except Exception as error:  # chromadb raises many kinds for a damaged folder
        raise StoreError(
            f"the vector store in {path} cannot be opened ({first_line(error)}); "
            "delete the folder and run `copilot ingest` again"
        ) from None


class VectorStore:
    def __init__(self, client: Any, embedder: Embedder, name: str = COLLECTION) -> None:
        self.client = client
        self.embedder = embedder
        self.name = name
        self._collection: Any = None

    @property
    def collection(self) -> Any:
        if self._collection is None:
            self._collection = self._open()
        return self._collection

    def _open(self) -> Any:
        wanted = signature(self.embedder)
        collection = self.client.get_or_create_collection(
            self.name,
            embedding_function=None,
            metadata={EMBEDDER_KEY: wanted, "hnsw:space": "cosine"},
        )
        recorded = (collection.metadata or {}).get(EMBEDDER_KEY)
        if recorded != wanted:
            raise EmbedderMismatchError(
                f"the index was built with embedder {_describe(recorded)}, but the settings "
                f"ask for {_describe(wanted)}; run `copilot ingest --reindex` to rebuild it"
            )
        return collection

    def reset(self) -> None:
        """Drop the index (for a re-index with another embedder)."""
        existing = [getattr(c, "name", c) for c in self.client.list_collections()]
        if self.name in existing:
            self.client.delete_collection(self.name)
        self._collection = None
        self._bump()

    def generation(self) -> str:
        """A token that changes whenever any process changes this index."""
        got = self._meta().get(ids=[GENERATION], include=["documents"])
        return str(got["documents"][0]) if got["ids"] else ""

    def _meta(self) -> Any:
        return self.client.get_or_create_collection(f"{self.name}_meta", embedding_function=None)

    def _bump(self) -> None:
        self._meta().upsert(ids=[GENERATION], documents=[uuid.uuid4().hex], embeddings=[[0.0]])

    def count(self) -> int:
        return int(self.collection.count())

    def ids(self) -> set[str]:
        return set(self._get(include=[])["ids"])

    def sources(self) -> dict[str, dict[str, str]]:
        """For every stored source file: chunk id -> the file hash it was made from."""
        found: dict[str, dict[str, str]] = {}
        got = self._get(include=["metadatas"])
        for chunk_id, metadata in zip(got["ids"], got["metadatas"], strict=True):
            source = str(metadata.get("source", ""))
            found.setdefault(source, {})[chunk_id] = str(metadata.get("file_sha", ""))
        return found

    def add(self, chunks: Sequence[Chunk], file_sha: dict[str, str]) -> None:
        if not chunks:
            return
        for start in range(0, len(chunks), PAGE):
            page = chunks[start : start + PAGE]
            self.collection.upsert(
                ids=[chunk.id for chunk in page],
                embeddings=self.embedder.embed([chunk.text for chunk in page]),
                documents=[chunk.text for chunk in page],
                metadatas=[_metadata(chunk, file_sha[chunk.source]) for chunk in page],
            )
        self._bump()

    def relabel(self, chunks: Sequence[Chunk], file_sha: dict[str, str]) -> None:
        """Update citations (line ranges, sections) of chunks whose text did not change."""
        if chunks:
            self.collection.update(
                ids=[chunk.id for chunk in chunks],
                metadatas=[_metadata(chunk, file_sha[chunk.source]) for chunk in chunks],
            )
            self._bump()

    def delete(self, ids: Sequence[str]) -> None:
        if ids:
            for start in range(0, len(ids), PAGE):
                self.collection.delete(ids=list(ids[start : start + PAGE]))
            self._bump()

    def chunks(self, ids: Sequence[str] | None = None) -> list[Chunk]:
        got = self._get(ids, include=["documents", "metadatas"])
        return [
            _chunk(document, metadata)
            for document, metadata in zip(got["documents"], got["metadatas"], strict=True)
        ]

    def vectors(self, ids: Sequence[str]) -> dict[str, list[float]]:
        got = self._get(ids, include=["embeddings"])
        return {i: list(map(float, v)) for i, v in zip(got["ids"], got["embeddings"], strict=True)}

    def _get(self, ids: Sequence[str] | None = None, *, include: list[str]) -> dict[str, list[Any]]:
        """`collection.get` in pages: one call for a whole large index (or a long id list)
        exceeds SQLite's limit on variables per statement inside Chroma."""
        fields = ["ids", *include]
        merged: dict[str, list[Any]] = {field: [] for field in fields}

        def keep(got: Any) -> int:
            for field in fields:
                values = got.get(field)
                merged[field].extend(values if values is not None else [])
            return len(got["ids"])

        if ids is not None:
            for start in range(0, len(ids), PAGE):
                keep(self.collection.get(ids=list(ids[start : start + PAGE]), include=include))
            return merged
        offset = 0
        while keep(self.collection.get(include=include, limit=PAGE, offset=offset)) == PAGE:
            offset += PAGE
        return merged

    def embed_query(self, query: str) -> list[float]:
        return self.embedder.embed([query])[0]

    def nearest(
        self, vector: list[float], k: int, where: dict[str, Any] | None = None
    ) -> list[tuple[str, float]]:
        """Chunk ids and cosine similarities of the `k` chunks nearest to `vector`
        (a query embedded with `embed_query`)."""
        count = self.count()
        if count == 0:
            return []
        found = self.collection.query(
            query_embeddings=[vector], n_results=min(k, count), where=where or None,
            include=["distances"],
        )  # fmt: skip
        return [
            (i, 1.0 - float(d)) for i, d in zip(found["ids"][0], found["distances"][0], strict=True)
        ]


def _metadata(chunk: Chunk, file_sha: str) -> dict[str, Any]:
    fields = {k: v for k, v in asdict(chunk).items() if k != "text" and v is not None}
    return {**fields, "file_sha": file_sha}


def _chunk(document: str, metadata: dict[str, Any]) -> Chunk:
    return Chunk(
        text=document,
        source=str(metadata["source"]),
        start_line=int(metadata["start_line"]),
        end_line=int(metadata["end_line"]),
        kind=metadata.get("kind", "text"),
        section=metadata.get("section"),
        page=metadata.get("page"),
    )


def _describe(recorded: str | None) -> str:
    if not recorded:
        return "unknown"
    data = json.loads(recorded)
    name = data.pop("name")
    params = ", ".join(f"{k}={v}" for k, v in sorted(data.items()))
    return f"{name} ({params})" if params else name


def _retrying(call: Callable[[], T], what: str, attempts: int = 3, delay: float = 0.5) -> T:
    for attempt in range(1, attempts + 1):
        try:
            return call()
        except Exception as error:  # chromadb wraps connection failures in several types
            if attempt == attempts:
                raise StoreError(f"cannot reach {what}: {first_line(error)}") from None
            time.sleep(delay * attempt)
    raise AssertionError("unreachable")


def open_store(settings: CopilotSettings, root: Path) -> VectorStore:
    """The store a project's settings describe: its embedder, embedded or server mode."""
    from scaffolder.kit.retrieval.embedders import CHROMA_DEFAULT, embedder_for

    llm = None
    if settings.embedding_model not in ("local", CHROMA_DEFAULT):
        from scaffolder.kit.llm.client import LLM

        llm = LLM.from_settings(settings, root)
    embedder = embedder_for(settings.embedding_model, llm)
    return VectorStore(connect(settings.chroma_url, root / settings.chroma_path), embedder)
