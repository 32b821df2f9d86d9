from __future__ import annotations

from pathlib import Path

import pytest

from scaffolder.cli.project import PROJECT_COMMANDS
from tests.cli.conftest import Invoke
from tests.conftest import ChangeDir


@pytest.mark.parametrize("command", sorted(PROJECT_COMMANDS))
def test_outside_a_project_they_say_they_need_one(
    copilot: Invoke,
    tmp_path: Path,
    chdir: ChangeDir,
    command: str,
) -> None:
    chdir(tmp_path)
    result = copilot(command, "some", "--argument")
    assert result.exit_code == 2
    assert f"`copilot {command}` runs inside a copilot project" in result.stderr


def test_inside_a_project_they_find_it_from_a_subdirectory(
    copilot: Invoke,
    tmp_path: Path,
    chdir: ChangeDir,
) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.copilot]\ntemplate = "qa-rag"\n')
    (tmp_path / "src" / "deep").mkdir(parents=True)
    chdir(tmp_path / "src" / "deep")
    result = copilot("ask", "how do I reset it?")
    assert "runs inside a copilot project" not in result.stderr
    assert "not available in copilot" in result.stderr


def test_a_pyproject_without_the_table_is_not_a_project(
    copilot: Invoke,
    tmp_path: Path,
    chdir: ChangeDir,
) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    chdir(tmp_path)
    assert "runs inside a copilot project" in copilot("ask", "hi").stderr


def test_a_broken_pyproject_is_a_clear_error(
    copilot: Invoke, tmp_path: Path, chdir: ChangeDir
) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.copilot\n")
    chdir(tmp_path)
    result = copilot("chat")
    assert result.exit_code == 2
    assert "is not valid TOML" in result.stderr
