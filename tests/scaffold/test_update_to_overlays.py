"""A project made with template v0.5.1 (from the shipped bundle, released before templates
were a base layer plus overlays) reaches v0.6.0 with `copilot update` (the shipped release; before
it shipped, the working templates released into a copy of the bundle): the team's edits in files
that moved to the base layer survive, nothing of the layout (base/, overlay.yml) leaks into the
project, and the updated project's own test suite passes. Old versions are never rewritten."""

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

OLD = "0.5.1"
NEW = "0.6.0"


@pytest.fixture
def histories(tmp_path: Path) -> tuple[TemplateHistory, TemplateHistory]:
    return shipped_histories(tmp_path, OLD, NEW)


@pytest.mark.parametrize("template", ["qa-rag", "code-assistant"])
def test_a_051_project_updates_to_the_assembled_templates(
    histories: tuple[TemplateHistory, TemplateHistory], tmp_path: Path, template: str
) -> None:
    old, new = histories
    project = create_project(NewProjectRequest(template, tmp_path / "bot"), old).destination
    # The team's edits in files that now live in base/ (README, .gitignore, CI) and in the
    # pyproject the overlay's values complete.
    edit(project / "README.md", "## Updating", "## Updating (ask Dana first)")
    (project / ".gitignore").write_text((project / ".gitignore").read_text() + "scratch/\n")
    edit(project / "pyproject.toml", "line-length = 100", "line-length = 110")
    git(project, "commit", "-qam", "our edits")

    result = update_project(UpdateRequest(project), new)

    assert result.conflicts == []
    assert git(project, "ls-files", "-u") == ""
    assert "## Updating (ask Dana first)" in (project / "README.md").read_text()
    assert "scratch/" in (project / ".gitignore").read_text()
    assert "line-length = 110" in (project / "pyproject.toml").read_text()
    assert "_commit: v0.6.0" in (project / ".copier-answers.yml").read_text()
    assert not list(project.rglob("overlay.yml"))
    assert not (project / "base").exists()
    for path in project.rglob("*"):
        if path.is_file() and ".git" not in path.parts:
            assert b"<<<<<<<" not in path.read_bytes(), path

    tests = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider"],
        cwd=project,
        env={**os.environ, "COPILOT_PROVIDER": "offline"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert tests.returncode == 0, tests.stdout[-3000:] + tests.stderr[-2000:]
