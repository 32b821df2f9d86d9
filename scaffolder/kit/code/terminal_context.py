"""Editor context from the terminal: `--file PATH` with `--line N`, `--lines A-B` or
`--selection TEXT`, turned into what an editor plugin would send.

Why through the same `EditorContext`: the skills, the reference rules ("this function", "it")
and the checks are then the same for a terminal and an editor. The path is the one a shell
user types: relative to the working directory (or to the project root when it is not there),
and it must lie in the project or in one of its configured sources, where it gets its
workspace name (`<source>/<path>`). Anything else is refused before the copilot runs, in one
line: a missing file, a folder, a file outside the project and every source, a line past the
end, a range backwards, a selection that is not in the file.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from scaffolder.errors import UsageError
from scaffolder.kit.code.context import EditorContext, Position, Selection
from scaffolder.kit.sources import SourceMap
from scaffolder.kit.symbols.source import lines_of

_RANGE = re.compile(r"^\s*(\d+)\s*(?:[-:]|\.\.)\s*(\d+)\s*$")


def terminal_context(
    sources: SourceMap,
    file: str,
    *,
    line: int | None = None,
    lines: str | None = None,
    selection: str | None = None,
    cwd: Path | None = None,
) -> dict[str, Any]:
    """The editor context (`EditorContext.to_dict()`) the options describe; `UsageError`
    with one line for bad input (module doc)."""
    if line is not None and lines is not None:
        raise UsageError("give --line or --lines, not both")
    path = _real(file, sources.project, cwd or Path.cwd())
    name = sources.name_of(path)
    if not name:
        roots = ", ".join(str(root) for root in sources.roots)
        raise UsageError(f"--file {file}: outside the project and every source ({roots})")
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UsageError(f"--file {file} is not UTF-8 text") from exc
    except OSError as error:
        raise UsageError(f"--file {file} cannot be read: {error.strerror or error}") from error
    rows = lines_of(text)
    count = len(rows)
    context = EditorContext(name, Position(1))
    if line is not None:
        _check_line(line, count, file, "--line")
        context = EditorContext(name, Position(line))
    elif lines is not None:
        first, last = _range(lines)
        _check_line(first, count, file, "--lines")
        _check_line(last, count, file, "--lines")
        end = Position(last, len(rows[last - 1]))
        context = EditorContext(name, Position(first), Selection(Position(first), end))
    if selection is not None:
        context = _with_selection(context, rows, selection, file)
    context.bind(sources.project, sources)  # the same checks an editor's context gets
    return context.to_dict()


def _real(file: str, project: Path, cwd: Path) -> Path:
    given = Path(file).expanduser()
    candidates = [given] if given.is_absolute() else [cwd / given, project / given]
    for candidate in candidates:
        if candidate.exists():
            if not candidate.is_file():
                raise UsageError(f"--file {file} is not a file")
            return Path(os.path.realpath(candidate))
    raise UsageError(f"--file {file}: no such file")


def _check_line(line: int, count: int, file: str, option: str) -> None:
    if not 1 <= line <= max(count, 1):
        raise UsageError(f"{option} {line} is outside {file} (lines 1-{max(count, 1)})")


def _range(text: str) -> tuple[int, int]:
    match = _RANGE.match(text)
    if match is None:
        raise UsageError(f"--lines {text!r}: expected A-B, e.g. 10-24")
    first, last = int(match.group(1)), int(match.group(2))
    if last < first:
        raise UsageError(f"--lines {text}: the range ends before it starts")
    return first, last


def _with_selection(
    context: EditorContext, rows: list[str], selected: str, file: str
) -> EditorContext:
    """The context with `selected` as its selection: its first occurrence at or after the
    cursor's line (the whole file when none is given)."""
    if not selected.strip():
        raise UsageError("--selection is empty")
    text = "\n".join(rows)
    offsets = [0]
    for row in rows:
        offsets.append(offsets[-1] + len(row) + 1)
    at = text.find(selected, offsets[context.cursor.line - 1])
    if at < 0:
        where = f" at or after line {context.cursor.line}" if context.cursor.line > 1 else ""
        raise UsageError(f"--selection is not in {file}{where}")
    start = _position(offsets, at)
    end = _position(offsets, at + len(selected))
    return EditorContext(context.file, start, Selection(start, end))


def _position(offsets: list[int], offset: int) -> Position:
    line = max(i for i, start in enumerate(offsets) if start <= offset)
    return Position(line + 1, offset - offsets[line])
