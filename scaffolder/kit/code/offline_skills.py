"""The code assistant's skills without a model: what can be done honestly from the source alone.

Why offline behaviours at all: a copilot must be useful (and testable) before a model is
configured, and several requests need no model to do well: outlining code, writing docstring
skeletons from signatures, writing test skeletons per function. Where a model is truly needed
(refactoring), the skill says so instead of pretending. Each skill takes a bound `SourceView`
and optionally the `Target` from `resolve_reference`, and returns a `SkillResult`: text for
the person and, for edits, an `EditProposal` that nothing applies until approved.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import PurePosixPath

from scaffolder.kit.code.context import SourceView
from scaffolder.kit.code.docstrings import docstring_stub
from scaffolder.kit.code.proposals import Edit, EditProposal, propose
from scaffolder.kit.code.references import resolve_reference
from scaffolder.kit.code.testgen import (
    imported_modules,
    last_import_line,
    module_name,
    public_functions,
    skeleton_module,
    skeleton_test,
    tested_names,
)
from scaffolder.kit.symbols.source import is_python, lines_of, parse_python
from scaffolder.kit.turn import Target

_Function = ast.FunctionDef | ast.AsyncFunctionDef


@dataclass(frozen=True)
class SkillResult:
    text: str
    proposal: EditProposal | None = None
    #: The code the skill worked on.
    target: Target | None = None


def explain(view: SourceView, target: Target | None = None) -> SkillResult:
    """An outline of the symbols (with their docstrings' first lines) in the target: the
    selection when there is one, else the whole file. Text only; nothing is edited."""
    if target is None:
        start, end = view.focus if view.context.has_selection else (1, max(len(view.lines), 1))
        target = Target(
            view.context.file,
            start,
            end,
            None,
            "selection" if view.context.has_selection else "file",
        )
    inside = [
        s
        for s in view.symbols
        if s.start_line <= target.end_line and s.end_line >= target.start_line
    ]
    lines = [f"{target.describe()}:"]
    if target.kind == "file" and is_python(view.context.file):
        tree = parse_python(view.text)
        module_doc = ast.get_docstring(tree) if tree else None
        if module_doc:
            lines.append(f"module: {_first_line(module_doc)}")
    if not inside:
        lines.append("no functions or classes here")
    for symbol in inside:
        depth = symbol.qualname.count(".")
        about = _first_line(symbol.docstring) if symbol.docstring else "no docstring"
        shown = symbol.signature or symbol.name
        lines.append(
            f"{'  ' * depth}- {shown} (lines {symbol.start_line}-{symbol.end_line}): {about}"
        )
    return SkillResult("\n".join(lines), None, target)


def document(view: SourceView, target: Target | None = None) -> SkillResult:
    """Docstring stubs for the functions in the target that lack one, as one replace_selection
    proposal over the lines holding them. Python only."""
    file = view.context.file
    tree = parse_python(view.text) if is_python(file) else None
    if tree is None:
        return SkillResult(
            f"document works offline on Python that parses; {file} is not, so a model is needed"
        )
    target = _default_target(view, target)
    candidates = [
        (node, is_method)
        for node, is_method in _functions(tree)
        if ast.get_docstring(node) is None
        and _first(node) <= target.end_line
        and (node.end_lineno or node.lineno) >= target.start_line
    ]
    inserts: dict[int, str] = {}
    skipped: list[str] = []
    for node, is_method in candidates:
        body_line = _first(node.body[0])
        if body_line == node.lineno:
            skipped.append(node.name)  # `def f(): return x` has no line to put a docstring on
            continue
        line = view.lines[body_line - 1]
        indent = line[: len(line) - len(line.lstrip())]
        inserts[body_line] = docstring_stub(node, indent, is_method=is_method)
    if not inserts:
        note = f" ({', '.join(skipped)} are one-liners)" if skipped else ""
        return SkillResult(
            f"every function in {target.describe()} has a docstring{note}", None, target
        )
    documented = [node for node, _ in candidates if node.name not in skipped]
    start = min([target.start_line, *(_first(node) for node in documented)])
    end = max([target.end_line, *((node.end_lineno or node.lineno) for node in documented)])
    new_lines = []
    for number in range(start, end + 1):
        if number in inserts:
            new_lines.append(inserts[number].rstrip("\n"))
        new_lines.append(view.lines[number - 1])
    edit = Edit(file, "replace_selection", "\n".join(new_lines) + "\n", start, end)
    names = ", ".join(node.name for node in documented)
    rationale = (
        f"Adds docstring stubs (Args/Returns/Raises from the signatures) to {names}. "
        f"replace_selection, not insert_below: a docstring must sit inside its function, so "
        f"lines {start}-{end} are rewritten with the stubs inserted and nothing else changed."
    )
    proposal = propose(
        view.root, [edit], rationale=rationale, source="document", sources=view.scope
    )
    text = f"Proposed docstring stubs for {names}; fill in the TODOs." + (
        f" Skipped one-liners: {', '.join(skipped)}." if skipped else ""
    )
    return SkillResult(text, proposal, target)


def add_test(view: SourceView, target: Target | None = None) -> SkillResult:
    """Pytest skeletons for the file's public functions (or just the targeted one), as a new
    `tests/test_<module>.py`, or inserted into the module's existing test file."""
    file = view.context.file
    tree = parse_python(view.text) if is_python(file) else None
    if tree is None:
        return SkillResult(
            f"add_test works offline on Python that parses; {file} is not, so a model is needed"
        )
    stem = PurePosixPath(file).stem
    if stem.startswith("test_"):
        return SkillResult(f"{file} is a test module already; open the module it tests instead")
    functions = public_functions(tree)
    if target is not None and target.kind == "function":
        functions = [f for f in functions if f.name == target.symbol] or functions
    module = module_name(file)
    existing = _existing_test_file(view, stem)
    if existing is None:
        functions_text = skeleton_module(module, functions)
        if not functions:
            return SkillResult(f"{file} has no public functions to test", None, target)
        path = f"tests/test_{stem}.py"
        edit = Edit(path, "create_file", functions_text)
        rationale = (
            f"Creates {path} with one skeleton test per public function of {module}. "
            "create_file: the module has no test file yet (looked for tests/test_"
            f"{stem}.py, test_{stem}.py and one next to it)."
        )
        proposal = propose(view.root, [edit], rationale=rationale, source="add_test")
        return SkillResult(
            f"Proposed {path} with {len(functions)} test skeleton(s).", proposal, target
        )
    test_text = (view.root / existing).read_text(encoding="utf-8")
    test_tree = parse_python(test_text)
    if test_tree is None:
        return SkillResult(f"{existing} does not parse; fix it before adding tests to it")
    missing = [f for f in functions if f.name not in tested_names(test_tree)]
    if not missing:
        return SkillResult(
            f"every public function of {module} already has a test in {existing}", None, target
        )
    needed = [name for name in ("inspect", module) if name not in imported_modules(test_tree)]
    total = len(lines_of(test_text))
    edits = [
        Edit(
            existing,
            "insert_below",
            "".join(f"\n\n{skeleton_test(module, f)}" for f in missing),
            total,
            total,
        )
    ]
    if needed:
        at = last_import_line(test_tree)
        edits.append(
            Edit(existing, "insert_below", "".join(f"import {n}\n" for n in needed), at, at)
        )
    names = ", ".join(f.name for f in missing)
    rationale = (
        f"Adds skeleton tests for {names} to {existing}. insert_below, not create_file: "
        f"{existing} already tests {module}, so the new tests go at its end"
        + (
            f" and the imports they need ({', '.join(needed)}) below its imports."
            if needed
            else "."
        )
    )
    proposal = propose(view.root, edits, rationale=rationale, source="add_test")
    return SkillResult(f"Proposed {len(missing)} test skeleton(s) in {existing}.", proposal, target)


def refactor(view: SourceView, target: Target | None = None) -> SkillResult:
    """Nothing: restructuring code needs a model, and a rule-based guess would be worse than
    no proposal. Says which code a model would be asked to refactor."""
    target = _default_target(view, target)
    return SkillResult(
        f"Refactoring needs a model: no edit proposed. With one configured, the request would "
        f"apply to {target.describe()}.",
        None,
        target,
    )


def _default_target(view: SourceView, target: Target | None) -> Target:
    """The given target, else the selection or the symbol at the cursor, else the whole file."""
    if target is not None:
        return target
    found = resolve_reference("", view).target
    if found.kind in ("selection", "function", "method", "class"):
        return found
    return Target(view.context.file, 1, max(len(view.lines), 1), None, "file")


def _functions(tree: ast.Module) -> list[tuple[_Function, bool]]:
    """Every function in `tree` with whether it is a method (defined directly in a class)."""
    found: list[tuple[_Function, bool]] = []
    for parent in ast.walk(tree):
        for child in ast.iter_child_nodes(parent):
            if isinstance(child, _Function):
                found.append((child, isinstance(parent, ast.ClassDef)))
    return sorted(found, key=lambda pair: pair[0].lineno)


def _first(node: ast.stmt) -> int:
    """A statement's first line, decorators included."""
    decorators: list[ast.expr] = getattr(node, "decorator_list", [])
    return min([node.lineno, *(d.lineno for d in decorators)])


def _existing_test_file(view: SourceView, stem: str) -> str | None:
    parent = PurePosixPath(view.context.file).parent
    for candidate in (f"tests/test_{stem}.py", f"test_{stem}.py", str(parent / f"test_{stem}.py")):
        if (view.root / candidate).is_file():
            return candidate.removeprefix("./")
    return None


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else ""
