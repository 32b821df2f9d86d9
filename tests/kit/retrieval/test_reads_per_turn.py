"""Reads of the index per turn: everything derived from the chunks is kept per generation.

Why: Chroma filters rows on the generation by scanning every row (100-240 ms at 10k chunks), so
a turn that filters on it, for ranking, for its passages or for a citation, costs ten times the
rest of the turn. These tests count store reads, never time: N turns with no ingest in between
scan the index at most once (to build the BM25 side), a new process with the saved side not at
all, and an ingest in between costs exactly one full read again, after which the turn sees only
the new generation (and never the rows a writer has pending or has just retired).
"""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from chromadb.api.models.Collection import Collection

from scaffolder.kit.retrieval.embedders import LocalEmbedder
from scaffolder.kit.retrieval.ingest import ingest
from scaffolder.kit.retrieval.retriever import Retriever
from scaffolder.kit.retrieval.store import VectorStore, connect
from scaffolder.kit.retrieval.types import Chunk
from scaffolder.kit.retrieval.writer import IndexWriter
from tests.conftest import project_copilot

QUESTIONS = [
    "Why does my lamp blink three times?",
    "How do I reset the lamp to factory settings?",
    "How long is the warranty?",
    "What is the capital of France?",
    "How many scenes can I save?",
    "Why does my lamp blink three times?",
]


@dataclass
class Reads:
    """Chroma reads that filter on the generation (each one scans every row), and full reads
    of the documents (`VectorStore.texts`, what building the BM25 side costs)."""

    #: (call, fields read, whether it was of some chunks only): a whole generation read is
    #: ("get", ..., False); per-turn reads are a filtered "query" or a `chunk $in` "get".
    scans: list[tuple[str, tuple[str, ...], bool]] = field(default_factory=list)
    full: int = 0


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> Reads:
    """Counts reads on the real Chroma collection and store classes (no fake store)."""
    counted = Reads()
    get, query, texts = Collection.get, Collection.query, VectorStore.texts

    def note(call: str, kwargs: dict[str, Any]) -> None:
        where = json.dumps(kwargs.get("where"))
        if '"added"' in where:
            counted.scans.append((call, tuple(kwargs.get("include", ())), '"chunk"' in where))

    def counting_get(self: Collection, *args: Any, **kwargs: Any) -> Any:
        note("get", kwargs)
        return get(self, *args, **kwargs)

    def counting_query(self: Collection, *args: Any, **kwargs: Any) -> Any:
        note("query", kwargs)
        return query(self, *args, **kwargs)

    def counting_texts(self: VectorStore, *args: Any, **kwargs: Any) -> Any:
        counted.full += 1
        return texts(self, *args, **kwargs)

    monkeypatch.setattr(Collection, "get", counting_get)
    monkeypatch.setattr(Collection, "query", counting_query)
    monkeypatch.setattr(VectorStore, "texts", counting_texts)
    return counted


def test_copilot_turns_without_an_ingest_scan_the_index_at_most_once(
    qa_project: Path, reads: Reads
) -> None:
    copilot = project_copilot(qa_project)
    replies = [copilot.ask(question) for question in QUESTIONS]
    assert replies[1].sources  # the turns did retrieve (and cite) from the index
    # One full read of the documents (the BM25 side); other per-generation readers (the
    # symbol table) read the generation once each; nothing scans per turn.
    assert reads.full == 1
    assert all(call == "get" and not some for call, _, some in reads.scans), reads.scans
    assert len(reads.scans) == len(set(reads.scans)), reads.scans
    # A new process loads the saved side: its turns scan nothing at all.
    again = project_copilot(qa_project)
    before = len(reads.scans)
    assert [again.ask(q).text for q in QUESTIONS] == [reply.text for reply in replies]
    assert reads.full == 1 and len(reads.scans) == before


def reset_docs(tmp_path: Path) -> tuple[Path, VectorStore]:
    """A folder with one page about resetting, ingested into a fresh embedded store."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "reset.md").write_text("# Reset\n\nHold the button for ten seconds to reset.\n")
    store = VectorStore(connect(None, tmp_path / "chroma"), LocalEmbedder())
    ingest([docs], tmp_path, store)
    return docs, store


def test_an_ingest_in_between_costs_one_full_read_and_the_next_search_sees_it(
    tmp_path: Path, reads: Reads
) -> None:
    docs, store = reset_docs(tmp_path)
    retriever = Retriever(store)
    for _ in range(5):
        [first] = retriever.search("how do I reset", k=1)
    assert "ten seconds" in first.chunk.text and reads.full == 1
    (docs / "reset.md").write_text("# Reset\n\nHold the button for twenty seconds to reset.\n")
    ingest([docs], tmp_path, store)
    for _ in range(5):
        [after] = retriever.search("how do I reset", k=1)
    assert "twenty seconds" in after.chunk.text and reads.full == 2
    # The old row is retired but still stored until the next ingest: never a result.
    assert all("ten seconds" not in r.chunk.text for r in retriever.search("ten seconds", k=5))


def test_turns_that_arrive_together_read_the_documents_once(
    tmp_path: Path, reads: Reads, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, store = reset_docs(tmp_path)
    counting = VectorStore.texts

    def slow_texts(self: VectorStore, *args: Any, **kwargs: Any) -> Any:
        time.sleep(0.3)  # a big index: every turn that starts meanwhile finds no view yet
        return counting(self, *args, **kwargs)

    monkeypatch.setattr(VectorStore, "texts", slow_texts)
    retriever = Retriever(store)
    start = threading.Barrier(8)

    def turn() -> str:
        start.wait()
        return retriever.search("how do I reset", k=1)[0].chunk.text

    with ThreadPoolExecutor(8) as pool:
        found = list(pool.map(lambda _: turn(), range(8)))
    assert all("ten seconds" in text for text in found)
    assert reads.full == 1


def test_rows_a_writer_has_pending_are_not_seen_until_it_publishes(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "power.md").write_text("# Power\n\nThe lamp draws nine watts at full brightness.\n")
    store = VectorStore(connect(None, tmp_path / "chroma"), LocalEmbedder())
    ingest([docs], tmp_path, store)
    retriever = Retriever(store)
    retriever.search("watts", k=3)
    pending = Chunk("Zirconium flux capacitor calibration.", "docs/flux.md", 1, 1)
    writer = IndexWriter(store)
    writer.add([pending], {"docs/flux.md": "sha"})
    # An unfiltered nearest query ranks the pending row first: the view must drop it.
    found = retriever.search("zirconium flux capacitor calibration", k=3)
    assert found and all(result.chunk.source == "docs/power.md" for result in found)
    assert retriever.chunks([pending.id]) == {}
    writer.commit()
    [top, *_] = retriever.search("zirconium flux capacitor calibration", k=3)
    assert top.chunk == pending
