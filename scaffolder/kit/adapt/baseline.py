"""`benchmarks/baseline.json` for an adapted project: the first cases of its new qa suite, run.

Why `adapt` records it rather than deleting it: the generated CI's benchmark smoke runs
`copilot bench run qa --limit 5` and compares that run with `benchmarks/baseline.json` case by
case, so a project whose suite was re-derived needs a baseline of the *new* cases or its CI
fails on day one ("the two runs share no case ids"). The run here is what that step does, on
the offline provider and through the whole copilot (routing, guards, retrieval, the answer
skill), with the suite text `adapt` is about to write; it is stored in the format `copilot
bench run` saves, so `copilot bench compare` reads it like any other results file, and a team
that records a baseline from its own model replaces it (adapt then keeps their file).

A re-run whose cases come out the same (suite version, ids, outputs, verdicts) keeps the file
as it is, so a second `adapt` with nothing new to derive writes nothing.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from scaffolder.kit.adapt.derive import BASELINE, QA
from scaffolder.kit.adapt.merge import Item
from scaffolder.kit.bench.config import BenchConfig, import_module
from scaffolder.kit.bench.graders import known_graders
from scaffolder.kit.bench.results import Variant
from scaffolder.kit.bench.runner import RunOptions, run_suite
from scaffolder.kit.bench.suite import load_suite
from scaffolder.kit.bench.targets import CaseInput
from scaffolder.kit.copilot.runtime import Copilot
from scaffolder.kit.llm.client import LLM

#: The cases the CI step runs (`copilot bench run qa --limit 5` in templates/base/'s CI workflow).
CASES = 5


def record_baseline(
    root: Path,
    scratch: Path,
    qa_text: str,
    copilot: Copilot,
    current: str | None,
    git_sha: str,
) -> Item:
    """The baseline item for `qa_text` (the qa suite as it will be written), run through
    `copilot` in `scratch`; `current` is the project's baseline text, kept when equivalent."""
    path = scratch / QA
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(qa_text, encoding="utf-8")
    config = BenchConfig.from_table(_copilot_table(root))
    for module in config.grader_modules:  # the team's graders, named by its qa suite
        import_module(module, root, "[tool.copilot.bench] graders")
    suite = load_suite(path, known_graders()).limited(CASES)

    def target(case: CaseInput, llm: LLM) -> dict[str, Any]:
        # What the project's bench target (`kit.copilot.bench_target.reply`) returns.
        earlier = [dict(turn) for turn in case.conversation]
        if earlier and earlier[-1].get("role") == "user":
            earlier = earlier[:-1]
        final = copilot.with_llm(llm).ask(case.text, history=earlier)
        return {
            "answer": final.text,
            "sources": [source.source for source in final.sources],
            "intent": final.skill,
        }

    options = RunOptions(concurrency=1, git_sha=git_sha)
    run = asyncio.run(run_suite(copilot.services.llm, suite, [(Variant(), target)], options))
    text = json.dumps(run.as_json(), indent=1, ensure_ascii=False)
    if current is not None and _same_cases(current, run.as_json()):
        text = current
    return Item(BASELINE, text)


def _same_cases(current: str, fresh: Mapping[str, Any]) -> bool:
    try:
        old = json.loads(current)
        return bool(_identity(old) == _identity(fresh))
    except (ValueError, TypeError, KeyError, AttributeError):
        return False


def _identity(run: Mapping[str, Any]) -> tuple[Any, ...]:
    cases = [(c["case_id"], c["passed"], c["output"], c["cost_usd"]) for c in run["cases"]]
    return run["suite"], run["suite_version"], cases


def _copilot_table(root: Path) -> Mapping[str, Any]:
    from scaffolder.project import PYPROJECT, read_copilot_table

    return read_copilot_table(root / PYPROJECT) or {}
