"""`copilot adapt` for a code-assistant project: routing examples from the team's own code.

Why from the symbol index: the template's examples speak of "this function" and "the
configuration"; a team's requests name its functions ("where is parse_headers defined",
"add a test for make_msgid"). The symbol index of what was ingested (the project's code and
its sources) gives those names, so each code skill gets a few examples in the team's
vocabulary, spread across the files (round-robin, public names first). They are merged by the
same manifest as the qa-rag derivation (`manifest`, `merge`): a line the team edited or added
is kept, derived lines of names that are gone are retired, and nothing is written unless the
tree is clean (the CLI checks) and then in one journaled transaction (`apply_plan`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from scaffolder.errors import UsageError
from scaffolder.kit.adapt.manifest import MANIFEST, Manifest, load_manifest
from scaffolder.kit.adapt.merge import Item, merge_lines
from scaffolder.kit.adapt.plan import Plan
from scaffolder.kit.symbols.index import Definition, SymbolIndex

#: Skill -> the request forms derived for each chosen name.
FORMS: dict[str, tuple[str, ...]] = {
    "ask_codebase": ("where is {name} defined?", "what calls {name}?", "how does {name} work?"),
    "explain": ("explain {name}",),
    "document": ("add a docstring to {name}",),
    "add_test": ("add a test for {name}",),
}
#: Names an adaptation derives examples from.
MAX_NAMES = 12


def plan_code_adaptation(root: Path, symbols: SymbolIndex) -> Plan:
    """What `adapt` would write for the code-assistant project at `root` (nothing written)."""
    chosen = choose(list(symbols.definitions()))
    if not chosen:
        raise UsageError(
            "the index holds no functions or classes: run `copilot ingest` on the code first"
        )
    old = load_manifest(root)
    manifest = Manifest(old.topic, old.topic_given, dict(old.documents), dict(old.files))
    plan = Plan(root, old.topic or "the team's code", False, len(symbols.files))
    for skill, forms in FORMS.items():
        path = f"skills/{skill}/examples.txt"
        items = [
            Item(f"{skill}:{form}:{d.qualname}", form.format(name=d.name), d.file)
            for d in chosen
            for form in forms
        ]
        current = _read(root / path)
        merged = merge_lines(path, current, old.files.get(path, []), items,
                             group_comment=lambda item: "# from the symbol index")  # fmt: skip
        manifest.files[path] = merged.entries
        if merged.text != current:
            plan.writes[path] = merged.text
        plan.changes.append(merged.change)
    text = manifest.to_text()
    if _read(root / MANIFEST) != text:
        plan.writes[MANIFEST] = text
    return plan


def choose(definitions: Sequence[Definition]) -> list[Definition]:
    """Up to `MAX_NAMES` functions and classes, public ones, one file at a time round-robin
    so that every file is represented before any has two."""
    by_file: dict[str, list[Definition]] = {}
    for d in definitions:
        public = not d.name.startswith("_") and len(d.name) > 2
        if d.kind in ("function", "class", "method") and public:
            by_file.setdefault(d.file, []).append(d)
    chosen: list[Definition] = []
    seen: set[str] = set()
    depth = 0
    while len(chosen) < MAX_NAMES and any(depth < len(group) for group in by_file.values()):
        for group in by_file.values():
            if depth < len(group) and group[depth].name not in seen:
                seen.add(group[depth].name)
                chosen.append(group[depth])
        depth += 1
    return chosen[:MAX_NAMES]


def _read(path: Path) -> str | None:
    return path.read_text(encoding="utf-8") if path.is_file() else None
