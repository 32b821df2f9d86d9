"""The record of one definition (`Symbol`) that the Python reader and the JavaScript and
TypeScript scan both produce.

Why a module of its own: `symbols` hands JavaScript and TypeScript files to the scan
(`scan.py`), and the scan builds `Symbol`s; with the record here, both import this module and
neither imports the other.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

SymbolKind = Literal["function", "method", "class", "variable", "block"]


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
