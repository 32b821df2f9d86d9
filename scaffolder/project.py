"""Finding the copilot project a command runs in.

A copilot project is a directory whose `pyproject.toml` has a `[tool.copilot]` table,
the way Django finds `manage.py`: commands work from any subdirectory.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scaffolder.errors import NotAProjectError, UsageError

PYPROJECT = "pyproject.toml"


@dataclass(frozen=True)
class Project:
    """A generated project: its root and its `[tool.copilot]` table."""

    root: Path
    config: dict[str, Any] = field(default_factory=dict)


def read_copilot_table(pyproject: Path) -> dict[str, Any] | None:
    """The `[tool.copilot]` table of a pyproject file, or None when it has none."""
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise UsageError(f"cannot read {pyproject}: {error}") from error
    except tomllib.TOMLDecodeError as error:
        raise UsageError(f"{pyproject} is not valid TOML: {error}") from error
    table = data.get("tool", {}).get("copilot")
    return table if isinstance(table, dict) else None


def find_project(start: Path | None = None) -> Project | None:
    """Walk up from `start` (default: the working directory) to the enclosing project."""
    here = (start or Path.cwd()).resolve()
    for directory in (here, *here.parents):
        candidate = directory / PYPROJECT
        if candidate.is_file():
            table = read_copilot_table(candidate)
            if table is not None:
                return Project(root=directory, config=table)
    return None


def require_project(command: str, start: Path | None = None) -> Project:
    """The enclosing project, or a clear error naming the command that needed one."""
    project = find_project(start)
    if project is None:
        raise NotAProjectError(
            f"`copilot {command}` runs inside a copilot project: no pyproject.toml with a "
            "[tool.copilot] table here or above (create one with `copilot new`)"
        )
    return project
