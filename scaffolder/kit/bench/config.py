"""`[tool.copilot.bench]`: how benchmarks reach the app and when they raise alarms.

[tool.copilot.bench]
target = "my_app.bench:answer"   # callable(case input, LLM) -> answer (+ sources, intent)
prompt = "answer"                # else: the default target renders this library prompt
concurrency = 8
judge_model = "gpt-4o-2024-08-06"
graders = ["my_app.graders"]     # modules that register custom graders on import
cost_alert = 0.2                 # warn when cost per case rises more than 20 %
webhook_url = "https://hooks.example/..."   # or $COPILOT_BENCH_WEBHOOK (keep it secret)
min_accuracy = 0.9               # routing suites fail below this (a suite's own setting wins)
max_ungraded = 0.1               # a run fails when more of its results have no verdict
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scaffolder.errors import BenchError
from scaffolder.kit.telemetry.webhook import webhook_url

DEFAULT_CONCURRENCY = 8
DEFAULT_COST_ALERT = 0.2
#: The share of a run's results that may be ungraded (no verdict from the judge) before the
#: run fails: beyond it the pass rate stands on too few verdicts to mean anything.
DEFAULT_MAX_UNGRADED = 0.1


@dataclass(frozen=True)
class BenchConfig:
    target: str | None = None
    prompt: str | None = None
    concurrency: int = DEFAULT_CONCURRENCY
    judge_model: str | None = None
    grader_modules: tuple[str, ...] = ()
    cost_alert: float = DEFAULT_COST_ALERT
    webhook_url: str | None = None
    min_accuracy: float | None = None
    max_ungraded: float = DEFAULT_MAX_UNGRADED

    @classmethod
    def from_table(cls, copilot_table: Mapping[str, Any]) -> BenchConfig:
        table = copilot_table.get("bench", {})
        if not isinstance(table, dict):
            raise BenchError("[tool.copilot.bench] must be a table")
        try:
            concurrency = int(table.get("concurrency", DEFAULT_CONCURRENCY))
            cost_alert = float(table.get("cost_alert", DEFAULT_COST_ALERT))
            max_ungraded = float(table.get("max_ungraded", DEFAULT_MAX_UNGRADED))
        except (TypeError, ValueError) as error:
            raise BenchError(f"[tool.copilot.bench]: {error}") from error
        if not 0 <= max_ungraded <= 1:
            raise BenchError("[tool.copilot.bench] max_ungraded must be a share from 0 to 1")
        if concurrency < 1:
            raise BenchError("[tool.copilot.bench] concurrency must be at least 1")
        modules = table.get("graders", [])
        if not isinstance(modules, list) or not all(isinstance(m, str) for m in modules):
            raise BenchError("[tool.copilot.bench] graders is a list of module names")
        return cls(
            target=table.get("target"),
            min_accuracy=min_accuracy("[tool.copilot.bench]", table.get("min_accuracy")),
            prompt=table.get("prompt"),
            concurrency=concurrency,
            judge_model=table.get("judge_model"),
            grader_modules=tuple(modules),
            cost_alert=cost_alert,
            webhook_url=webhook_url(copilot_table),
            max_ungraded=max_ungraded,
        )


def min_accuracy(where: str, value: object) -> float | None:
    """A routing accuracy floor: a share in [0, 1] (not a percentage), or None when unset."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise BenchError(f"{where} min_accuracy must be a number from 0 to 1, not {value!r}")
    return float(value)


def import_object(spec: str, root: Path, what: str) -> Any:
    """`package.module:name` from the project at `root`, or a one-line error saying why not."""
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise BenchError(f"{what} {spec!r} is not 'package.module:function'")
    module = import_module(module_name, root, what)
    try:
        return getattr(module, attribute)
    except AttributeError as exc:
        raise BenchError(f"{what} {spec!r}: {module_name} has no {attribute!r}") from exc


def import_module(name: str, root: Path, what: str) -> Any:
    """Import a project module, with the project root (and its src/) importable."""
    for folder in (root / "src", root):
        if folder.is_dir() and str(folder) not in sys.path:
            sys.path.insert(0, str(folder))
    try:
        return importlib.import_module(name)
    except ImportError as error:
        raise BenchError(f"{what}: cannot import {name!r}: {error}") from error
