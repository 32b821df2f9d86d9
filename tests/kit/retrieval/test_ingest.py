"""Incremental ingestion into a real Chroma store, embedded and over HTTP to `chroma run`."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from scaffolder.errors import StoreDamagedError, UsageError
from scaffolder.kit.retrieval.embedders import LocalEmbedder
from scaffolder.kit.retrieval.ingest import NO_TEXT, ingest
from scaffolder.kit.retrieval.loaders import iter_chunks
from scaffolder.kit.retrieval.retriever import Retriever
from scaffolder.kit.retrieval.store import (
    EmbedderMismatchError,
    Snapshot,
    StoreError,
    VectorStore,
    connect,
)
from scaffolder.kit.retrieval.store_rows import StoredText
from scaffolder.kit.retrieval.types import SearchResult
from tests.kit.retrieval.test_loaders import make_pdf

DOCS = {
    "docs/reset.md": "# Reset\n\nHold the touch button for twenty seconds to reset the lamp.\n\n"
    "## After a reset\n\nAll scenes are erased and the lamp pairs again.\n",
    "docs/power.md": "# Power\n\nThe lamp draws at most 9 W from a USB-C adapter.\n",
    "docs/app.txt": "The app finds the lamp over Bluetooth.\n\nIt works on 2.4 GHz Wi-Fi only.\n",
}


class CountingEmbedder(LocalEmbedder):
    """The real local embedder, counting how many texts it was asked to embed."""

    def __init__(self) -> None:
        super().__init__()
        self.texts = 0

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        self.texts += len(texts)
        return super().embed(texts)


@pytest.fixture(params=["embedded", "server"])
def client(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[object]:
    if request.param == "embedded":
        yield connect(None, tmp_path / "chroma")
    else:
        yield connect(request.getfixturevalue("chroma_server"), tmp_path / "unused")


def written(root: Path, files: dict[str, str]) -> Path:
    """`root` with `files` (relative path -> text) written under it."""
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    return written(tmp_path / "project", DOCS)


def expected_ids(root: Path) -> set[str]:
    return {c.id for p in sorted((root / "docs").iterdir()) for c in iter_chunks(p, root)}


def test_ingest_reingest_edit_delete(client: object, corpus: Path) -> None:
    embedder = CountingEmbedder()
    store = VectorStore(client, embedder)
    first = ingest([corpus / "docs"], corpus, store)
    assert (first.files, first.added, first.removed) == (3, embedder.texts, 0)
    assert store.ids() == expected_ids(corpus)

    before = next(c for c in store.chunks() if "After a reset" in c.text)
    assert before.start_line == 5
    embedder.texts = 0
    again = ingest([corpus / "docs"], corpus, store)
    assert embedder.texts == 0
    assert (again.unchanged_files, again.added, again.removed) == (3, 0, 0)

    reset = corpus / "docs" / "reset.md"
    reset.write_text("# Reset\n\nIntro line added.\n\n" + DOCS["docs/reset.md"].split("\n", 2)[2])
    edited = ingest([corpus / "docs"], corpus, store)
    assert embedder.texts == edited.added > 0
    assert store.ids() == expected_ids(corpus)
    moved = next(c for c in store.chunks() if "After a reset" in c.text)
    assert moved.id == before.id
    assert moved.start_line == 7  # the citation follows the text, which was not re-embedded

    (corpus / "docs" / "power.md").unlink()
    deleted = ingest([corpus / "docs"], corpus, store)
    assert deleted.deleted_files == 1 and deleted.removed == 1
    assert store.ids() == expected_ids(corpus)
    assert not any(c.source == "docs/power.md" for c in store.chunks())


def test_an_interrupted_ingest_converges_on_rerun(corpus: Path, tmp_path: Path) -> None:
    crashed_client = connect(None, tmp_path / "crashed")
    ingest([corpus / "docs"], corpus, VectorStore(crashed_client, LocalEmbedder()))
    reset = corpus / "docs" / "reset.md"
    reset.write_text(reset.read_text().replace("twenty seconds", "20 seconds"))
    (corpus / "docs" / "app.txt").write_text(DOCS["docs/app.txt"] + "\nIt needs Android 10.\n")
    before = sorted(map(repr, VectorStore(crashed_client, LocalEmbedder()).chunks()))

    def die_at_the_last_file(source: str) -> None:  # app.txt's edit is written by now
        if source == "docs/reset.md":
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        ingest(
            [corpus / "docs"], corpus, VectorStore(crashed_client, LocalEmbedder()),
            die_at_the_last_file,
        )  # fmt: skip
    healthy = VectorStore(crashed_client, LocalEmbedder())
    assert sorted(map(repr, healthy.chunks())) == before  # readers still see the old index
    ingest([corpus / "docs"], corpus, healthy)
    clean = VectorStore(connect(None, tmp_path / "clean"), LocalEmbedder())
    ingest([corpus / "docs"], corpus, clean)
    assert sorted(map(repr, healthy.chunks())) == sorted(map(repr, clean.chunks()))


def test_another_embedder_is_refused_until_reindexed(corpus: Path, tmp_path: Path) -> None:
    client = connect(None, tmp_path / "chroma")
    ingest([corpus / "docs"], corpus, VectorStore(client, LocalEmbedder()))
    other = VectorStore(client, LocalEmbedder(dimensions=256))
    with pytest.raises(EmbedderMismatchError, match=r"built with embedder local \(dimensions=1024"):
        other.count()
    other.reset()
    assert ingest([corpus / "docs"], corpus, other).added > 0


def test_search_returns_cited_hybrid_results(corpus: Path, tmp_path: Path) -> None:
    store = VectorStore(connect(None, tmp_path / "chroma"), LocalEmbedder())
    ingest([corpus / "docs"], corpus, store)
    results = Retriever(store).search("how do I reset the lamp", k=2)
    top = results[0]
    assert top.chunk.source == "docs/reset.md"
    assert top.chunk.citation() == "docs/reset.md, Reset, lines 1-3"
    # "reset" is also the name of reset.md, so the ranking of the named document found it too.
    assert set(top.scores) == {"dense", "bm25", "named"}


def test_search_fusion_follows_the_embedder_weight_or_the_caller(
    corpus: Path, tmp_path: Path
) -> None:
    store = VectorStore(connect(None, tmp_path / "chroma"), LocalEmbedder())
    ingest([corpus / "docs"], corpus, store)
    query = "how long do I hold the touch button"  # names no document (see below)
    default = Retriever(store).search(query, k=3)
    assert set(default[0].scores) == {"dense", "bm25"}
    assert default[0].score == pytest.approx(1.0)  # first in both rankings: 0.5 + 0.5
    # All trust on BM25: the fused order is BM25's own order.
    lexical_only = Retriever(store, dense_weight=0.0).search(query, k=3)
    by_bm25 = sorted(lexical_only, key=lambda result: -result.scores.get("bm25", -1.0))
    assert [r.chunk.id for r in lexical_only] == [r.chunk.id for r in by_bm25]
    rank_fused = Retriever(store, fusion="rrf").search(query, k=3)
    assert rank_fused[0].score == pytest.approx(2 / 61)


MANUALS = {
    "man/grep.txt": "GREP(1)\n\n-i, --ignore-case\n    Ignore case distinctions in patterns.\n"
    "\n-v, --invert-match\n    Select non-matching lines.\n",
    "man/find.txt": "FIND(1)\n\n-iname pattern\n    Like -name, but the match is case insensitive."
    "\n\n-ilname pattern\n    Like -lname, but the match is case insensitive.\n",
    "guides/README.md": "# Guide\n\nIn any case, read the notes first.\n",
    "notes/README.md": "# Notes\n\nThese notes are short.\n",
    "lib/command.js": "// Parses each command's arguments.\nfunction parse(command) {}\n",
}


def indexed(tmp_path: Path, folder: str, files: dict[str, str]) -> VectorStore:
    """`files` written under `tmp_path / folder` and ingested into a local store beside it."""
    root = written(tmp_path / folder, files)
    store = VectorStore(connect(None, tmp_path / "chroma"), LocalEmbedder())
    ingest([root], root, store)
    return store


@pytest.fixture
def manuals(tmp_path: Path) -> Retriever:
    return Retriever(indexed(tmp_path, "manuals", MANUALS), index_dir=tmp_path / "bm25")


def test_a_question_that_names_a_document_is_answered_from_it(
    manuals: Retriever, monkeypatch: pytest.MonkeyPatch
) -> None:
    question = "How do I make grep case insensitive?"
    top = manuals.search(question, k=2)[0]
    assert top.chunk.source == "man/grep.txt"
    assert "named" in top.scores
    # Without the named document's ranking, find's page, which says "case insensitive" twice,
    # comes first: the words alone do not find the page the question is about.
    monkeypatch.setattr("scaffolder.kit.retrieval.retriever.NAMED_WEIGHT", 0.0)
    assert manuals.search(question, k=2)[0].chunk.source == "man/find.txt"


def test_a_shared_name_a_stopword_or_a_code_file_names_no_document(manuals: Retriever) -> None:
    view = manuals.view()
    assert view.chunks_named_in("what does the readme say about case?") == frozenset()
    assert view.chunks_named_in("grep or FIND?") == view.named["grep"] | view.named["find"]
    assert "readme" not in view.named
    # A code file is named for a word of its code base, not for what a question is about.
    assert "command" not in view.named
    assert view.chunks_named_in("how is a command parsed?") == frozenset()


def test_the_saved_view_keeps_the_documents_names(manuals: Retriever, tmp_path: Path) -> None:
    manuals.search("grep", k=1)  # builds and saves the view
    again = Retriever(manuals.store, index_dir=tmp_path / "bm25")
    assert again.view().named == manuals.view().named
    assert again.search("How do I make grep case insensitive?", k=1)[0].chunk.source == (
        "man/grep.txt"
    )


def test_the_opening_of_a_page_on_one_line_is_its_first_chunk(tmp_path: Path) -> None:
    """Every chunk of a minified page starts on line 1 (rustdoc writes its pages so): the
    opening is the first chunk by its place in the file, in every process, whichever order a
    set of ids comes in (it had been a different chunk from one `copilot ask` to the next)."""
    sections = "".join(
        f"<h2>Part {n}</h2><p>Part {n} of the kettle manual covers topic {n} at length.</p>"
        for n in range(12)
    )
    page = f"<html><body><h1>Kettle</h1><p>The kettle boils water quickly.</p>{sections}</body>"
    store = indexed(tmp_path, "docs", {"kettle.html": page + "</html>"})
    chunks = list(iter_chunks(tmp_path / "docs" / "kettle.html", tmp_path / "docs"))
    assert len(chunks) > 3 and {c.start_line for c in chunks} == {1}
    assert [c.ordinal for c in chunks] == list(range(len(chunks)))
    for retriever in (
        Retriever(store, index_dir=tmp_path / "bm25"),
        Retriever(store, index_dir=tmp_path / "bm25"),  # the view the first one saved
    ):
        first = retriever.search("What is kettle?", k=3)[0]
        assert first.opening and first.chunk.text.startswith("Kettle\n\nThe kettle boils")


def test_bad_input(corpus: Path, tmp_path: Path) -> None:
    store = VectorStore(connect(None, tmp_path / "chroma"), LocalEmbedder())
    with pytest.raises(UsageError, match="does not exist"):
        ingest([corpus / "nope"], corpus, store)
    empty = corpus / "empty"
    empty.mkdir()
    (empty / "blob.bin").write_bytes(b"\0\1\2")
    with pytest.raises(UsageError, match=r"nothing to ingest .*\(1 skipped\)"):
        ingest([empty], corpus, store)


def test_a_server_that_is_down_is_one_clear_error(tmp_path: Path) -> None:
    from tests.conftest import free_port

    with pytest.raises(
        StoreError, match=r"^cannot reach the Chroma server at http://127\.0\.0\.1:"
    ):
        connect(f"http://127.0.0.1:{free_port()}", tmp_path)


def test_a_corrupt_store_is_one_clear_error(tmp_path: Path) -> None:
    folder = tmp_path / "chroma"
    folder.mkdir()
    (folder / "chroma.sqlite3").write_bytes(b"not a database" * 100)
    with pytest.raises(StoreDamagedError, match=r"is damaged .*; delete .*chroma and run `copi"):
        VectorStore(connect(None, folder), LocalEmbedder()).count()


def test_diverse_search_skips_near_duplicates(corpus: Path, tmp_path: Path) -> None:
    copy = corpus / "docs" / "reset-copy.md"
    copy.write_text(DOCS["docs/reset.md"].replace("# Reset", "# Reset (copy)"))
    store = VectorStore(connect(None, tmp_path / "chroma"), LocalEmbedder())
    ingest([corpus / "docs"], corpus, store)
    retriever = Retriever(store)

    def holds(results: list[SearchResult]) -> int:
        return sum("Hold the touch button" in r.chunk.text for r in results)

    assert holds(retriever.search("hold the touch button to reset", k=2)) == 2
    assert holds(retriever.search("hold the touch button to reset", k=2, diverse=True)) == 1


def test_search_sees_changes_made_by_another_process(corpus: Path, tmp_path: Path) -> None:
    """Same chunk count before and after, so only the generation token can tell."""
    reader = Retriever(VectorStore(connect(None, tmp_path / "chroma"), LocalEmbedder()))
    writer = VectorStore(connect(None, tmp_path / "chroma"), LocalEmbedder())
    ingest([corpus / "docs"], corpus, writer)
    assert reader.search("Bluetooth", k=1)[0].chunk.source == "docs/app.txt"
    (corpus / "docs" / "app.txt").write_text(
        "The app finds the lamp over Zigbee.\n\nIt works offline.\n"
    )
    ingest([corpus / "docs"], corpus, writer)
    top = reader.search("Zigbee", k=1)[0]
    assert "Zigbee" in top.chunk.text
    assert top.scores.get("bm25", 0) > 0


def test_large_indexes_are_read_and_deleted_in_pages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A single `get` of a whole large index fails inside Chroma's SQLite ("too many SQL
    variables", found at 100k chunks); a small page size shows every path pages correctly."""
    from scaffolder.kit.retrieval import store as store_module

    monkeypatch.setattr(store_module, "PAGE", 7)
    docs = tmp_path / "docs"
    docs.mkdir()
    for n in range(4):
        sections = "\n\n".join(
            f"# Part {n}.{i}\n\nParagraph {n} {i} about lamps." for i in range(6)
        )
        (docs / f"file{n}.md").write_text(sections)
    store = VectorStore(connect(None, tmp_path / "chroma"), LocalEmbedder())
    report = ingest([docs], tmp_path, store)
    assert report.added == 24 == store.count()
    assert len(store.ids()) == 24 == len(store.chunks())
    assert sum(len(chunks) for chunks in store.sources().values()) == 24
    assert len(store.vectors(sorted(store.ids()))) == 24
    (docs / "file0.md").unlink()
    (docs / "file1.md").unlink()
    assert ingest([docs], tmp_path, store).removed == 12
    assert store.count() == 12


class FullReadCountingStore(VectorStore):
    """A real store that counts reads of every chunk (what building the BM25 side costs)."""

    full_reads = 0

    def texts(self, at: Snapshot) -> list[StoredText]:
        self.full_reads += 1
        return super().texts(at)


def test_the_bm25_side_is_saved_for_the_next_process_until_the_store_changes(
    corpus: Path, tmp_path: Path
) -> None:
    saved = tmp_path / "bm25"
    store = FullReadCountingStore(connect(None, tmp_path / "chroma"), LocalEmbedder())
    ingest([corpus / "docs"], corpus, store)
    query = "how do I reset the lamp"
    first = Retriever(store, index_dir=saved).search(query, k=2)
    assert store.full_reads == 1
    [file] = saved.iterdir()
    # A new process: same answers, loaded from the file, no full read.
    again = Retriever(store, index_dir=saved).search(query, k=2)
    assert store.full_reads == 1
    assert again == first
    # The store changes: the saved side is stale, rebuilt once, and the old file goes.
    (corpus / "docs" / "reset.md").unlink()
    ingest([corpus / "docs"], corpus, store)
    after = Retriever(store, index_dir=saved).search(query, k=2)
    assert store.full_reads == 2
    assert all(result.chunk.source != "docs/reset.md" for result in after)
    assert [path.name for path in saved.iterdir()] != [file.name]
    assert len(list(saved.iterdir())) == 1


def test_an_unreadable_saved_bm25_side_is_rebuilt(corpus: Path, tmp_path: Path) -> None:
    saved = tmp_path / "bm25"
    store = FullReadCountingStore(connect(None, tmp_path / "chroma"), LocalEmbedder())
    ingest([corpus / "docs"], corpus, store)
    expected = Retriever(store, index_dir=saved).search("reset", k=2)
    [file] = saved.iterdir()
    file.write_text("{not json")
    assert Retriever(store, index_dir=saved).search("reset", k=2) == expected
    assert store.full_reads == 2
    # Rewritten whole: the next process loads it without reading the store.
    assert Retriever(store, index_dir=saved).search("reset", k=2) == expected
    assert store.full_reads == 2


def test_the_vector_index_is_saved_with_every_batch_so_every_process_reads_one_graph(
    client: object, corpus: Path
) -> None:
    """Chroma rebuilds an unsaved HNSW graph whenever a process opens the collection, and the
    build is not deterministic: below its default save point of 1000 rows, the same question
    found different nearest chunks from one process to the next (writer.HNSW_SETTINGS)."""
    store = VectorStore(client, LocalEmbedder())
    ingest([corpus / "docs"], corpus, store)
    collection = store.snapshot().collection
    assert collection is not None
    hnsw = collection.configuration["hnsw"]
    assert hnsw is not None
    assert (hnsw["space"], hnsw["sync_threshold"]) == ("cosine", 100)
    # A wide search, so two builds of one corpus find the same neighbours (vector_recall.py).
    assert hnsw["ef_search"] == 500
    assert collection.metadata["hnsw:batch_size"] == 100


SHARED = (
    "## legacy-bundling\n\nInstall every package in its own folder, so nothing is deduplicated.\n"
)


def test_a_passage_repeated_in_several_files_is_given_once(tmp_path: Path) -> None:
    """A configuration reference included in every command's page scores alike in each copy:
    without distinct passages, its copies filled every slot and the page that answers had
    none."""
    files = {
        f"cli/{name}.md": f"# {name}\n\n{summary}\n\n{SHARED}"
        for name, summary in [("ci", "Runs a clean install."), ("link", "Links a folder.")]
    }
    files["cli/dedupe.md"] = "# dedupe\n\nMoves a package up the folder tree to share one copy.\n"
    store = indexed(tmp_path, "docs", files)
    question = "Is every package installed in its own folder?"
    results = Retriever(store).search(question, k=2)
    shared = [result for result in results if "legacy-bundling" in result.chunk.text]
    assert len(results) == 2 and len(shared) == 1
    assert results[0] == shared[0]  # the copy, once, in its place


def test_bm25_ranks_a_chunk_by_its_own_words_and_the_heading_path_stays_its_context(
    tmp_path: Path,
) -> None:
    """Every page's title names the product, so reading the heading path with each chunk
    would put "lamp" in every chunk and make the corpus's own subject weigh nothing (a
    question naming it would look off-topic to answerability). A chunk counts the words it
    holds; its heading path is kept for the citation and the reader."""
    files = {
        "lamp/app.md": "# Acme lamp: the app\n\nScenes and schedules.\n\n## Scenes\n\n"
        "A scene keeps a brightness.\n",
        "lamp/care.md": "# Acme lamp: care\n\nWipe it dry.\n\n## Cleaning\n\nUse a soft cloth.\n",
    }
    store = indexed(tmp_path, "docs", files)
    assert store.count() == 4
    lexical = Retriever(store, dense_weight=0.0).search("acme lamp", k=4)
    matched = [result.chunk for result in lexical if "bm25" in result.scores]
    assert len(matched) == 2 and all("Acme lamp" in chunk.text for chunk in matched)
    scenes = next(result.chunk for result in lexical if "A scene" in result.chunk.text)
    assert scenes.section == "Acme lamp: the app > Scenes"


def test_the_rest_of_a_question_ranks_the_passages_of_the_document_it_names(
    tmp_path: Path,
) -> None:
    """Every passage of grep's page is about grep, so within the page the name tells no
    passage from another: the rest of the question ranks them. The passage that only
    repeats the name gets no place in the named ranking; the one on case does."""
    files = {
        "man/grep.md": "# grep\n\ngrep prints lines; grep reads files; GNU grep.\n\n"
        "## Matching\n\nUse -i to ignore case when matching.\n",
        "man/find.md": "# find\n\nfind walks directory trees.\n",
    }
    store = indexed(tmp_path, "docs", files)
    results = Retriever(store, dense_weight=0.0).search("How do I make grep ignore case?", k=3)
    named = {result.chunk.text.splitlines()[-1]: result.scores.get("named") for result in results}
    assert named["Use -i to ignore case when matching."] is not None
    assert named["grep prints lines; grep reads files; GNU grep."] is None
    assert results[0].chunk.text.endswith("Use -i to ignore case when matching.")


def test_a_question_that_only_names_a_document_gets_its_opening_first(tmp_path: Path) -> None:
    """ "What is express?" asks what the page is, which its first paragraph says, though it
    rarely repeats the name; the passages that say "express" most came first before. A
    question that asks more of the page ranks it by what it asks, and a filter still holds."""
    files = {
        "npm/express.md": "# Introduction\n\nFast, minimalist web framework for Node.js.\n\n"
        + "".join(
            f"## Part {n}\n\nUse express with express.Router; express apps.\n\n" for n in range(4)
        )
        + "## Routing\n\nA route answers one path and method.\n",
        "npm/morgan.md": "# morgan\n\nLogs the requests of an express app: express middleware.\n",
    }
    retriever = Retriever(indexed(tmp_path, "docs", files), index_dir=tmp_path / "bm25")
    for question in ("What is express?", "tell me about express", "What does express do?"):
        first, *others = retriever.search(question, k=3)
        assert (first.chunk.source, first.chunk.start_line) == ("npm/express.md", 1), question
        assert first.opening and not any(result.opening for result in others), question
    routing = retriever.search("How does routing work in express?", k=3)
    assert routing[0].chunk.text.startswith("## Routing")
    assert not any(result.opening for result in routing)
    only_morgan = retriever.search("What is express?", k=3, where={"source": "npm/morgan.md"})
    assert {result.chunk.source for result in only_morgan} == {"npm/morgan.md"}


def test_a_name_of_several_words_is_named_by_its_words_in_order(tmp_path: Path) -> None:
    """People write the command `npm ci` for the page `npm-ci.md`; a name of stopwords only
    (`how-to`) names nothing, like a one-word stopword."""
    files = {
        "cli/npm-ci.md": "# npm ci\n\nInstalls from the lock file only.\n",
        "cli/npm-install.md": "# npm install\n\nInstalls a package and what it needs.\n",
        "guides/how-to.md": "# Guides\n\nRead these first.\n",
    }
    store = indexed(tmp_path, "docs", files)
    view = Retriever(store).view()
    assert view.chunks_named_in("What does npm ci do with node_modules?") == view.named["npm-ci"]
    assert view.chunks_named_in("npm-install or NPM_CI?") == (
        view.named["npm-install"] | view.named["npm-ci"]
    )
    assert view.chunks_named_in("Is ci faster than npm?") == frozenset()  # not in order
    assert view.chunks_named_in("What does NpmCi do?") == view.named["npm-ci"]  # code's way
    assert view.chunks_named_in("What does npmcix do?") == frozenset()
    assert "how-to" not in view.named
    assert view.chunks_named_in("how to install it?") == frozenset()


def test_a_file_with_no_text_to_index_is_skipped_with_the_reason(tmp_path: Path) -> None:
    """A page of front matter only or a PDF of scanned images makes no chunk: the report says
    so (a team learns nothing in it can be answered from), and the other files are ingested."""
    root = written(
        tmp_path / "docs",
        {"meta.md": "---\ntitle: Only metadata\n---\n", "guide.md": "# Guide\n\nRead this.\n"},
    )
    (root / "scan.pdf").write_bytes(make_pdf([[]]))
    store = VectorStore(connect(None, tmp_path / "chroma"), LocalEmbedder())
    report = ingest([root], root, store)
    assert report.files == 1
    assert sorted(report.skipped) == [("meta.md", NO_TEXT), ("scan.pdf", NO_TEXT)]
    assert report.failed == 0
    assert {chunk.source for chunk in store.chunks()} == {"guide.md"}
