"""A project made with template v0.4.1 (from the shipped bundle) reaches the release that made
the project its own composition root, with `copilot update`: the team's edits in files the
update also changes survive, the skill code moves into the package, and the updated
project's own test suite passes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from scaffolder.scaffold import (
    NewProjectRequest,
    TemplateHistory,
    UpdateRequest,
    create_project,
    update_project,
)
from tests.scaffold.shipped import edit, git, shipped_histories

pytestmark = [pytest.mark.usefixtures("git_identity"), pytest.mark.slow]

OLD = "0.4.1"
NEW = "0.5.0"


@pytest.fixture
def histories(tmp_path: Path) -> tuple[TemplateHistory, TemplateHistory]:
    return shipped_histories(tmp_path, OLD, NEW)


def test_a_041_project_updates_to_its_own_composition_root(
    histories: tuple[TemplateHistory, TemplateHistory], tmp_path: Path
) -> None:
    old, new = histories
    project = create_project(NewProjectRequest("qa-rag", tmp_path / "bot"), old).destination
    assert not (project / "src" / "bot" / "app.py").exists()
    assert (project / "skills" / "answer" / "skill.py").is_file()
    # The team's edits, in files the update also changes (pyproject.toml, README.md) and in
    # one it leaves alone (the answer skill's examples).
    edit(project / "pyproject.toml", "line-length = 100", "line-length = 110")
    edit(project / "README.md", "## Updating", "## Updating (ask Dana first)")
    examples = project / "skills" / "answer" / "examples.txt"
    examples.write_text(examples.read_text() + "how bright can the lamp get at night?\n")
    git(project, "commit", "-qam", "our edits")

    result = update_project(UpdateRequest(project), new)

    assert result.conflicts == []
    assert git(project, "ls-files", "-u") == ""
    pyproject = (project / "pyproject.toml").read_text()
    assert "line-length = 110" in pyproject
    assert 'app = "bot.app:build"' in pyproject
    assert "## Updating (ask Dana first)" in (project / "README.md").read_text()
    assert "how bright can the lamp get at night?" in examples.read_text()
    # The skill code moved into the package; the reviewable data stayed in skills/.
    assert (project / "src" / "bot" / "app.py").is_file()
    assert (project / "src" / "bot" / "skills" / "answer.py").is_file()
    assert not (project / "skills" / "answer" / "skill.py").exists()
    assert not (project / "src" / "bot" / "llm.py").exists()
    for text in (project / "src").rglob("*.py"):
        assert "<<<<<<<" not in text.read_text()

    tests = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider"],
        cwd=project,
        env={**os.environ, "COPILOT_PROVIDER": "offline"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert tests.returncode == 0, tests.stdout[-3000:] + tests.stderr[-2000:]
