"""Docstring stubs written from a function's signature, for `document` without a model.

Why stubs and not prose: without a model nothing honest can be said about what a function is
for, but its signature already fixes the skeleton (Args with their annotations, Returns,
Raises from the `raise` statements in its body). Writing that skeleton, with TODO where the
words go, saves the typing and leaves the thinking, visibly, to the person.
"""

from __future__ import annotations

import ast

_Function = ast.FunctionDef | ast.AsyncFunctionDef


def docstring_stub(node: _Function, indent: str, *, is_method: bool) -> str:
    """A Google-style docstring for `node`, indented by `indent`, ending with a newline."""
    sections: list[list[str]] = []
    arguments = _arguments(node, is_method)
    if arguments:
        sections.append(["Args:", *(f"    {line}" for line in arguments)])
    kind, annotation = _result(node)
    if kind:
        sections.append([f"{kind}:", f"    {annotation + ': ' if annotation else ''}TODO."])
    raised = _raised(node)
    if raised:
        sections.append(["Raises:", *(f"    {name}: TODO: when." for name in raised)])
    summary = f'"""TODO: say what {node.name} does and why.'
    if not sections:
        return f'{indent}{summary}"""\n'
    lines = [summary]
    for section in sections:
        lines.extend(["", *section])
    lines.append('"""')
    return "".join(f"{indent}{line}\n" if line else "\n" for line in lines)


def _arguments(node: _Function, is_method: bool) -> list[str]:
    args = node.args
    positional = [*args.posonlyargs, *args.args]
    if is_method and positional and not _is_static(node):
        positional = positional[1:]  # self or cls
    described = [_argument(arg) for arg in positional]
    if args.vararg:
        described.append(_argument(args.vararg, "*"))
    described.extend(_argument(arg) for arg in args.kwonlyargs)
    if args.kwarg:
        described.append(_argument(args.kwarg, "**"))
    return described


def _argument(arg: ast.arg, stars: str = "") -> str:
    annotation = f" ({ast.unparse(arg.annotation)})" if arg.annotation else ""
    return f"{stars}{arg.arg}{annotation}: TODO."


def _is_static(node: _Function) -> bool:
    return any(isinstance(d, ast.Name) and d.id == "staticmethod" for d in node.decorator_list)


def _own_nodes(node: _Function) -> list[ast.AST]:
    """Nodes of `node`'s body, not descending into nested functions, classes or lambdas."""
    found: list[ast.AST] = []
    stack: list[ast.AST] = list(node.body)
    while stack:
        current = stack.pop()
        found.append(current)
        if not isinstance(
            current, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
        ):
            stack.extend(ast.iter_child_nodes(current))
    return found


def _result(node: _Function) -> tuple[str, str]:
    """("Returns" or "Yields" or "", the annotation as written or "")."""
    own = _own_nodes(node)
    yields = any(isinstance(n, (ast.Yield, ast.YieldFrom)) for n in own)
    if node.returns is not None:
        written = ast.unparse(node.returns)
        if written in ("None", "NoReturn", "Never"):
            return "", ""
        return ("Yields" if yields else "Returns"), written
    if yields:
        return "Yields", ""
    returns_value = any(isinstance(n, ast.Return) and n.value is not None for n in own)
    return ("Returns", "") if returns_value else ("", "")


def _raised(node: _Function) -> list[str]:
    names: list[str] = []
    for current in _own_nodes(node):
        if isinstance(current, ast.Raise) and current.exc is not None:
            exc = current.exc.func if isinstance(current.exc, ast.Call) else current.exc
            if isinstance(exc, (ast.Name, ast.Attribute)):
                name = ast.unparse(exc)
                if name not in names:
                    names.append(name)
    return sorted(names)
