"""Pytest skeletons for a module's public functions, for `add_test` without a model.

Why these assertions: a skeleton that fails would break the suite, and one that only skips
would test nothing. Each test checks what is known for certain from the source: the function
exists and is callable, and, for a function defined exactly once and not decorated, that its
parameters are the ones it was written with (which catches an accidental API change). A TODO
comment marks where the real assertions go.
"""

from __future__ import annotations

import ast
from collections import Counter
from dataclasses import dataclass
from pathlib import PurePosixPath

_Function = ast.FunctionDef | ast.AsyncFunctionDef


@dataclass(frozen=True)
class PublicFunction:
    name: str
    #: Parameter names, when the signature is certain (defined once, not decorated).
    parameters: tuple[str, ...] | None


def module_name(path: str) -> str:
    """The import name of a Python file: `src/pkg/mod.py` -> `pkg.mod`, `pkg/__init__.py` ->
    `pkg`, `six.py` -> `six`."""
    parts = list(PurePosixPath(path).with_suffix("").parts)
    if parts and parts[0] == "src" and len(parts) > 1:
        parts = parts[1:]
    if parts and parts[-1] == "__init__" and len(parts) > 1:
        parts = parts[:-1]
    return ".".join(parts)


def public_functions(tree: ast.Module) -> list[PublicFunction]:
    """Module-level functions not starting with `_`, in source order.

    Functions defined inside a module-level `if`/`try` (version switches) are left out: which
    branch runs, and so whether the name exists at all, is only known at import time.
    """
    bindings = Counter(_bound_names(tree.body))
    result: list[PublicFunction] = []
    for node in tree.body:
        if not isinstance(node, _Function) or node.name.startswith("_"):
            continue
        if any(existing.name == node.name for existing in result):
            continue
        certain = bindings[node.name] == 1 and not node.decorator_list
        args = node.args
        names = [a.arg for a in (*args.posonlyargs, *args.args)]
        names += [args.vararg.arg] if args.vararg else []
        names += [a.arg for a in args.kwonlyargs]
        names += [args.kwarg.arg] if args.kwarg else []
        result.append(PublicFunction(node.name, tuple(names) if certain else None))
    return result


def _bound_names(body: list[ast.stmt]) -> list[str]:
    """Every name a module body binds, once per binding, looking into `if`/`try`/`with`
    blocks; a function also bound by an assignment has a signature known only at run time."""
    names: list[str] = []
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.append(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.extend(n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.extend((a.asname or a.name).split(".")[0] for a in node.names)
        for field in ("body", "orelse", "finalbody"):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.extend(_bound_names(getattr(node, field, [])))
        for handler in getattr(node, "handlers", []):
            names.extend(_bound_names(handler.body))
    return names


def skeleton_test(module: str, function: PublicFunction) -> str:
    """One skeleton test, referring to the function as `module.name`."""
    qualified = f"{module}.{function.name}"
    lines = [
        f"def test_{function.name}() -> None:",
        f"    # TODO: call {qualified} with typical inputs and assert on the result.",
        f"    assert callable({qualified})",
    ]
    if function.parameters is not None:
        lines.append(
            f"    assert list(inspect.signature({qualified}).parameters) == "
            f"{list(function.parameters)!r}"
        )
    return "\n".join(lines) + "\n"


def skeleton_module(module: str, functions: list[PublicFunction]) -> str:
    """A new test file for `functions` of `module`."""
    header = (
        f'"""Tests for {module}: skeletons written by copilot\'s add_test; fill in the TODOs."""\n'
        f"\nimport inspect\n\nimport {module}\n"
    )
    return header + "".join(f"\n\n{skeleton_test(module, f)}" for f in functions)


def tested_names(tree: ast.Module) -> set[str]:
    """Names `x` that already have a `test_x` function in a test module."""
    return {
        node.name.removeprefix("test_")
        for node in ast.walk(tree)
        if isinstance(node, _Function) and node.name.startswith("test_")
    }


def imported_modules(tree: ast.Module) -> set[str]:
    """Modules a test module imports whole (`import x`, `import x.y`) at its top level."""
    return {
        alias.name
        for node in tree.body
        if isinstance(node, ast.Import)
        for alias in node.names
        if alias.asname is None
    }


def last_import_line(tree: ast.Module) -> int:
    """The last line of the top-level import block (0 when there is none)."""
    last = 0
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            last = node.end_lineno or node.lineno
        elif last:
            break
    return last
