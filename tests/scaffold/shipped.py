"""Helpers for tests that update a project made with a shipped template version: a copy of the
shipped history holding the version to update to, and the git and edit steps of a team."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from scaffolder.scaffold import TemplateHistory, release_templates
from scaffolder.scaffold._history import PACKAGED_BUNDLE, PACKAGED_LOCK, bundle_tags
from tests.conftest import TEMPLATES


def shipped_histories(folder: Path, old: str, new: str) -> tuple[TemplateHistory, TemplateHistory]:
    """The shipped history at `old`, and at `new`: as shipped once released, until then the
    working templates released as `new`. Both in copies under `folder`: the shipped files are
    never written, and releasing into the copy keeps every older tag as it was."""
    bundle, lock = folder / "templates.bundle", folder / "templates.lock.json"
    shutil.copy(PACKAGED_BUNDLE, bundle)
    shutil.copy(PACKAGED_LOCK, lock)
    before = TemplateHistory(bundle=bundle, lock=lock, version=old)
    if new not in before.released:
        tags = bundle_tags(bundle)
        templates = folder / "templates"
        shutil.copytree(TEMPLATES, templates, ignore=shutil.ignore_patterns("__pycache__"))
        release_templates(templates, new, bundle, lock)
        after = bundle_tags(bundle)
        assert {tag: after[tag] for tag in tags} == tags  # old releases kept as they were
    return before, TemplateHistory(bundle=bundle, lock=lock, version=new)


def git(project: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=project, check=True, capture_output=True, text=True
    ).stdout


def edit(path: Path, old: str, new: str) -> None:
    """A team's edit: `old` must be there (the test says which line it changes)."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new), encoding="utf-8")
