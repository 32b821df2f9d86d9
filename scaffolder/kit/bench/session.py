"""Putting a run together from a project: its bench settings, the suite, the targets."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from scaffolder.errors import BenchError
from scaffolder.kit.bench.config import BenchConfig, import_module, import_object
from scaffolder.kit.bench.graders import known_graders
from scaffolder.kit.bench.results import Variant
from scaffolder.kit.bench.suite import Suite, load_suite, suite_path
from scaffolder.kit.bench.targets import Target, suite_kind


def load_project_suite(root: Path, config: BenchConfig, name: str) -> Suite:
    """The suite, after the project's custom graders are registered (so names resolve)."""
    for module in config.grader_modules:
        import_module(module, root, "[tool.copilot.bench] graders")
    return load_suite(suite_path(root, name), known_graders())


def variants(models: Sequence[str], prompts: Sequence[str]) -> list[Variant]:
    """Every model with every prompt; an empty list means "the configured one"."""
    model_choices: list[str | None] = [*models] or [None]
    prompt_choices: list[str | None] = [*prompts] or [None]
    return [Variant(model, prompt) for model in model_choices for prompt in prompt_choices]


def build_targets(
    root: Path, config: BenchConfig, suite: Suite, wanted: Sequence[Variant]
) -> list[tuple[Variant, Target]]:
    custom = suite.target or config.target
    if custom:
        if any(variant.prompt for variant in wanted):
            raise BenchError(
                f"--prompt picks the prompt of the default target, but this suite runs {custom}"
            )
        target = import_object(custom, root, "bench target")
        if not callable(target):
            raise BenchError(f"bench target {custom!r} is not callable")
        return [(variant, target) for variant in wanted]
    kind = suite_kind(suite.kind)
    if kind.default_target is None:
        raise BenchError(
            f"{suite.kind} suites have no default target: set target in the suite's first line "
            'or [tool.copilot.bench] target = "package.module:function"'
        )
    library = _library(root)
    return [
        (variant, kind.default_target(library, variant.prompt or suite.prompt or config.prompt))
        for variant in wanted
    ]


def _library(root: Path) -> Any:
    from scaffolder.kit.prompts import PromptLibrary

    return PromptLibrary.for_project(root)
