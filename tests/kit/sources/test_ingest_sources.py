"""Ingesting a repository outside the project: citations `<source>/<path>`, the source's own
`.gitignore`, symlinks kept inside the source, and incremental re-ingest of one edited file."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from scaffolder.errors import UsageError
from scaffolder.kit.retrieval.embedders import LocalEmbedder
from scaffolder.kit.retrieval.ingest import IngestReport, ingest
from scaffolder.kit.retrieval.retriever import open_retriever
from scaffolder.kit.retrieval.store import VectorStore, open_store
from scaffolder.kit.settings import CopilotSettings
from scaffolder.kit.sources import SourceMap


class CountingEmbedder(LocalEmbedder):
    """The offline embedder, counting the texts it embeds (to prove what was re-embedded)."""

    texts: list[str]

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        self.texts.extend(texts)
        return super().embed(texts)


def store_for(project: Path, embedder: LocalEmbedder | None = None) -> VectorStore:
    settings = CopilotSettings.load(project, env_file=None)
    store = open_store(settings, project)
    if embedder is not None:
        store.embedder = embedder
    return store


def test_an_outside_repository_is_cited_as_source_slash_path(team: tuple[Path, Path]) -> None:
    project, repo = team
    roots = SourceMap.of(project, ["../jsonlib"])
    store = store_for(project)
    report = ingest([repo, project / "data"], project, store, sources=roots)
    sources = set(store.sources())
    assert "jsonlib/decoder.py" in sources and "data/guide.md" in sources
    assert "jsonlib/tool.py" not in sources  # the source's .gitignore
    assert not any(s.startswith("jsonlib/build/") for s in sources)
    assert report.files == 5  # __init__, decoder, encoder, scanner; guide.md
    settings = CopilotSettings.load(project, env_file=None)
    found = open_retriever(settings, project).search("decode a JSON document from a str", 4)
    top = found[0].chunk
    assert top.source == "jsonlib/decoder.py"
    assert top.origin == "jsonlib"
    assert top.citation().startswith("jsonlib/decoder.py, class JSONDecoder")
    # The cited lines are the source file's lines.
    lines = (repo / "decoder.py").read_text().split("\n")
    assert "\n".join(lines[top.start_line - 1 : top.end_line]) == top.text


def test_re_ingesting_after_one_edit_re_embeds_only_that_file(team: tuple[Path, Path]) -> None:
    project, repo = team
    roots = SourceMap.of(project, ["../jsonlib"])
    embedder = CountingEmbedder()
    embedder.texts = []
    store = store_for(project, embedder)
    ingest([repo], project, store, sources=roots)
    first = len(embedder.texts)
    embedder.texts.clear()
    with (repo / "scanner.py").open("a") as handle:
        handle.write("\n\ndef added_helper():\n    return 'new'\n")
    report = ingest([repo], project, store, sources=roots)
    assert (report.files, report.unchanged_files) == (4, 3)
    assert embedder.texts and all("added_helper" in text for text in embedder.texts)
    assert len(embedder.texts) < first
    assert report.added == len(embedder.texts) and report.removed == 0
    (repo / "encoder.py").unlink()
    gone = ingest([repo], project, store, sources=roots)
    assert gone.deleted_files == 1
    assert "jsonlib/encoder.py" not in store.sources()


def test_ingesting_the_whole_project_keeps_the_sources(team: tuple[Path, Path]) -> None:
    """The project's own folder does not hold the sources' files: their absence from it is
    no deletion (the old code treated every stored file as under the project root)."""
    project, repo = team
    roots = SourceMap.of(project, ["../jsonlib"])
    store = store_for(project)
    ingest([repo], project, store, sources=roots)
    ingest([project], project, store, sources=roots)
    assert "jsonlib/decoder.py" in store.sources()


def test_symlinks_in_a_source_stay_inside_it(team: tuple[Path, Path], tmp_path: Path) -> None:
    project, repo = team
    secret = tmp_path / "secret.md"
    secret.write_text("# Secret\n\nthe deploy key\n")
    (repo / "leak.md").symlink_to(secret)
    (repo / "alias.py").symlink_to(repo / "scanner.py")
    (repo / "project-link").symlink_to(project)
    roots = SourceMap.of(project, ["../jsonlib"])
    store = store_for(project)
    report = ingest([repo], project, store, sources=roots)
    skipped = dict(report.skipped)
    assert skipped["jsonlib/leak.md"].startswith(f"symbolic link to {secret}, outside")
    assert "not followed" in skipped["jsonlib/project-link"]
    assert not any(s.startswith(("jsonlib/leak", "data/")) for s in store.sources())
    assert "jsonlib/scanner.py" in store.sources()  # read once, under its real name


def test_a_path_outside_the_project_and_every_source_is_refused(team: tuple[Path, Path]) -> None:
    project, repo = team
    with pytest.raises(UsageError, match=r"outside the ingest root .* every configured source"):
        ingest([repo], project, store_for(project), sources=SourceMap.of(project))


def test_a_callers_report_shows_progress_counts(team: tuple[Path, Path]) -> None:
    project, repo = team
    (repo / "notes.bin").write_bytes(b"\0\1")
    report = IngestReport()
    lines: list[str] = []
    ingest(
        [repo], project, store_for(project), lambda _: lines.append(report.progress_line()),
        sources=SourceMap.of(project, ["../jsonlib"]), report=report,
    )  # fmt: skip
    assert len(lines) == 6  # once per file walked, skipped ones too
    assert lines[1] == "1 file(s) seen, 0 indexed (0 changed), 1 skipped", lines  # .gitignore
    assert report.progress_line() == "6 file(s) seen, 4 indexed (4 changed), 2 skipped"
