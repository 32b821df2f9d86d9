"""`[tool.copilot] sources`: names, the one-line refusals, and recording a folder in
pyproject.toml without disturbing the rest of the file."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from pydantic import ValidationError

from scaffolder.errors import UsageError
from scaffolder.kit.settings import CopilotSettings, settings_problem
from scaffolder.kit.sources import SourceError, SourceMap
from scaffolder.kit.sources_record import entry_for, record_sources


def test_names_are_folder_names_made_unique(team: tuple[Path, Path], tmp_path: Path) -> None:
    project, repo = team
    (tmp_path / "other" / "jsonlib").mkdir(parents=True)
    (tmp_path / "third" / "src").mkdir(parents=True)
    roots = SourceMap.of(project, ["../jsonlib", str(tmp_path / "other/jsonlib"), "../third/src"])
    assert [s.name for s in roots.sources] == ["jsonlib", "jsonlib-2", "src-2"]  # src: project's
    assert roots.sources[0].root == repo
    assert roots.split("jsonlib/decoder.py") == (roots.sources[0], "decoder.py")
    assert roots.split("src/bot.py") == (None, "src/bot.py")
    assert roots.split("jsonlib") == (None, "jsonlib")  # a source's root is no file
    assert roots.name_of(repo / "scanner.py") == "jsonlib/scanner.py"
    assert roots.name_of(project / "data" / "guide.md") == "data/guide.md"
    assert roots.name_of(tmp_path / "elsewhere.py") is None


def test_a_symlinked_source_keeps_its_own_name(team: tuple[Path, Path], tmp_path: Path) -> None:
    project, repo = team
    (tmp_path / "our-repo").symlink_to(repo)
    (source,) = SourceMap.of(project, ["../our-repo"]).sources
    assert (source.name, source.root) == ("our-repo", repo)


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("../missing", r"source '../missing' \(.*/missing\) does not exist"),
        ("../jsonlib/decoder.py", r"is a file, not a folder"),
        ("data", r"is inside the project"),
        (".", r"is inside the project"),
        ("..", r"contains the project"),
        ("", r"an empty entry names no folder"),
        ("../jsonlib/.git", r"inside a \.git/ folder"),
    ],
)
def test_bad_sources_are_one_line(team: tuple[Path, Path], entry: str, message: str) -> None:
    project, repo = team
    (repo / ".git").mkdir()
    with pytest.raises(SourceError, match=message) as caught:
        SourceMap.of(project, [entry])
    assert "\n" not in str(caught.value)


def test_overlapping_sources_are_refused(team: tuple[Path, Path]) -> None:
    project, repo = team
    with pytest.raises(SourceError, match=r"overlaps source '\.\./jsonlib'"):
        SourceMap.of(project, ["../jsonlib", "../jsonlib/build"])
    assert len(SourceMap.of(project, ["../jsonlib", str(repo)]).sources) == 1  # listed twice


def test_sources_must_be_a_list_of_paths(team: tuple[Path, Path]) -> None:
    project, _ = team
    for value in ('"../jsonlib"', "[1]"):
        (project / "pyproject.toml").write_text(f"[tool.copilot]\nsources = {value}\n")
        with pytest.raises(ValidationError) as caught:
            CopilotSettings.load(project, env_file=None)
        assert settings_problem(caught.value) == (
            'invalid settings: sources: must be a list of folder paths, like ["../our-repo"]'
        )


def test_recording_a_source_keeps_the_rest_of_the_file(team: tuple[Path, Path]) -> None:
    project, repo = team
    pyproject = project / "pyproject.toml"
    pyproject.write_text(
        '[project]\nname = "bot"  # the name\n\n[tool.copilot]\n# our settings\n'
        'template = "code-assistant"\n\n[tool.ruff]\nline-length = 100\n'
    )
    entry = entry_for(project, repo)
    assert entry == "../jsonlib"
    assert record_sources(project, [entry]) == ["../jsonlib"]
    text = pyproject.read_text()
    assert text == (
        '[project]\nname = "bot"  # the name\n\n[tool.copilot]\nsources = ["../jsonlib"]\n'
        '# our settings\ntemplate = "code-assistant"\n\n[tool.ruff]\nline-length = 100\n'
    )
    assert record_sources(project, ["../jsonlib"]) == []  # already there: untouched
    assert pyproject.read_text() == text
    assert CopilotSettings.load(project, env_file=None).sources == ["../jsonlib"]


def test_recording_replaces_a_multi_line_list(team: tuple[Path, Path]) -> None:
    project, _ = team
    pyproject = project / "pyproject.toml"
    pyproject.write_text('[tool.copilot]\nsources = [\n  "../a",\n  "../b",\n]\nx = 1\n')
    record_sources(project, ["../c"])
    table = tomllib.loads(pyproject.read_text())["tool"]["copilot"]
    assert table == {"sources": ["../a", "../b", "../c"], "x": 1}


def test_a_layout_it_cannot_edit_is_left_alone(team: tuple[Path, Path]) -> None:
    project, _ = team
    pyproject = project / "pyproject.toml"
    original = '[tool]\ncopilot.template = "code-assistant"\ncopilot.sources = ["../a"]\n'
    pyproject.write_text(original)
    with pytest.raises(UsageError, match=r"add sources = .* by hand"):
        record_sources(project, ["../jsonlib"])
    assert pyproject.read_text() == original
    assert not list(project.glob(".pyproject.toml*"))
