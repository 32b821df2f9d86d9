from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.conftest import Invoke
from tests.conftest import ChangeDir


@pytest.fixture
def project(tmp_path: Path, chdir: ChangeDir) -> Path:
    (tmp_path / "pyproject.toml").write_text('[tool.copilot]\ntemplate = "qa-rag"\n')
    data = tmp_path / "data"
    data.mkdir()
    (data / "reset.md").write_text("# Reset\n\nHold the touch button for twenty seconds.\n")
    (data / "power.md").write_text("# Power\n\nThe lamp draws at most 9 W.\n")
    (data / "photo.png").write_bytes(b"\x89PNG\0\0")
    chdir(tmp_path)
    return tmp_path


@pytest.mark.usefixtures("project")
def test_ingest_then_search(copilot: Invoke) -> None:
    first = copilot("ingest")
    assert first.exit_code == 0, first.output
    assert "Ingested 2 file(s) (0 unchanged); chunks: 2 added, 0 removed, 0 unchanged" in (
        first.stdout
    )
    assert "skipped data/photo.png: unsupported file type '.png'" in first.stderr
    again = copilot("ingest", "data")
    assert "2 file(s) (2 unchanged); chunks: 0 added" in again.stdout
    found = copilot("search", "how long do I hold the button", "--json", "-k", "1")
    (top,) = json.loads(found.stdout)
    assert top["citation"] == "data/reset.md, Reset, lines 1-3"
    assert top["rank"] == 1
    text = copilot("search", "how much power does the lamp draw")
    assert text.stdout.startswith("[1] data/power.md, Power, lines 1-3")


@pytest.mark.usefixtures("project")
def test_ingest_errors(copilot: Invoke) -> None:
    result = copilot("ingest", "missing/")
    assert result.exit_code == 2
    assert result.stderr.strip().endswith("does not exist")


def test_outside_a_project(copilot: Invoke, tmp_path: Path, chdir: ChangeDir) -> None:
    chdir(tmp_path)
    assert copilot("search", "x").exit_code == 2


OSC52 = "\x1b]52;c;cm0gLXJmIH4=\x07"  # a clipboard write: "rm -rf ~"
RED = "\x1b[31m"


def no_escapes(text: str) -> bool:
    return not any(c in text for c in "\x1b\x07\x9b\x9d")


@pytest.mark.usefixtures("project")
def test_search_and_ingest_print_no_escape_sequences_from_documents_or_names(
    copilot: Invoke, project: Path
) -> None:
    data = project / "data"
    (data / f"lamp{OSC52}.md").write_text(
        f"# Colours {RED}red{RESET}\n\nThe lamp glows {OSC52}amber at night\x9b2J.\n"
    )
    (data / f"notes{OSC52}.csv").write_text("a,b\n")
    ingested = copilot("ingest")
    assert ingested.exit_code == 0, ingested.output
    assert no_escapes(ingested.stdout + ingested.stderr)
    assert "skipped data/notes.csv: unsupported file type '.csv'" in ingested.stderr
    found = copilot("search", "lamp glows amber at night")
    assert found.exit_code == 0, found.output
    assert no_escapes(found.stdout)
    assert "The lamp glows amber at night." in found.stdout
    as_json = copilot("search", "lamp glows amber at night", "--json")
    assert no_escapes(as_json.stdout)
    top = json.loads(as_json.stdout)[0]
    assert OSC52 in top["text"] and OSC52 in top["source"]  # JSON keeps the data, escaped


RESET = "\x1b[0m"


@pytest.mark.usefixtures("project")
def test_a_symlink_does_not_stop_the_ingest(copilot: Invoke, project: Path) -> None:
    data = project / "data"
    (data / "alias.md").symlink_to("reset.md")
    (data / "outside.md").symlink_to(project / "pyproject.toml")
    result = copilot("ingest")
    assert result.exit_code == 0, result.output
    assert "Ingested 2 file(s)" in result.stdout
    assert "skipped data/outside.md: symbolic link to " in result.stderr


@pytest.mark.usefixtures("project")
def test_nothing_ingestable_is_one_line_with_the_reasons(copilot: Invoke, project: Path) -> None:
    for name in ("reset.md", "power.md"):
        (project / "data" / name).unlink()
    result = copilot("ingest")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1].startswith("error: nothing to ingest in ")
    assert "skipped data/photo.png: unsupported file type '.png'" in result.stderr
    assert "Traceback" not in result.stderr


def damage(path: Path) -> None:
    path.write_bytes(random.Random(7).randbytes(max(path.stat().st_size, 4096)))


@pytest.mark.usefixtures("project")
@pytest.mark.parametrize("command", [("search", "reset"), ("ingest",)])
def test_a_damaged_store_is_one_line_naming_it_with_exit_3(
    copilot: Invoke, project: Path, command: tuple[str, ...]
) -> None:
    assert copilot("ingest").exit_code == 0
    damage(project / ".copilot" / "chroma" / "chroma.sqlite3")
    result = copilot(*command)
    assert result.exit_code == 3, result.output
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(
        f"error: the vector store in {project / '.copilot' / 'chroma'} is damaged"
    )
    assert line.endswith(f"delete {project / '.copilot' / 'chroma'} and run `copilot ingest`")


def test_a_damaged_vector_segment_is_exit_3_too(copilot: Invoke, project: Path) -> None:
    """Over 1000 chunks, Chroma writes an HNSW segment; garbage in its header made chromadb
    raise InternalError from deep inside its Rust side. A new process, as a user's next
    command: in this one Chroma keeps the segment it already loaded."""
    for n in range(10):
        sections = "".join(f"# S{n}.{i}\n\nlamp {i} word{n}x{i}\n\n" for i in range(110))
        (project / "data" / f"bulk{n}.md").write_text(sections)
    assert copilot("ingest").exit_code == 0
    [segment] = [p.parent for p in (project / ".copilot").rglob("index_metadata.pickle")]
    damage(segment / "header.bin")
    result = subprocess.run(
        [sys.executable, "-m", "scaffolder", "search", "lamp"],
        cwd=project, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 3, result.stderr
    assert "is damaged" in result.stderr and "Traceback" not in result.stderr
