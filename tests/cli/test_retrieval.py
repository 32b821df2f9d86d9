from __future__ import annotations

import json
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
