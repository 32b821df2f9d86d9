"""A project made with template v0.4.1 (from the shipped bundle) reaches the release that made
the project its own composition root, with `copilot update`: the team's edits in files the
update also changes survive, the skill code moves into the package, and the updated
project's own test suite passes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from scaffolder.scaffold import (
    NewProjectRequest,
    TemplateHistory,
    UpdateRequest,
    create_project,
    release_templates,
    update_project,
)
from scaffolder.scaffold._history import PACKAGED_BUNDLE, PACKAGED_LOCK
from tests.conftest import TEMPLATES

pytestmark = [pytest.mark.usefixtures("git_identity"), pytest.mark.slow]

OLD = "0.4.1"
NEW = "0.5.0"


def git(project: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=project, check=True, capture_output=True, text=True
    ).stdout


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new), encoding="utf-8")


@pytest.fixture
def histories(tmp_path: Path) -> tuple[TemplateHistory, TemplateHistory]:
    """The shipped history (v0.4.1 and before), and the same plus the current templates
    released as the new version, in copies: the shipped files are never written."""
    bundle, lock = tmp_path / "templates.bundle", tmp_path / "templates.lock.json"
    shutil.copy(PACKAGED_BUNDLE, bundle)
    shutil.copy(PACKAGED_LOCK, lock)
    old = TemplateHistory(bundle=bundle, lock=lock, version=OLD)
    if NEW not in old.released:
        templates = tmp_path / "templates"
        shutil.copytree(TEMPLATES, templates, ignore=shutil.ignore_patterns("__pycache__"))
        release_templates(templates, NEW, bundle, lock)
    return old, TemplateHistory(bundle=bundle, lock=lock, version=NEW)


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
