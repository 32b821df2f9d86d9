"""`copilot ingest` of a repository outside the project, recording it as a source, and the
one-line refusals (exit 2) for sources that are missing, files, or vanished later, which
`copilot doctor` reports too."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from tests.cli.conftest import Invoke
from tests.conftest import ChangeDir
from tests.kit.sources.conftest import team  # noqa: F401  (the fixture)


@pytest.fixture
def inside(team: tuple[Path, Path], chdir: ChangeDir) -> tuple[Path, Path]:  # noqa: F811
    chdir(team[0])
    return team


def sources_of(project: Path) -> list[str]:
    table = tomllib.loads((project / "pyproject.toml").read_text())["tool"]["copilot"]
    return list(table.get("sources", []))


def test_ingest_outside_folder_and_record_it(copilot: Invoke, inside: tuple[Path, Path]) -> None:
    project, _ = inside
    unsaved = copilot("ingest", "../jsonlib", "--no-save-source")
    assert unsaved.exit_code == 0, unsaved.output
    assert "4 file(s) (0 unchanged)" in unsaved.stdout
    assert "../jsonlib ingested but not recorded as a source" in unsaved.stderr
    assert sources_of(project) == []
    piped = copilot("ingest", "../jsonlib")  # no terminal to ask on: not recorded
    assert piped.exit_code == 0 and sources_of(project) == []
    saved = copilot("ingest", "../jsonlib", "--save-source")
    assert "Recorded ../jsonlib in [tool.copilot] sources." in saved.stdout
    assert sources_of(project) == ["../jsonlib"]
    every = copilot("ingest")  # data/ and every configured source
    assert "5 file(s) (4 unchanged)" in every.stdout, every.output
    found = copilot("search", "serialize a Python object to a JSON formatted str", "-k", "4")
    assert "jsonlib/__init__.py, def dumps" in found.stdout or "jsonlib/encoder.py" in found.stdout


@pytest.mark.parametrize(
    ("sources", "message"),
    [
        ('["../missing"]', "source '../missing' ({base}/missing) does not exist"),
        ('["../jsonlib/decoder.py"]', "source '../jsonlib/decoder.py' "
         "({base}/jsonlib/decoder.py) is a file, not a folder"),
        ('"../jsonlib"', 'invalid settings: sources: must be a list of folder paths, '
         'like ["../our-repo"]'),
    ],
)  # fmt: skip
def test_bad_configured_sources_are_one_line(
    copilot: Invoke, inside: tuple[Path, Path], sources: str, message: str
) -> None:
    project, repo = inside
    (project / "pyproject.toml").write_text(f"[tool.copilot]\nsources = {sources}\n")
    result = copilot("ingest")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [f"error: {message.format(base=repo.parent)}"]
    assert not (project / ".copilot" / "chroma").exists()


def test_bad_paths_on_the_command_line(copilot: Invoke, inside: tuple[Path, Path]) -> None:
    _, repo = inside
    as_file = copilot("ingest", "../jsonlib/decoder.py")
    assert as_file.exit_code == 2
    assert as_file.stderr.splitlines() == [
        f"error: {repo}/decoder.py is a file outside the project; give its folder to add the "
        "folder as a source"
    ]
    containing = copilot("ingest", "..", "--save-source")
    assert containing.exit_code == 2
    assert "contains the project" in containing.stderr and len(containing.stderr.splitlines()) == 1


def test_a_source_that_vanished_later(
    copilot: Invoke, inside: tuple[Path, Path], tmp_path: Path, installed: object
) -> None:
    project, repo = inside
    assert copilot("ingest", "../jsonlib", "--save-source").exit_code == 0
    doctor = copilot("doctor", str(project))
    assert re.search(r"✓ sources +jsonlib \(\.\./jsonlib\)", doctor.stdout), doctor.stdout
    repo.rename(tmp_path / "moved")
    again = copilot("ingest")
    assert again.exit_code == 2
    assert again.stderr.splitlines() == [
        f"error: source '../jsonlib' ({tmp_path}/jsonlib) does not exist"
    ]
    doctor = copilot("doctor", str(project))
    assert doctor.exit_code == 1
    line = next(line for line in doctor.stdout.splitlines() if "sources" in line)
    assert line.split(None, 2) == [
        "✗",
        "sources",
        f"source '../jsonlib' ({tmp_path}/jsonlib) does not exist",
    ]
