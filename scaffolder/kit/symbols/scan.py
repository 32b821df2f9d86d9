"""Definitions in JavaScript and TypeScript by a line scan: names, kinds and line ranges.

Why a scan and not a parser: the question a symbol index answers ("where is `parseArgs`
defined, lines 40-88") needs the definition's line and where its body ends, not a syntax
tree. The forms people write cover nearly every definition: `function f(`, `class C`,
`const f = (...) =>` / `= function`, `exports.f = function`, `C.prototype.m = function`,
methods inside a class body, and TypeScript's `interface`, `type` and `enum`. A body ends where
its braces close, counted outside strings, template literals and comments; a definition
without braces (`const f = x => x + 1;`) is its own line. Anything unusual (minified code,
a brace in a regex literal) can cost an end line, never a crash: a range that never closes
stops at the file's end.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from scaffolder.kit.symbols.record import Symbol, SymbolKind

_NAME = r"[A-Za-z_$][\w$]*"
_FUNCTION = re.compile(
    rf"^\s*(?:export\s+)?(?:default\s+)?(?:declare\s+)?(?:async\s+)?function\s*\*?\s*({_NAME})"
)
_CLASS = re.compile(
    rf"^\s*(?:export\s+)?(?:default\s+)?(?:declare\s+)?(?:abstract\s+)?class\s+({_NAME})"
)
_TYPE = re.compile(
    rf"^\s*(?:export\s+)?(?:declare\s+)?(?:const\s+)?(?:interface|enum|type)\s+({_NAME})\b"
)
_BOUND = re.compile(
    rf"^\s*(?:export\s+)?(?:const|let|var)\s+({_NAME})\s*(?::[^=]+)?=\s*(?:async\s+)?"
    rf"(?:function\b|\([^()]*(?:\([^()]*\)[^()]*)*\)\s*(?::[^=]+)?=>|{_NAME}\s*=>)"
)
_ASSIGNED = re.compile(
    rf"^\s*((?:{_NAME}\.)+)({_NAME})\s*=\s*(?:async\s+)?(?:function\b|\([^()]*\)\s*=>|{_NAME}\s*=>)"
)
_METHOD = re.compile(
    rf"^\s*(?:(?:public|private|protected|static|readonly|override|abstract|async|get|set)\s+)*"
    rf"\*?\s*(#?{_NAME})\s*(?:<[^>]*>)?\s*\("
)
_NOT_METHODS = frozenset(
    {"if", "for", "while", "switch", "catch", "function", "return", "with", "super", "new"}
)
#: Line endings that say the statement goes on (a long signature, an arrow's body below).
_CONTINUED = ("(", ",", "=>", "=", "&&", "||", "?", ":", "+", "-", "*", "|", "&", "<")
#: Lines after a definition's first within which its body must open (long signatures).
_SIGNATURE_LINES = 6


@dataclass
class _Open:
    """A class whose body is being read: methods found at its depth belong to it."""

    name: str
    depth: int


def scan_definitions(lines: list[str]) -> list[Symbol]:
    """The definitions of a JavaScript/TypeScript file, outer before inner, in line order."""
    depths = _depths(lines)
    found: list[Symbol] = []
    classes: list[_Open] = []
    for number, line in enumerate(lines, start=1):
        depth = depths[number - 1]
        while classes and depth <= classes[-1].depth:
            classes.pop()
        match = _definition(line, classes, depth)
        if match is None:
            continue
        name, qualname, kind = match
        end = _end(lines, depths, number)
        found.append(Symbol(name, qualname, kind, number, end, None, line.strip()[:200]))
        if kind == "class":
            classes.append(_Open(name, depth))
    return found


def _definition(line: str, classes: list[_Open], depth: int) -> tuple[str, str, SymbolKind] | None:
    """(name, qualname, kind) when `line` starts a definition."""
    for pattern, kind in ((_CLASS, "class"), (_TYPE, "class"), (_FUNCTION, "function")):
        match = pattern.match(line)
        if match:
            return match.group(1), match.group(1), kind  # type: ignore[return-value]
    match = _BOUND.match(line)
    if match:
        return match.group(1), match.group(1), "function"
    match = _ASSIGNED.match(line)
    if match:
        owner = match.group(1).rstrip(".").removesuffix(".prototype")
        owner = owner.removeprefix("module.").removeprefix("exports").lstrip(".")
        name = match.group(2)
        qualname = f"{owner}.{name}" if owner else name
        return name, qualname, "method" if owner else "function"
    if classes and depth == classes[-1].depth + 1:
        match = _METHOD.match(line)
        ends = line.rstrip().endswith(("{", ")", ",", "("))
        if match and match.group(1) not in _NOT_METHODS and (ends or "{" in line):
            name = match.group(1)
            return name, f"{classes[-1].name}.{name}", "method"
    return None


def _end(lines: list[str], depths: list[int], start: int) -> int:
    """The last line of the definition starting at line `start`: where the brace depth
    drops back to the starting line's after rising; before any brace opens, the first line
    that does not end as if the statement went on (`,`, `(`, `=>`...)."""
    base = depths[start - 1]
    opened = False
    for number in range(start, len(lines) + 1):
        if depths[number] > base:
            opened = True
            continue
        if opened:
            return number
        line = lines[number - 1].rstrip()
        if not line.endswith(_CONTINUED) or number >= start + _SIGNATURE_LINES:
            return number if number < start + _SIGNATURE_LINES else start
    return len(lines)


def _depths(lines: list[str]) -> list[int]:
    """The brace depth at the start of each line, plus one entry for after the last line;
    braces in strings, template literals and comments do not count."""
    depths = [0]
    depth = 0
    state = ""  # "", "'", '"', "`", "/*"
    for line in lines:
        index = 0
        while index < len(line):
            char = line[index]
            pair = line[index : index + 2]
            if state == "/*":
                if pair == "*/":
                    state, index = "", index + 2
                    continue
            elif state:
                if char == "\\":
                    index += 2
                    continue
                if char == state:
                    state = ""
            elif pair == "//":
                break
            elif pair == "/*":
                state, index = "/*", index + 2
                continue
            elif char in "'\"`":
                state = char
            elif char == "{":
                depth += 1
            elif char == "}":
                depth = max(depth - 1, 0)
            index += 1
        if state in ("'", '"'):
            state = ""  # an unterminated quote ends with its line
        depths.append(depth)
    return depths
