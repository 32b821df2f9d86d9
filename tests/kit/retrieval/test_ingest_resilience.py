"""One bad file never stops an ingest: symlinks, unreadable, broken and vanishing files are
skips with reasons, and the other files are ingested (real files, real Chroma)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from scaffolder.kit.retrieval.embedders import LocalEmbedder
from scaffolder.kit.retrieval.ingest import NothingIngestedError, ingest
from scaffolder.kit.retrieval.store import VectorStore, connect


def store_at(tmp_path: Path) -> VectorStore:
    return VectorStore(connect(None, tmp_path / "chroma"), LocalEmbedder())


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    data = root / "data"
    (data / "guides").mkdir(parents=True)
    (data / "reset.md").write_text("# Reset\n\nHold the touch button for twenty seconds.\n")
    (data / "power.md").write_text("# Power\n\nThe lamp draws at most 9 W.\n")
    (root / "secret.md").write_text("# Secret\n\nThe admin password is hunter2.\n")
    return root


def test_symlinks_inside_are_followed_once_and_the_rest_are_skipped(
    project: Path, tmp_path: Path
) -> None:
    data = project / "data"
    (data / "alias.md").symlink_to("reset.md")  # inside data/: same file, read once
    (data / "guides" / "power-link.md").symlink_to("../power.md")
    (data / "secret.md").symlink_to("../secret.md")  # in the project, but outside data/
    (data / "passwd.txt").symlink_to("/etc/passwd")
    (data / "dangling.md").symlink_to("nowhere.md")
    (data / "loop-a.md").symlink_to("loop-b.md")
    (data / "loop-b.md").symlink_to("loop-a.md")
    (data / "up").symlink_to("..")  # a folder link leaving data/
    (data / "again").symlink_to(".")  # a folder link back into itself
    store = store_at(tmp_path)
    report = ingest([data], project, store)
    assert {chunk.source for chunk in store.chunks()} == {"data/reset.md", "data/power.md"}
    assert report.files == 2
    assert not any("hunter2" in chunk.text for chunk in store.chunks())
    reasons = dict(report.skipped)
    assert reasons["data/secret.md"] == "symbolic link to ../secret.md, outside data/: not followed"
    assert reasons["data/passwd.txt"].endswith("outside data/: not followed")
    assert reasons["data/up"].endswith("outside data/: not followed")
    assert reasons["data/dangling.md"] == "broken symbolic link (its target does not exist)"
    assert reasons["data/loop-a.md"] == reasons["data/loop-b.md"] == "symbolic link loop"
    assert "data/again" not in reasons  # already walked: nothing new, nothing to report


def test_a_broken_file_is_skipped_and_the_others_are_ingested(
    project: Path, tmp_path: Path
) -> None:
    data = project / "data"
    (data / "broken.pdf").write_bytes(b"%PDF-1.7\n" + os.urandom(2000))
    (data / "latin1.txt").write_bytes(b"caf\xe9\n")
    store = store_at(tmp_path)
    report = ingest([data], project, store)
    assert {chunk.source for chunk in store.chunks()} == {"data/reset.md", "data/power.md"}
    reasons = dict(report.skipped)
    assert reasons["data/broken.pdf"].startswith("broken PDF")
    assert reasons["data/latin1.txt"] == "not UTF-8 text (invalid byte at offset 3)"


def test_a_file_vanishing_midway_keeps_its_last_version(project: Path, tmp_path: Path) -> None:
    data = project / "data"
    store = store_at(tmp_path)
    ingest([data], project, store)
    (data / "power.md").write_text("# Power\n\nThe lamp now draws 12 W.\n")

    def vanish(source: str) -> None:  # the file disappears after it was listed
        if source == "data/power.md":
            (data / "power.md").unlink()

    report = ingest([data], project, store, vanish)
    assert report.skipped == [("data/power.md", "cannot be read: No such file or directory")]
    power = [chunk.text for chunk in store.chunks() if chunk.source == "data/power.md"]
    assert power == ["# Power\n\nThe lamp draws at most 9 W."]
    # Once it is really gone, the next ingest removes it.
    assert ingest([data], project, store).deleted_files == 1


def test_when_no_file_can_be_read_it_is_one_error_with_the_reasons(
    project: Path, tmp_path: Path
) -> None:
    data = project / "data"

    def vanish(source: str) -> None:
        (project / source).unlink()

    with pytest.raises(
        NothingIngestedError, match=r"nothing could be ingested .*2 file\(s\)"
    ) as error:
        ingest([data], project, store_at(tmp_path), vanish)
    assert error.value.exit_code == 1
    assert len(error.value.report.skipped) == 2
    (data / "notes.csv").write_text("a,b\n")
    with pytest.raises(NothingIngestedError, match=r"no supported files \(1 skipped\)") as refused:
        ingest([data], project, store_at(tmp_path))
    assert refused.value.exit_code == 2
