"""Source code as chunks: Python along its syntax tree, other languages by blank-line blocks.

Why parse Python: a retrieved function is only useful whole, and its name is the best label a
citation can carry. So each top-level function and class becomes its own chunk (with the
decorators and the comment lines right above it), a class too big for one chunk is opened up
so that each method is a chunk of its own, and the module-level code between definitions is
packed by paragraphs. Other languages get the language-neutral rule: blocks separated by
blank lines, merged up to `max_chars`.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from scaffolder.kit.retrieval.chunking import Piece, pack, split_line

#: Python files larger than this are chunked by blocks instead: `ast` needs the whole file in
#: memory (several times over), and a file this big is generated code, not something to read.
PYTHON_AST_MAX_BYTES = 2_000_000

_Definition = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef


def pack_python(source: str, max_chars: int) -> Iterator[Piece]:
    """Pieces of a Python module; `source` must have universal (`\\n`) newlines.

    A module that does not parse (Python 2, a template, a syntax error) is chunked by blocks.
    """
    lines = source.split("\n")
    if lines[-1] == "":
        lines.pop()
    spans: list[tuple[int, int, str | None]]
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError):
        spans = [(1, len(lines), None)]
    else:
        spans = list(_spans(tree.body, 1, len(lines), None, lines, max_chars))
    for first, last, section in spans:
        units = (
            unit
            for number in range(first, last + 1)
            for unit in split_line(number, lines[number - 1], max_chars)
        )
        yield from pack(units, max_chars, section)


def _label(node: _Definition) -> str:
    if isinstance(node, ast.ClassDef):
        return f"class {node.name}"
    if isinstance(node, ast.AsyncFunctionDef):
        return f"async def {node.name}"
    return f"def {node.name}"


def _length(lines: list[str], first: int, last: int) -> int:
    return sum(len(line) for line in lines[first - 1 : last]) + (last - first)


def _spans(
    body: list[ast.stmt],
    first: int,
    last: int,
    section: str | None,
    lines: list[str],
    max_chars: int,
) -> Iterator[tuple[int, int, str | None]]:
    """Line ranges `first..last` cut at the definitions in `body`, each with its section.

    The ranges are contiguous and cover `first..last` exactly, so no line is lost or repeated.
    """
    cursor = first
    for node in body:
        if not isinstance(node, _Definition):
            continue
        start = min([node.lineno, *(decorator.lineno for decorator in node.decorator_list)])
        end = node.end_lineno or node.lineno
        while start - 1 >= cursor and lines[start - 2].lstrip().startswith("#"):
            start -= 1
        if start < cursor:
            # Shares its line with the code before it (`class A: def f(self): ...`); it stays
            # part of that code rather than splitting a line.
            continue
        if cursor < start:
            yield cursor, start - 1, section
        name = f"{section} > {_label(node)}" if section else _label(node)
        if isinstance(node, ast.ClassDef) and _length(lines, start, end) > max_chars:
            yield from _spans(node.body, start, end, name, lines, max_chars)
        else:
            yield start, end, name
        cursor = end + 1
    if cursor <= last:
        yield cursor, last, section
