"""Where code is: the functions and classes of a file, and the one around a line range.

Why three ways: Python has a syntax tree, so its symbols come with exact line ranges (decorators
included), names, docstrings and signatures. JavaScript and TypeScript get a definition scan
(`scan.py`): `function f`, `class C`, `const f = (...) =>`, methods inside a class body, each
ending where its braces close; good enough to say where a name is defined without a parser per
language. Anything else, and Python that does not parse, falls back to the language-neutral
unit of code: a block of lines between blank lines, named by its first line.
"""

from __future__ import annotations

import ast

from scaffolder.kit.symbols.record import Symbol as Symbol
from scaffolder.kit.symbols.record import SymbolKind as SymbolKind

_Definition = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
#: Files read by the definition scan rather than `ast` or blank-line blocks.
SCANNED_SUFFIXES = (".js", ".mjs", ".cjs", ".jsx", ".ts", ".mts", ".cts", ".tsx")


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


def is_scanned(path: str) -> bool:
    """Whether `path` is a language the definition scan reads (JavaScript, TypeScript)."""
    return path.endswith(SCANNED_SUFFIXES)


def has_definitions(path: str) -> bool:
    """Whether `path` is code whose functions and classes are known by name (not blocks)."""
    return is_python(path) or is_scanned(path)


def defined_symbols(path: str, text: str) -> list[Symbol] | None:
    """The named definitions of a Python (parsed) or JavaScript/TypeScript (scanned) file;
    None for other files and for Python that does not parse."""
    if is_python(path):
        tree = parse_python(text)
        return None if tree is None else python_symbols(tree)
    if is_scanned(path):
        from scaffolder.kit.symbols.scan import scan_definitions

        return scan_definitions(lines_of(text))
    return None


def indexed_symbols(path: str, text: str) -> list[Symbol] | None:
    """What the symbol index records of a file: its definitions and, for Python, the names
    its module assigns (`scanstring = c_scanstring or py_scanstring` is where a reader looks
    for `scanstring`); None when the file is not code read by name."""
    if not is_python(path):
        return defined_symbols(path, text)
    tree = parse_python(text)
    if tree is None:
        return None
    return sorted([*python_symbols(tree), *module_names(tree)], key=lambda s: s.start_line)


def module_names(tree: ast.Module) -> list[Symbol]:
    """The module-level names a plain assignment binds (`NAME = ...`, `NAME: T = ...`)."""
    found: list[Symbol] = []
    for node in tree.body:
        if isinstance(node, ast.Assign):
            targets = [t for t in node.targets if isinstance(t, ast.Name)]
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            targets = [node.target]
        else:
            continue
        end = node.end_lineno or node.lineno
        for target in targets:
            found.append(Symbol(target.id, target.id, "variable", node.lineno, end))
    return found


def file_symbols(path: str, text: str) -> list[Symbol]:
    """Named definitions when `path` is code we read (`defined_symbols`), else blank-line
    blocks."""
    found = defined_symbols(path, text)
    return found if found is not None else blocks(lines_of(text))


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
