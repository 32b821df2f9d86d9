"""The edit benchmark (benchmarks/edits.jsonl): each case asks the copilot for an edit with an
editor context, and passes when the proposed patch applies and the tests still pass after it.

`copilot bench run edits` imports this module (listed in `[tool.copilot.bench] graders`), so
the `patch_passes` grader is registered, and the suite names `propose_edit` as its target.
"""

import re
import sys
from pathlib import Path
from typing import Any

from scaffolder.kit.bench.graders import grader
from scaffolder.kit.bench.targets import CaseInput
from scaffolder.kit.bench.types import Grade, GradeInput
from scaffolder.kit.code import diff_applies, load_proposal, proposed_code, suite_passes_after
from scaffolder.kit.copilot import bench_target
from scaffolder.kit.llm.client import LLM

_APPLY = re.compile(r"copilot apply (\w+)")


def propose_edit(case: CaseInput, llm: LLM) -> dict[str, Any]:
    """The copilot's reply to the case's request with its editor context (`vars.context`): the
    copilot the project's app builds (`copilot bench run` hands it over), with the run's client."""
    reply = bench_target.copilot(llm).ask(case.text, context=dict(case.vars.get("context", {})))
    return {"answer": reply.text, "intent": reply.skill}


@grader("patch_passes")
def patch_passes(given: GradeInput) -> Grade:
    """The answer proposes a patch that parses, applies to its files, and keeps `tests` passing
    (option: the test files to run, default the whole suite) in a scratch copy."""
    found = _APPLY.search(given.output.answer)
    if found is None:
        return Grade(False, 0.0, "no proposal in the answer")
    root = bench_target.app().root
    proposal, _ = load_proposal(found.group(1), root)
    checks = proposed_code(proposal, root) + diff_applies(proposal, root)
    tests = [str(path) for path in given.options.get("tests", ["tests"])]
    argv = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *tests]
    allowed = frozenset({Path(sys.executable).name})
    env = {"PYTHONPATH": "{root}/src"}
    checks.append(suite_passes_after(proposal, root, argv, allowed=allowed, env=env))
    failed = [f"{check.name}: {check.detail[-200:]}" for check in checks if not check.ok]
    return Grade(
        not failed, 0.0 if failed else 1.0, "; ".join(failed) or "patch applies, tests pass"
    )
