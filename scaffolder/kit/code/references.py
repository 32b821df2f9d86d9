"""What "this", "it" and "that function" mean in a request, given the editor and the last turn.

Why a pure function with a stated reason: resolving a reference wrongly means editing the
wrong code, so the choice must be predictable, testable without a model, and shown to the
person approving the edit ("'it' refers back to function parse from the previous turn").

The rules, first match wins:

1. a symbol of the file named in the request is the target, when the name is written as
   code: in backticks, with `_`, `.` or an inner capital, or after "function"/"class"/"method"
   (so `add a test for it` does not pick a function called `add`);
2. "this file" / "the file" means the whole file;
3. "it", "that" or "them" point back to the previous turn's target, when there is one;
4. "this", "these", "here" or "the selection" mean the selection, when there is one;
5. otherwise the innermost function or class around the selection or cursor, of the kind the
   request names ("this class" skips the method the cursor is in), else the focused lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from scaffolder.kit.code.context import SourceView
from scaffolder.kit.symbols.source import SymbolKind
from scaffolder.kit.turn import Target

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")
_BACK = frozenset({"it", "that", "them", "those", "its"})
_HERE = frozenset({"this", "these", "here", "selection", "selected", "highlighted"})
_KIND_WORDS: dict[str, tuple[SymbolKind, ...]] = {
    "function": ("function", "method"),
    "method": ("method", "function"),
    "class": ("class",),
}


@dataclass(frozen=True)
class Reference:
    target: Target
    reason: str


def resolve_reference(request: str, view: SourceView, previous: Target | None = None) -> Reference:
    """The target of `request`; see the module doc for the rules and their order."""
    words = [word.rstrip(".").lower() for word in _WORD.findall(request)]
    file = view.context.file
    by_name = {symbol.name: symbol for symbol in reversed(view.symbols) if symbol.kind != "block"}
    by_name.update({s.qualname: s for s in view.symbols if s.kind != "block"})
    for word in _named_words(request):
        named = by_name.get(word)
        if named is not None:
            target = Target(file, named.start_line, named.end_line, named.qualname, named.kind)
            return Reference(target, f"the request names {named.kind} {named.qualname}")
    if "file" in words and ({"this", "the", "whole", "entire"} & set(words)):
        whole = Target(file, 1, max(len(view.lines), 1), None, "file")
        return Reference(whole, "the request is about the whole file")
    kinds = next((_KIND_WORDS[w] for w in words if w in _KIND_WORDS), None)
    back = next((word for word in words if word in _BACK), None)
    if back is not None and previous is not None and (kinds is None or previous.kind in kinds):
        return Reference(previous, f"{back!r} refers back to the previous turn's target")
    here = next((word for word in words if word in _HERE), None)
    if here is not None and view.context.has_selection and kinds is None:
        start, end = view.focus
        return Reference(
            Target(file, start, end, None, "selection"), f"{here!r} means the selected lines"
        )
    around = view.enclosing(kinds) if kinds else view.enclosing(("function", "method", "class"))
    where = "selection" if view.context.has_selection else "cursor"
    if around is not None:
        target = Target(file, around.start_line, around.end_line, around.qualname, around.kind)
        said = f"{(back or here)!r} with no earlier target: " if (back or here) else ""
        return Reference(target, f"{said}the {around.kind} around the {where}")
    start, end = view.focus
    if kinds:
        reason = f"no {kinds[0]} around the {where}; using the {where}'s lines"
    else:
        reason = f"no function or class around the {where}; using the {where}'s lines"
    return Reference(Target(file, start, end, None, where), reason)


def _named_words(request: str) -> list[str]:
    """Words of `request` written the way people write code names; see rule 1."""
    found = re.findall(r"`([^`]+)`", request)
    words = [word.rstrip(".") for word in _WORD.findall(request)]
    for before, word in zip(["", *words], words, strict=False):
        looks_like_code = "_" in word or "." in word or word[1:] != word[1:].lower()
        if looks_like_code or before.lower() in _KIND_WORDS:
            found.append(word)
    return [word.strip("()") for word in found]
