"""Recording a folder in `[tool.copilot] sources` of a project's pyproject.toml.

Why by hand rather than with a TOML writer: the file is the team's, reviewed like code, and no
round-trip TOML library is installed; so one `sources = [...]` line is inserted or replaced
and everything else is kept byte for byte. The result is parsed again and must equal the old
table plus the new entries, or nothing is written (a layout this edit does not understand,
such as a dotted `tool.copilot.sources` key, gets one line asking for a hand edit). The file is
replaced atomically (temporary file, fsync, rename), so an interruption leaves the old one.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from collections.abc import Sequence
from pathlib import Path

from scaffolder.errors import ActionError, UsageError
from scaffolder.project import PYPROJECT

_TABLE = re.compile(r"^\s*\[\s*tool\s*\.\s*copilot\s*\]\s*(#.*)?$")
_HEADER = re.compile(r"^\s*\[")
_KEY = re.compile(r"^\s*sources\s*=")


def entry_for(project: Path, folder: Path) -> str:
    """How to write `folder` in the settings: relative to the project when it sits beside it
    (`../our-repo`, portable across clones), else absolute."""
    relative = os.path.relpath(folder, project)
    return relative if Path(relative).parts.count("..") <= 2 else str(folder)


def record_sources(project: Path, entries: Sequence[str]) -> list[str]:
    """Add `entries` (not yet listed) to the project's `sources`; returns those added."""
    path = project / PYPROJECT
    try:
        text = path.read_text(encoding="utf-8")
        table = tomllib.loads(text).get("tool", {}).get("copilot")
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise UsageError(f"cannot record sources: cannot read {path} ({error})") from error
    if not isinstance(table, dict):
        raise UsageError(f"cannot record sources: {path} has no [tool.copilot] table")
    current = table.get("sources", [])
    if not isinstance(current, list):
        raise UsageError(f"cannot record sources: sources in {path} is not a list; fix it first")
    added = [entry for entry in entries if entry not in current]
    if not added:
        return []
    wanted = [*current, *added]
    new_text = _edited(text, wanted)
    try:
        check = tomllib.loads(new_text)["tool"]["copilot"]
    except (tomllib.TOMLDecodeError, KeyError):
        check = None
    if check != {**table, "sources": wanted}:
        raise UsageError(
            f"cannot record sources in {path} automatically; add "
            f"sources = {_array(wanted)} to its [tool.copilot] table by hand"
        )
    _replace(path, new_text)
    return added


def _edited(text: str, wanted: list[str]) -> str:
    lines = text.splitlines(keepends=True)
    start = next((n for n, line in enumerate(lines) if _TABLE.match(line)), None)
    if start is None:
        return text  # an inline or dotted table: the check refuses it
    end = next((n for n in range(start + 1, len(lines)) if _HEADER.match(lines[n])), len(lines))
    line = f"sources = {_array(wanted)}\n"
    key = next((n for n in range(start + 1, end) if _KEY.match(lines[n])), None)
    if key is None:
        return "".join([*lines[: start + 1], line, *lines[start + 1 :]])
    stop = key + 1  # the value may span lines: take lines until it parses
    while stop <= end:
        try:
            tomllib.loads("".join(lines[key:stop]))
            break
        except tomllib.TOMLDecodeError:
            stop += 1
    return "".join([*lines[:key], line, *lines[stop:]])


def _array(entries: list[str]) -> str:
    # A JSON string is a valid TOML basic string (same escapes).
    return "[" + ", ".join(json.dumps(entry, ensure_ascii=False) for entry in entries) + "]"


def _replace(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.copilot-tmp")
    try:
        with temporary.open("w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        temporary.chmod(path.stat().st_mode & 0o7777)
        temporary.replace(path)
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise ActionError(f"cannot record sources in {path}: {error.strerror or error}") from error
