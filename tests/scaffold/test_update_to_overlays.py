"""A project made with template v0.5.1 (from the shipped bundle, released before templates
were a base layer plus overlays) reaches v0.6.0 with `copilot update` (the shipped release; before
it shipped, the working templates released into a copy of the bundle): the team's edits in files
that moved to the base layer survive, nothing of the layout (base/, overlay.yml) leaks into the
project, and the updated project's own test suite passes. Old versions are never rewritten."""

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
from scaffolder.scaffold._history import PACKAGED_BUNDLE, PACKAGED_LOCK, bundle_tags
from tests.conftest import TEMPLATES

pytestmark = [pytest.mark.usefixtures("git_identity"), pytest.mark.slow]

OLD = "0.5.1"
NEW = "0.6.0"


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
    """The shipped history, and NEW: as shipped once released, until then the working
    templates released as NEW, in copies (the shipped files are never written)."""
    bundle, lock = tmp_path / "templates.bundle", tmp_path / "templates.lock.json"
    shutil.copy(PACKAGED_BUNDLE, bundle)
    shutil.copy(PACKAGED_LOCK, lock)
    old = TemplateHistory(bundle=bundle, lock=lock, version=OLD)
    if NEW in old.released:
        return old, TemplateHistory(bundle=bundle, lock=lock, version=NEW)
    before = bundle_tags(bundle)
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES, templates, ignore=shutil.ignore_patterns("__pycache__"))
    release_templates(templates, NEW, bundle, lock)
    after = bundle_tags(bundle)
    assert {tag: after[tag] for tag in before} == before  # old releases kept as they were
    return old, TemplateHistory(bundle=bundle, lock=lock, version=NEW)


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
