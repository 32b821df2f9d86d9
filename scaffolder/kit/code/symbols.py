"""Where code is: the functions and classes of a file, and the one around a line range.

Why two ways: Python has a syntax tree, so its symbols come with exact line ranges (decorators
included), names, docstrings and signatures. Other languages, and Python that does not parse,
fall back to the language-neutral unit of code: a block of lines between blank lines, named by
its first line. That is honest about what is known without a parser per language.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Literal

SymbolKind = Literal["function", "method", "class", "block"]
_Definition = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef


@dataclass(frozen=True)
class Symbol:
    """A function, method, class or blank-line block; lines count from 1, both ends included."""

    name: str
    #: Dotted path inside the module (`Class.method`); the first line for a block.
    qualname: str
    kind: SymbolKind
    start_line: int
    end_line: int
    docstring: str | None = None
    #: The `def`/`class` header as written on one line, e.g. `def f(x: int) -> str:`.
    signature: str = ""

    def contains(self, start_line: int, end_line: int) -> bool:
        return self.start_line <= start_line and end_line <= self.end_line

    def describe(self) -> str:
        return f"{self.kind} {self.qualname} (lines {self.start_line}-{self.end_line})"


def lines_of(text: str) -> list[str]:
    """The lines of `text` without their ends, split at `\\n` only (as editors and `ast`
    count them; `str.splitlines` would also split at form feeds and other separators)."""
    lines = [line.removesuffix("\r") for line in text.split("\n")]
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def is_python(path: str) -> bool:
    return path.endswith((".py", ".pyi"))


def parse_python(text: str) -> ast.Module | None:
    """The module's syntax tree, or None when it does not parse (Python 2, templates...)."""
    try:
        return ast.parse(text)
    except (SyntaxError, ValueError, RecursionError):
        return None


def python_symbols(tree: ast.Module) -> list[Symbol]:
    """Every function, method and class of `tree`, outer before inner, in source order."""
    found: list[Symbol] = []

    def visit(body: list[ast.stmt], prefix: str, in_class: bool) -> None:
        for node in body:
            if not isinstance(node, _Definition):
                continue
            qualname = f"{prefix}{node.name}"
            if isinstance(node, ast.ClassDef):
                kind: SymbolKind = "class"
            else:
                kind = "method" if in_class else "function"
            start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            found.append(
                Symbol(
                    name=node.name,
                    qualname=qualname,
                    kind=kind,
                    start_line=start,
                    end_line=node.end_lineno or node.lineno,
                    docstring=ast.get_docstring(node),
                    signature=header(node),
                )
            )
            visit(node.body, f"{qualname}.", isinstance(node, ast.ClassDef))

    visit(tree.body, "", False)
    return found


def header(node: _Definition) -> str:
    """`def name(args) -> ret:` rebuilt from the tree, so multi-line headers read as one."""
    if isinstance(node, ast.ClassDef):
        bases = ", ".join(ast.unparse(base) for base in node.bases)
        return f"class {node.name}({bases}):" if bases else f"class {node.name}:"
    prefix = "async def" if isinstance(node, ast.AsyncFunctionDef) else "def"
    returns = f" -> {ast.unparse(node.returns)}" if node.returns else ""
    return f"{prefix} {node.name}({ast.unparse(node.args)}){returns}:"


def blocks(lines: list[str]) -> list[Symbol]:
    """Runs of non-blank lines, each a `block` named by its first line."""
    found: list[Symbol] = []
    start: int | None = None
    for number, line in enumerate([*lines, ""], start=1):
        if line.strip() and start is None:
            start = number
        elif not line.strip() and start is not None:
            first = lines[start - 1].strip()
            found.append(Symbol(first[:60], first[:60], "block", start, number - 1))
            start = None
    return found


def file_symbols(path: str, text: str) -> list[Symbol]:
    """Python symbols when `path` is Python and parses, else blank-line blocks."""
    if is_python(path):
        tree = parse_python(text)
        if tree is not None:
            return python_symbols(tree)
    return blocks(lines_of(text))


def enclosing(
    symbols: list[Symbol],
    start_line: int,
    end_line: int,
    kinds: frozenset[SymbolKind] | None = None,
) -> Symbol | None:
    """The innermost symbol (of `kinds`, when given) holding all of lines start..end."""
    holding = [
        s
        for s in symbols
        if s.contains(start_line, end_line) and (kinds is None or s.kind in kinds)
    ]
    return min(holding, key=lambda s: s.end_line - s.start_line, default=None)
