"""A throwaway copy of a project for its tests to run in.

Why: the copilot writes its state under the project it runs in (`.copilot/`: the index, the
BM25 and evidence files, feedback, the audit log, the ingest lock). A test suite that builds
its copilot over the working tree leaves a fake thumbs-up and index files behind; over a copy,
`git status` after `pytest` shows what it showed before.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

#: Never copied: version control, local state, secrets, environments, caches and builds.
SKIPPED = (
    ".git",
    ".copilot",
    ".env",
    ".venv",
    "venv",
    "node_modules",
    "__pycache__",
    "*.pyc",
    ".pytest_cache",
    ".ruff_cache",
    ".mypy_cache",
    ".hypothesis",
    "build",
    "dist",
    "*.egg-info",
)


def copy_project(source: Path, destination: Path) -> Path:
    """Copy the project at `source` to `destination` (which must not exist), without its
    state, secrets or caches; symbolic links are copied as links. Returns `destination`.

    A destination inside the project (pytest's temporary folder under the project, with
    `--basetemp=.tmp` or pytester's) is left out of the copy, or the copy would copy itself
    without end: every folder on the way to it is test state, not the project."""
    shutil.copytree(source, destination, symlinks=True, ignore=_ignored(destination))
    return destination


def _ignored(destination: Path) -> Callable[[str, list[str]], set[str]]:
    patterns = shutil.ignore_patterns(*SKIPPED)
    target = destination.resolve()

    def ignore(folder: str, names: list[str]) -> set[str]:
        skipped = set(patterns(folder, names))
        here = Path(folder).resolve()
        return skipped | {name for name in names if target.is_relative_to(here / name)}

    return ignore
