"""Preconditions (declared inputs) checked before rendering, postconditions after answering.

Inputs are checked against the manifest: required ones present, no undeclared ones, the
declared type, length limits and choices. Outputs are checked against the output schema and
the named checks; a project adds its own checks with `@output_check("name")`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from scaffolder.errors import UsageError
from scaffolder.kit.prompts.manifest import InputSpec

#: A check gets the answer text and the prompt's inputs; it returns a problem or None.
OutputCheck = Callable[[str, Mapping[str, object]], str | None]
_CHECKS: dict[str, OutputCheck] = {}
_TYPES: dict[str, tuple[type, ...]] = {
    "str": (str,),
    "int": (int,),
    "float": (int, float),
    "bool": (bool,),
    "list": (list, tuple),
    "dict": (dict,),
}
_CITATION = re.compile(r"\[([^\[\]\s]{1,40})\]")


class PromptInputError(UsageError):
    """Inputs that break a prompt's preconditions; nothing was rendered."""


class PromptOutputError(UsageError):
    """An answer that breaks a prompt's postconditions."""

    def __init__(self, message: str, problems: list[str]) -> None:
        super().__init__(message)
        self.problems = problems


def output_check(name: str) -> Callable[[OutputCheck], OutputCheck]:
    """Register a postcondition that manifests can name under `output.checks`."""

    def register(check: OutputCheck) -> OutputCheck:
        _CHECKS[name] = check
        return check

    return register


def known_checks() -> set[str]:
    return set(_CHECKS)


def run_checks(names: list[str], text: str, inputs: Mapping[str, object]) -> list[str]:
    problems = []
    for name in names:
        check = _CHECKS.get(name)
        if check is None:
            problems.append(f"no output check named {name!r} is registered")
            continue
        problem = check(text, inputs)
        if problem:
            problems.append(f"{name}: {problem}")
    return problems


def checked_inputs(
    prompt: str, specs: Mapping[str, InputSpec], values: Mapping[str, object]
) -> dict[str, object]:
    """`values` with defaults filled in; raises `PromptInputError` naming every problem."""
    problems = [f"undeclared input {name!r}" for name in values if name not in specs]
    result: dict[str, object] = {}
    for name, spec in specs.items():
        if name not in values or values[name] is None:
            if spec.required and spec.default is None:
                problems.append(f"input {name!r} is required")
            else:
                result[name] = spec.default
            continue
        value = values[name]
        problem = _problem(spec, value)
        if problem:
            problems.append(f"input {name!r} {problem}")
        result[name] = value
    if problems:
        raise PromptInputError(f"prompt {prompt}: " + "; ".join(problems))
    return result


def _problem(spec: InputSpec, value: object) -> str | None:
    if spec.type != "any":
        expected = _TYPES[spec.type]
        wrong_bool = isinstance(value, bool) and spec.type in ("int", "float")
        if not isinstance(value, expected) or wrong_bool:
            return f"must be {spec.type}, got {type(value).__name__}"
    if spec.choices is not None and value not in spec.choices:
        return f"must be one of {spec.choices}, got {value!r}"
    if isinstance(value, str | list | tuple | dict):
        if spec.max_length is not None and len(value) > spec.max_length:
            return f"is longer than {spec.max_length} ({len(value)})"
        if spec.min_length is not None and len(value) < spec.min_length:
            return f"is shorter than {spec.min_length} ({len(value)})"
    return None


@output_check("non_empty")
def _non_empty(text: str, inputs: Mapping[str, object]) -> str | None:
    return None if text.strip() else "the answer is empty"


@output_check("cites_sources")
def _cites_sources(text: str, inputs: Mapping[str, Any]) -> str | None:
    """Every `[id]` must name a given passage, and an answer must cite at least one,
    unless it says it does not know."""
    passages = inputs.get("passages") or []
    known = {str(p["id"] if isinstance(p, Mapping) else getattr(p, "id", p)) for p in passages}
    cited = set(_CITATION.findall(text))
    unknown = sorted(cited - known)
    if unknown:
        return f"cites sources that were not given: {', '.join(unknown)}"
    if not cited and not text.lower().startswith("i don't know"):
        return "cites no source"
    return None
