"""An unparseable judge verdict is "ungraded": counted apart, never scored as an F.

Against the loopback model server answering verdicts without a `Grade:` line, the way a
model that ignores the rubric's last-line format does.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from scaffolder.kit.bench.compare import compare_runs
from scaffolder.kit.bench.graders import known_graders, run_grader
from scaffolder.kit.bench.report import markdown_report
from scaffolder.kit.bench.report_html import html_report
from scaffolder.kit.bench.results import RunResult, Variant, ungraded_failures
from scaffolder.kit.bench.runner import RunOptions, run_suite
from scaffolder.kit.bench.suite import Case, load_suite
from scaffolder.kit.bench.targets import CaseInput
from scaffolder.kit.bench.types import GradeInput, TargetOutput
from scaffolder.kit.llm.client import LLM
from tests.kit.bench.conftest import server_llm, write_cases
from tests.kit.llm.fault_server import FaultServer, answer

GARBAGE = "I would rather not say."
JUDGE = [{"name": "judge", "judgements": 1}]


def fixed_answer(case: CaseInput, llm: LLM) -> str:
    """A target that makes no model call, so every request the server sees is the judge's."""
    return f"answer to {case.text}"


def judged_run(tmp_path: Path, server: FaultServer, verdicts: list[str]) -> RunResult:
    cases = [
        {"id": f"c{i}", "input": f"q{i}", "references": ["r"], "graders": JUDGE}
        for i in range(len(verdicts))
    ]
    suite = load_suite(write_cases(tmp_path / "judged.jsonl", cases), known_graders())
    server.script(*(answer(text) for text in verdicts))
    llm = server_llm(server, None)
    options = RunOptions(concurrency=1)
    return asyncio.run(run_suite(llm, suite, [(Variant(), fixed_answer)], options))


def test_a_garbage_verdict_is_ungraded_not_an_f(model_server: FaultServer) -> None:
    model_server.script(answer(GARBAGE), answer(GARBAGE), answer(GARBAGE))
    llm = server_llm(model_server, None)
    case = Case(id="x", input="capital of France?", references=("Paris",))
    grade = asyncio.run(run_grader("judge", GradeInput(case, TargetOutput("Paris."), {}, llm)))
    assert grade.ungraded and not grade.passed
    assert "agreement" not in grade.detail and "???" not in grade.detail
    assert "no grade" in grade.detail


def test_some_unparseable_judgements_are_left_out_of_score_and_agreement(
    model_server: FaultServer,
) -> None:
    model_server.script(answer("Good. Grade: A"), answer(GARBAGE), answer("Fine.\nGrade: A"))
    llm = server_llm(model_server, None)
    case = Case(id="x", input="capital of France?", references=("Paris",))
    grade = asyncio.run(run_grader("judge", GradeInput(case, TargetOutput("Paris."), {}, llm)))
    assert not grade.ungraded and grade.passed
    assert grade.score == pytest.approx(1.0), "an unparsed reply is no F in the average"
    assert grade.extra["agreement"] == pytest.approx(1.0)
    assert grade.extra["unparsed"] == 1


def test_pairwise_with_no_parseable_vote_is_ungraded(model_server: FaultServer) -> None:
    model_server.script(answer(GARBAGE), answer(GARBAGE))
    llm = server_llm(model_server, None)
    case = Case(id="x", input="q", references=("ref",))
    grade = asyncio.run(run_grader("judge_pairwise", GradeInput(case, TargetOutput("a"), {}, llm)))
    assert grade.ungraded and not grade.passed


def test_ungraded_cases_are_shown_apart_and_out_of_the_pass_rate(
    tmp_path: Path, model_server: FaultServer
) -> None:
    run = judged_run(tmp_path, model_server, ["Grade: A", GARBAGE, "Grade: A", "Grade: F"])
    summary = run.summary(run.labels()[0])
    assert (summary.passed, summary.graded, summary.ungraded) == (2, 3, 1)
    assert summary.pass_rate == pytest.approx(2 / 3)
    ungraded = [case for case in run.cases if case.ungraded]
    assert [case.case_id for case in ungraded] == ["c1"]

    markdown = markdown_report(run, "latest")
    assert "66.7% (2/3)" in markdown and "#### Ungraded cases" in markdown
    page = html_report(run, "latest")
    assert "Ungraded cases" in page and "c1" in page
    saved = json.loads(json.dumps(run.as_json()))
    assert [c["ungraded"] for c in saved["cases"]] == [False, True, False, False]


def test_more_than_the_allowed_share_ungraded_fails_in_one_line(
    tmp_path: Path, model_server: FaultServer
) -> None:
    run = judged_run(tmp_path, model_server, [GARBAGE, GARBAGE, "Grade: A", "Grade: B"])
    [reason] = ungraded_failures(run, 0.1)
    assert "\n" not in reason
    assert "2 of 4 results (50%) ungraded" in reason and "10%" in reason
    assert ungraded_failures(run, 0.5) == []


def test_compare_leaves_ungraded_cases_out_of_the_pairing(
    tmp_path: Path, model_server: FaultServer
) -> None:
    base = judged_run(tmp_path, model_server, ["Grade: A", "Grade: A", "Grade: A"])
    new = judged_run(tmp_path, model_server, ["Grade: A", GARBAGE, "Grade: A"])
    comparison = compare_runs(base, new)
    assert comparison.regressions == [], "an unparseable verdict is no regression"
    assert comparison.paired == 2 and comparison.ungraded == ["c1"]
