"""What an editor sends with a request, checked against the files before anything uses it.

Why validate up front: a selection computed by an editor plugin against an unsaved buffer, or a
file path from another checkout, would otherwise turn into an edit of the wrong lines. So a
request's context is bound to the project root and the file's text (the editor's snapshot when
it sent one, else the file on disk) once, with errors that say what is wrong, and everything
downstream works on the bound `SourceView`.

Files of configured sources (folders outside the project, `scaffolder.kit.sources`) are named
`<source>/<path>` like everywhere else; binding with the project's `SourceMap` resolves such a
name inside that source and nowhere else, so a context can point at the team's repository but
never at an arbitrary path.

Positions: lines count from 1, columns from 0 (as in Python's `ast`); a selection's end is
exclusive in columns, so an empty selection (start == end) is just the cursor.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scaffolder.errors import UsageError
from scaffolder.kit.agents.write_scope import forbidden_folder
from scaffolder.kit.symbols.source import Symbol, SymbolKind, enclosing, file_symbols, lines_of

if TYPE_CHECKING:
    from scaffolder.kit.sources import Source, SourceMap


@dataclass(frozen=True, order=True)
class Position:
    line: int
    column: int = 0

    def to_dict(self) -> dict[str, int]:
        return {"line": self.line, "column": self.column}


@dataclass(frozen=True)
class Selection:
    start: Position
    end: Position

    @property
    def empty(self) -> bool:
        return self.start == self.end

    @property
    def lines(self) -> tuple[int, int]:
        """The whole lines the selection touches; a selection ending at column 0 of a line
        (what editors produce when whole lines are selected) does not take that line."""
        last = (
            self.end.line - 1
            if self.end.column == 0 and self.end.line > self.start.line
            else self.end.line
        )
        return self.start.line, last


@dataclass(frozen=True)
class EditorContext:
    """A request's editor state: `file` is relative to the project root."""

    file: str
    cursor: Position
    selection: Selection | None = None
    open_files: tuple[str, ...] = ()
    #: The buffer as the editor has it (may be unsaved); None means read the file.
    text: str | None = None

    @property
    def has_selection(self) -> bool:
        return self.selection is not None and not self.selection.empty

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> EditorContext:
        """Build from the JSON an editor plugin sends; raises `UsageError` on a bad shape."""
        try:
            file = data["file"]
            if not isinstance(file, str) or not file:
                raise TypeError("`file` must be a non-empty string")
            cursor = _position(data.get("cursor", {"line": 1, "column": 0}), "cursor")
            raw = data.get("selection")
            selection = (
                None
                if raw is None
                else Selection(
                    _position(raw["start"], "selection.start"),
                    _position(raw["end"], "selection.end"),
                )
            )
            open_files = tuple(str(name) for name in data.get("open_files", ()))
            text = data.get("text")
            if text is not None and not isinstance(text, str):
                raise TypeError("`text` must be a string")
        except (KeyError, TypeError, ValueError) as error:
            raise UsageError(f"bad editor context: {error}") from error
        return cls(file, cursor, selection, open_files, text)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"file": self.file, "cursor": self.cursor.to_dict()}
        if self.selection is not None:
            data["selection"] = {
                "start": self.selection.start.to_dict(),
                "end": self.selection.end.to_dict(),
            }
        if self.open_files:
            data["open_files"] = list(self.open_files)
        if self.text is not None:
            data["text"] = self.text
        return data

    def bind(self, root: Path, sources: SourceMap | None = None) -> SourceView:
        """Check the context against `root` (and the configured `sources`) and the file's
        text; see the module doc."""
        path = located(root, self.file, sources)
        if self.text is not None:
            text = self.text
        elif path.is_file():
            try:
                text = path.read_bytes().decode("utf-8")
            except UnicodeDecodeError as exc:
                raise UsageError(f"{self.file} is not UTF-8 text") from exc
        else:
            raise UsageError(f"unknown file {self.file!r}: no such file under {path.parent}")
        for name in self.open_files:
            located(root, name, sources)
        view = SourceView(self, root, text, sources=sources)
        view.check(self.cursor, "cursor")
        if self.selection is not None:
            view.check(self.selection.start, "selection start")
            view.check(self.selection.end, "selection end")
            if self.selection.end < self.selection.start:
                raise UsageError(f"selection in {self.file} ends before it starts")
        return view


def located(root: Path, name: str, sources: SourceMap | None = None) -> Path:
    """The real path of the workspace name `name`: `<source>/<path>` inside that configured
    source, anything else inside `root` (both checked by `inside`)."""
    if sources is not None:
        source, rest = sources.split(name)
        if source is not None:
            return inside(source.root, rest)
    return inside(root, name)


def inside(root: Path, relative: str) -> Path:
    """`root / relative`, refusing absolute paths, paths that escape `root`, and files that are
    never editor context: version-control and copilot state folders (a `.git/config` can hold
    a remote URL with a token; `.copilot/` holds proposals and recordings) and `.env` files
    (keys). Checked on the resolved path, so a link or `..` cannot reach them either."""
    base = root.resolve()
    target = (base / relative).resolve()
    if Path(relative).is_absolute() or not target.is_relative_to(base) or target == base:
        raise UsageError(f"{relative!r} is outside the project root {base}")
    for part in target.relative_to(base).parts:
        if forbidden_folder(part) is not None or _is_env_file(part):
            raise UsageError(f"{relative!r} is not readable as editor context ({part} is private)")
    return target


def _is_env_file(name: str) -> bool:
    folded = name.casefold()
    return folded == ".env" or (folded.startswith(".env.") and folded != ".env.example")


@dataclass
class SourceView:
    """An `EditorContext` bound to its file's text: the selected lines and what holds them."""

    context: EditorContext
    root: Path
    text: str
    _symbols: list[Symbol] | None = field(default=None, repr=False)
    #: The project's sources, when the file may be one of theirs (`<source>/<path>`).
    sources: SourceMap | None = field(default=None, repr=False)

    @property
    def scope(self) -> tuple[Source, ...]:
        """The configured sources an edit of this view may write into (`propose`)."""
        return self.sources.sources if self.sources is not None else ()

    @cached_property
    def lines(self) -> list[str]:
        return lines_of(self.text)

    @property
    def symbols(self) -> list[Symbol]:
        if self._symbols is None:
            self._symbols = file_symbols(self.context.file, self.text)
        return self._symbols

    def check(self, position: Position, what: str) -> None:
        count = len(self.lines)
        # One line past the end is where the cursor sits after a final newline.
        last = count + 1 if self.text.endswith("\n") or count == 0 else count
        if not 1 <= position.line <= last:
            raise UsageError(
                f"{what} line {position.line} is outside {self.context.file} (1-{last})"
            )
        width = len(self.lines[position.line - 1]) if position.line <= count else 0
        if not 0 <= position.column <= width:
            raise UsageError(
                f"{what} column {position.column} is outside line {position.line} of "
                f"{self.context.file} (0-{width})"
            )

    @property
    def focus(self) -> tuple[int, int]:
        """The lines the request is about: the selection's, else the cursor's line."""
        selection = self.context.selection
        if selection is not None and not selection.empty:
            start, end = selection.lines
        else:
            start = end = self.context.cursor.line
        last = max(len(self.lines), 1)
        return min(start, last), min(end, last)

    def selected_text(self) -> str:
        """The exact selected characters; "" for a cursor only."""
        selection = self.context.selection
        if selection is None or selection.empty:
            return ""
        start, end = selection.start, selection.end
        if start.line == end.line:
            return self.lines[start.line - 1][start.column : end.column]
        parts = [self.lines[start.line - 1][start.column :]]
        parts.extend(self.lines[start.line : end.line - 1])
        parts.append(self.lines[end.line - 1][: end.column] if end.line <= len(self.lines) else "")
        return "\n".join(parts)

    def line_text(self, start_line: int, end_line: int) -> str:
        return "\n".join(self.lines[start_line - 1 : end_line])

    def enclosing(self, kinds: Sequence[SymbolKind] | None = None) -> Symbol | None:
        """The innermost function/class (or block) around the selection, else the cursor."""
        start, end = self.focus
        return enclosing(self.symbols, start, end, frozenset(kinds) if kinds else None)


def _position(raw: Any, what: str) -> Position:
    if not isinstance(raw, Mapping):
        raise TypeError(f"`{what}` must be an object with `line` and `column`")
    line, column = raw.get("line"), raw.get("column", 0)
    if not isinstance(line, int) or not isinstance(column, int) or isinstance(line, bool):
        raise TypeError(f"`{what}` needs integer `line` and `column`")
    return Position(line, column)
