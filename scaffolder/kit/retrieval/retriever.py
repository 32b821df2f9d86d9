"""Hybrid retrieval: Chroma's dense ranking fused with an in-app BM25 ranking.

Local Chroma has no keyword ranking, and each ranking misses what the other finds: dense
vectors miss exact names and numbers, BM25 misses paraphrases. By default the two are fused
by normalised score, weighted by how much the embedder is trusted (`Embedder.dense_weight`);
on our evaluation set rank-only fusion (`fusion="rrf"`, reciprocal rank fusion) found as many
answers in the top 5 but ranked them lower when the dense side was a strong semantic model
(docs/performance.md).

Everything derived from the chunks is kept per index generation (`IndexView`): the BM25 side
and which row holds each chunk in that generation. The generation token is the cache key: each
search reads the pointer (one Chroma call) and rebuilds the view only when an ingest published
another generation, so the BM25 side can never disagree with the vectors, and no turn scans the
index (Chroma's filter on the generation reads every row: 100-240 ms at 10k chunks). With
`index_dir` the view is also saved there under its token: a new process (each `copilot search`
or `ask`) loads it instead of reading and tokenising every chunk again (seconds at 10k chunks).

Every read of one search is of one generation: rows are looked up by the view's row ids, and
dense hits outside the view are dropped. A row the view names but the store no longer has means
an ingest published meanwhile (its clean-up deletes rows only after the generation that still
showed them was replaced); the search then runs again on the new generation, so results never
mix two versions.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from scaffolder.errors import StoreDamagedError
from scaffolder.kit.retrieval.index_view import IndexView
from scaffolder.kit.retrieval.ranking import (
    BM25Index,
    Fused,
    best,
    matches,
    mmr,
    relative_score_fusion,
    rrf,
)
from scaffolder.kit.retrieval.store import (
    Snapshot,
    StoreError,
    VectorStore,
    chunk_id_of,
    open_store,
)
from scaffolder.kit.retrieval.types import Chunk, SearchResult
from scaffolder.kit.text import only_asks_for_more

if TYPE_CHECKING:
    from scaffolder.kit.settings import CopilotSettings

#: Each ranking contributes this many candidates per result asked for.
CANDIDATES_PER_RESULT = 4
#: Searches tried when an ingest publishes a new index meanwhile (the last one is final).
ATTEMPTS = 3
#: Chunks kept per generation for citation lookups (evidence, repeated questions).
CACHED_CHUNKS = 1024
#: Version 2 keeps each chunk's document, for the documents a question names; version 3's
#: BM25 read each chunk's heading path with its text, which version 4 no longer does (a
#: title every page shares made its words look like noise: `docs/retrieval.md`); version 5
#: keeps each chunk's place in its document, for the chunk that opens it; version 6 adds the
#: chunk's place among its file's chunks to it (a minified page's chunks share their line).
_FORMAT = "scaffolder-index-view-6"
#: The weight in relative fusion of the ranking of the chunks of the documents a question
#: names: as much as BM25's with the `local` embedder. A question that names a command,
#: module or package ("How do I make grep case insensitive?") is about that document, yet a
#: neighbour sharing more of its other words outranked it (find's "-iname ... case
#: insensitive"). On the answerability sets this put the passage with the answer among the
#: four given in 25 of 32 man-page questions instead of 21, npm 22 instead of 20, pydoc
#: unchanged (docs/performance.md).
NAMED_WEIGHT = 0.5


@dataclass
class Retriever:
    store: VectorStore
    fusion: Literal["relative", "rrf"] = "relative"
    #: The dense ranking's weight in relative fusion; by default the embedder's own.
    dense_weight: float | None = None
    #: Where the BM25 side is saved between processes; None keeps it in memory only.
    index_dir: Path | None = None
    _view: IndexView | None = None
    #: `time.monotonic()` when the pointer was last read, and the store's publications then.
    _checked: float = -1e9
    _publications: int = -1
    _cached: OrderedDict[str, Chunk] = field(default_factory=OrderedDict)
    #: Held while a view is loaded: the first turns after a start arrive together (a server's
    #: first requests, `copilot bench run`'s eight workers), and each loaded the whole index
    #: on its own: over Node's API docs (10k chunks) the first eight bench cases took 40 s
    #: each instead of one load's 1.3 s.
    _loading: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

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
            view = self.view()
            try:
                results, complete = self._search(view, query, k, where, diverse)
            except (StoreError, StoreDamagedError):
                if attempt == ATTEMPTS or not self._replaced(view):
                    raise
                continue
            if complete or attempt == ATTEMPTS:
                return results
            if not self._replaced(view):
                self._discard(view)
        raise AssertionError("unreachable")

    def view(self, max_age: float = 0.0) -> IndexView:
        """The index as published now: the kept view while the pointer names its generation,
        else loaded or built (and saved). The pointer is not read again when it was read less
        than `max_age` seconds ago (evidence tolerates a second's lag; a search does not)."""
        view = self._view
        now = time.monotonic()
        published = self.store.publications
        if view is not None and now - self._checked < max_age and published == self._publications:
            return view
        snapshot = self.store.snapshot()
        self._checked, self._publications = now, published
        if view is None or view.token != snapshot.token:
            with self._loading:
                view = self._view  # another turn may have loaded it while this one waited
                if view is None or view.token != snapshot.token:
                    view = self._load(snapshot)
                    self._view = view
                    self._cached.clear()
        return view

    def chunks(self, ids: Sequence[str], view: IndexView | None = None) -> dict[str, Chunk]:
        """The chunks of `ids` in `view` (the current one by default), by id; ids the view
        does not hold are left out. Kept per generation, so looking up a citation again (the
        evidence's best passage, a repeated question) reads nothing."""
        view = view or self.view()
        if view is not self._view:
            return {c.id: c for c in self.store.chunks_at(_rows(view, ids), view.snapshot)}
        missing = [i for i in dict.fromkeys(ids) if i not in self._cached and i in view.rows]
        for chunk in self.store.chunks_at([view.rows[i] for i in missing], view.snapshot):
            self._cached[chunk.id] = chunk
        found = {}
        for chunk_id in ids:
            if chunk_id in self._cached:
                self._cached.move_to_end(chunk_id)
                found[chunk_id] = self._cached[chunk_id]
        while len(self._cached) > CACHED_CHUNKS:
            self._cached.popitem(last=False)
        return found

    def _discard(self, view: IndexView) -> None:
        """Forget a view that names rows its own generation does not show (its saved copy was
        damaged or written by something else): the next search builds it from the store."""
        self._view = None
        saved = self._saved(view.token)
        if saved is not None:
            with contextlib.suppress(OSError):
                saved.unlink(missing_ok=True)

    def _replaced(self, view: IndexView) -> bool:
        """Whether an ingest published another index since `view` was read."""
        replaced = self.store.snapshot(check_embedder=False).token != view.token
        self._checked = -1e9 if replaced else time.monotonic()
        return replaced

    def _search(
        self,
        view: IndexView,
        query: str,
        k: int,
        where: dict[str, Any] | None,
        diverse: bool,
    ) -> tuple[list[SearchResult], bool]:
        """One search, every read from one generation, and whether it is complete: a row the
        view names is gone when the generation was replaced and cleaned up meanwhile."""
        depth = k * CANDIDATES_PER_RESULT
        complete = True
        query_vector = self.store.embed_query(query)
        dense = self.store.nearest(
            query_vector, depth, where, at=view.snapshot, visible=view.visible
        )
        lexical = view.bm25.search(query, depth, synonyms=True)
        # Within the documents the question names, the name tells no passage from another
        # (every chunk of grep's page is about grep): the rest of the question ranks them,
        # and only their chunks are scored.
        named_chunks, rest = view.named_in(query)
        # "What is grep?" or "tell me about ms" asks nothing of the document but what it is,
        # which its opening says (a NAME line, a README's first paragraph): it comes first.
        openings = view.openings(named_chunks) if only_asks_for_more(rest) else []
        named = best(view.bm25.scores(rest or query, synonyms=True, within=named_chunks), depth)
        if where is not None:
            ids = {i for i, _ in [*lexical, *named]} | set(openings)
            candidates = self.chunks(list(ids), view)
            complete = len(candidates) == len(ids)

            def kept(ranking: list[tuple[str, float]]) -> list[tuple[str, float]]:
                return [
                    (i, s)
                    for i, s in ranking
                    if i in candidates and matches(_fields(candidates[i]), where)
                ]

            lexical, named = kept(lexical), kept(named)
            openings = [i for i, _ in kept([(i, 1.0) for i in openings])]
        rankings = {"dense": dense, "bm25": lexical, "named": named}
        if self.fusion == "rrf":
            fused = rrf({name: [i for i, _ in ranking] for name, ranking in rankings.items()})
        else:
            weight = self.dense_weight
            if weight is None:
                weight = self.store.embedder.dense_weight
            fused = relative_score_fusion(
                rankings, {"dense": weight, "bm25": 1.0 - weight, "named": NAMED_WEIGHT}
            )
        opening_ids = set(openings)
        if openings:
            by_id = {entry[0]: entry for entry in fused}
            top = fused[0][1] if fused else 1.0
            first = [by_id.get(i, (i, top, {"named": NAMED_WEIGHT})) for i in openings]
            fused = first + [entry for entry in fused if entry[0] not in opening_ids]
        raw = {name: dict(ranking) for name, ranking in rankings.items()}
        ranked = fused
        if diverse and fused:
            by_id = {entry[0]: entry for entry in fused}
            vectors = self.store.vectors_at(_rows(view, list(by_id)), view.snapshot)
            complete = complete and len(vectors) == len(by_id)
            picked = mmr(query_vector, list(vectors.items()), k)
            ranked = [by_id[chunk_id] for chunk_id in picked]
        chosen, all_read = self._distinct(ranked, k, view)
        results = []
        for chunk, score, _ranks in chosen:
            scores = {name: table[chunk.id] for name, table in raw.items() if chunk.id in table}
            results.append(SearchResult(chunk, score, scores, opening=chunk.id in opening_ids))
        return results, complete and all_read

    def _distinct(
        self, ranked: Fused, k: int, view: IndexView
    ) -> tuple[list[tuple[Chunk, float, dict[str, float]]], bool]:
        """The first `k` chunks of `ranked` that say something different, and whether every
        chunk read was there. A passage repeated word for word in several files (a shared
        configuration reference, a licence footer, an include) is given once, under its
        best-ranked file: otherwise its copies score alike and fill every slot (four of four
        passages for a question on npm's command docs were one option's description)."""
        chosen: list[tuple[Chunk, float, dict[str, float]]] = []
        said: set[str] = set()
        read = 0
        all_read = True
        while len(chosen) < k and read < len(ranked):
            batch = ranked[read : read + k - len(chosen)]
            read += len(batch)
            chunks = self.chunks([chunk_id for chunk_id, _, _ in batch], view)
            all_read = all_read and len(chunks) == len(batch)
            for chunk_id, score, ranks in batch:
                chunk = chunks.get(chunk_id)
                text = " ".join(chunk.text.split()) if chunk is not None else ""
                if chunk is not None and text not in said:
                    said.add(text)
                    chosen.append((chunk, score, ranks))
        return chosen, all_read

    def _load(self, snapshot: Snapshot) -> IndexView:
        """The view of `snapshot`: read from `index_dir`, or built from one full read of the
        generation's documents (and saved)."""
        saved = self._saved(snapshot.token)
        if saved is not None and saved.is_file():
            with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
                data = json.loads(saved.read_text("utf-8"))  # unreadable or old: rebuild
                if data.get("format") == _FORMAT:
                    rows = {str(c): str(r) for c, r in data["rows"].items()}
                    sources = {str(c): str(s) for c, s in data["sources"].items()}
                    positions = {
                        str(c): (int(p), int(n), int(o))
                        for c, (p, n, o) in data["positions"].items()
                    }
                    bm25 = BM25Index.from_dict(data["bm25"])
                    return IndexView(snapshot, bm25, rows, sources, positions)
        bm25, rows, sources, positions = BM25Index(), {}, {}, {}
        for stored in self.store.texts(snapshot):
            chunk_id = chunk_id_of(stored.row)
            bm25.add_text(chunk_id, stored.text)
            rows[chunk_id] = stored.row
            sources[chunk_id] = stored.source
            positions[chunk_id] = stored.position
        view = IndexView(snapshot, bm25, rows, sources, positions)
        if saved is not None:
            self._save(view, saved)
        return view

    def _saved(self, generation: str) -> Path | None:
        if self.index_dir is None:
            return None
        return self.index_dir / f"bm25-{self.store.name}-{generation or 'empty'}.json"

    def _save(self, view: IndexView, path: Path) -> None:
        """Save the view under its generation and drop the ones of older generations.

        A cache only: failing to write it (read-only checkout, full disk) costs speed, not
        correctness, so it is not an error. Written whole and renamed into place, so a reader
        finds the old file or the new one."""
        with contextlib.suppress(OSError):
            path.parent.mkdir(parents=True, exist_ok=True)
            data = {
                "format": _FORMAT,
                "bm25": view.bm25.to_dict(),
                "rows": dict(view.rows),
                "sources": dict(view.sources),
                "positions": dict(view.positions),
            }
            temporary = path.with_name(f"{path.name}.tmp")
            temporary.write_text(json.dumps(data, separators=(",", ":")), "utf-8")
            temporary.replace(path)
            for old in path.parent.glob(f"bm25-{self.store.name}-*.json"):
                if old != path:
                    old.unlink(missing_ok=True)


def open_retriever(settings: CopilotSettings, root: Path) -> Retriever:
    """The retriever of a project: its store, with the BM25 side saved under `.copilot/`."""
    return Retriever(open_store(settings, root), index_dir=root / ".copilot" / "bm25")


def _rows(view: IndexView, ids: Sequence[str]) -> list[str]:
    return [view.rows[i] for i in dict.fromkeys(ids) if i in view.rows]


def _fields(chunk: Chunk) -> dict[str, Any]:
    return {key: value for key, value in asdict(chunk).items() if key != "text"}
