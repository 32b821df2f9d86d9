"""Source maps for rendered prompts: which file and line every character came from.

A Jinja extension rewrites each template's token stream before it is compiled: literal
text is wrapped in invisible markers that carry an origin id, and so is the output of every
`{{ expression }}`. Rendering then produces the prompt with markers in it; `extract` removes
them and returns the clean text plus spans. Nested markers (text rendered inside a macro or
a `{% set %}` block and printed through a variable) resolve to the innermost origin, the
most precise one. Text spans are split at newlines, so each span is part of exactly one
line of its file.

The markers are private-use code points; `scrub` removes them from input values first, so
user text can never forge an origin.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from jinja2 import Environment
from jinja2.ext import Extension
from jinja2.lexer import Token, TokenStream

START, SEPARATOR, END = "\ue000", "\ue001", "\ue002"
_MARKER = re.compile(f"{START}(\\d+){SEPARATOR}|{END}")
_SENTINELS = re.compile(f"[{START}{SEPARATOR}{END}]")


@dataclass(frozen=True)
class Origin:
    """Where a piece of a prompt came from: a line of a file, or an expression on that line."""

    file: str
    line: int
    variable: str | None = None
    #: The template variable the expression reads, through loop variables (`p.text` inside
    #: `{% for p in passages %}` reads `passages`).
    source: str | None = None
    #: The step that produced the variable's value (retrieval, history...), when known.
    step: str | None = None
    #: True for text the renderer adds between components (the manifest's `separator`).
    separator: bool = False

    def describe(self) -> str:
        where = f"{self.file}:{self.line}"
        if self.separator:
            return f"separator at {where}"
        if self.variable is None:
            return where
        produced = f" from {self.step}" if self.step else ""
        return f"{{{{ {self.variable} }}}}{produced} at {where}"


@dataclass(frozen=True)
class Span:
    """Characters `start` to `end` (exclusive) of a rendered text, and their origin."""

    start: int
    end: int
    origin: Origin


@dataclass
class OriginTable:
    """Origins by id; shared by every template an environment compiles."""

    origins: list[Origin] = field(default_factory=list)

    def add(self, origin: Origin) -> int:
        self.origins.append(origin)
        return len(self.origins) - 1


class SourceMapExtension(Extension):
    """Wraps template text and expression output in origin markers (see the module doc)."""

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        environment.extend(origin_table=OriginTable())

    def filter_stream(self, stream: TokenStream) -> Iterator[Token]:
        table: OriginTable = self.environment.origin_table  # type: ignore[attr-defined]
        name = stream.name or "<string>"
        #: Loop variables in scope, innermost last: target name -> the variable it iterates.
        loops: list[dict[str, str]] = []
        while not stream.eos:
            token = next(stream)
            if token.type == "data":
                marker = table.add(Origin(name, token.lineno))
                yield Token(token.lineno, "data", f"{START}{marker}{SEPARATOR}{token.value}{END}")
            elif token.type == "variable_begin":
                inner = [token, *_until(stream, "variable_end")]
                expression = " ".join(str(t.value) for t in inner[1:-1])
                expression = re.sub(r" ?([.|(),\[\]]) ?", r"\1", expression)
                first = next((str(t.value) for t in inner if t.type == "name"), None)
                source = _resolve(first, loops) if first else None
                origin = Origin(name, token.lineno, variable=expression, source=source)
                marker = table.add(origin)
                yield Token(token.lineno, "data", f"{START}{marker}{SEPARATOR}")
                yield from inner
                yield Token(token.lineno, "data", END)
            elif token.type == "block_begin":
                inner = [token, *_until(stream, "block_end")]
                _track_loops(inner, loops)
                yield from inner
            else:
                yield token


def _until(stream: TokenStream, kind: str) -> Iterator[Token]:
    while True:
        token = next(stream)
        yield token
        if token.type == kind:
            return


def _resolve(name: str, loops: list[dict[str, str]]) -> str:
    """The outermost variable `name` stands for, following loop targets outward."""
    for scope in reversed(loops):
        if name in scope:
            name = scope[name]
    return name


def _track_loops(block: list[Token], loops: list[dict[str, str]]) -> None:
    names = [str(t.value) for t in block if t.type == "name"]
    if names[:1] == ["for"] and "in" in names:
        split = names.index("in")
        iterable = names[split + 1] if split + 1 < len(names) else ""
        root = _resolve(iterable, loops) if iterable else ""
        loops.append({target: root for target in names[1:split]})
    elif names[:1] == ["endfor"] and loops:
        loops.pop()


def scrub(value: object) -> object:
    """`value` with marker characters removed from every string in it."""
    if isinstance(value, str):
        return _SENTINELS.sub("", value)
    if isinstance(value, dict):
        return {key: scrub(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(scrub(item) for item in value)
    return value


def extract(
    marked: str, table: OriginTable, steps: dict[str, str] | None = None
) -> tuple[str, list[Span]]:
    """The clean text of a marked rendering and its spans, one per piece of a line."""
    steps = steps or {}
    pieces: list[str] = []
    spans: list[Span] = []
    # Open markers, innermost last: (origin id, newlines already seen inside it).
    stack: list[list[int]] = []
    length = 0
    position = 0

    def emit(chunk: str) -> None:
        nonlocal length
        if not chunk:
            return
        if not stack:
            raise ValueError("rendered text outside any source-mapped region")
        frame = stack[-1]
        origin = table.origins[frame[0]]
        if origin.variable is not None:
            step = steps.get(origin.source or "")
            located = Origin(origin.file, origin.line, origin.variable, origin.source, step)
            spans.append(Span(length, length + len(chunk), located))
            pieces.append(chunk)
            length += len(chunk)
            return
        for part in chunk.splitlines(keepends=True):
            located = Origin(origin.file, origin.line + frame[1])
            spans.append(Span(length, length + len(part), located))
            pieces.append(part)
            length += len(part)
            if part.endswith(("\n", "\r")):
                frame[1] += 1

    for match in _MARKER.finditer(marked):
        emit(marked[position : match.start()])
        position = match.end()
        if match.group(1) is not None:
            stack.append([int(match.group(1)), 0])
        else:
            stack.pop()
    emit(marked[position:])
    return "".join(pieces), spans


def shift(spans: list[Span], offset: int) -> list[Span]:
    return [Span(span.start + offset, span.end + offset, span.origin) for span in spans]
