"""The runner against a real loopback OpenAI-compatible server and the offline provider."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from scaffolder.errors import BenchError
from scaffolder.kit.bench.graders import known_graders
from scaffolder.kit.bench.results import RunResult, Variant
from scaffolder.kit.bench.runner import RunOptions, run_suite
from scaffolder.kit.bench.suite import Suite, load_suite
from scaffolder.kit.bench.targets import CaseInput, ChatTarget
from scaffolder.kit.llm.client import LLM
from scaffolder.kit.llm.providers.offline import OfflineProvider
from tests.kit.bench.conftest import CountingServer, echo_cases, server_llm, write_cases


def run(llm: LLM, suite: Suite, concurrency: int = 4, samples: int = 1, *models: str) -> RunResult:
    variants = [Variant(model) for model in models] or [Variant()]
    targets = [(variant, ChatTarget()) for variant in variants]
    options = RunOptions(samples=samples, concurrency=concurrency)
    return asyncio.run(run_suite(llm, suite, targets, options))


def test_server_run_grades_caches_and_honours_concurrency(
    tmp_path: Path, server: CountingServer
) -> None:
    server.latency = 0.05
    suite = load_suite(write_cases(tmp_path / "echo.jsonl", echo_cases(16)), known_graders())
    llm = server_llm(server, tmp_path / "cache.sqlite3")
    first = run(llm, suite, 4)
    summary = first.summary(first.labels()[0])
    assert (summary.passed, summary.results, summary.errors) == (16, 16, 0)
    assert server.count == 16
    assert server.max_in_flight == 4
    assert summary.calls == 16 and summary.cached_calls == 0
    assert summary.tokens > 0 and summary.cost_per_case is not None and summary.cost_per_case > 0
    assert all(case.latency_ms > 0 for case in first.cases)
    assert first.cases[0].output == "echo: word0"

    again = run(llm, suite, 4)
    assert server.count == 16, "an unchanged re-run must make no model call"
    resummary = again.summary(again.labels()[0])
    assert resummary.cached_calls == 16 and resummary.passed == 16
    assert resummary.cost_usd == 0.0
    assert resummary.cost_per_case == summary.cost_per_case, "list cost ignores the cache"


def test_samples_and_models_are_separate_calls(tmp_path: Path, server: CountingServer) -> None:
    suite = load_suite(write_cases(tmp_path / "echo.jsonl", echo_cases(3)), known_graders())
    llm = server_llm(server, tmp_path / "cache.sqlite3")
    result = run(llm, suite, 2, 2, "model-a", "model-b")
    assert server.count == 3 * 2 * 2
    assert result.labels() == ["model-a", "model-b"]
    assert {request["model"] for request in server.requests} == {"model-a", "model-b"}
    assert sorted({case.sample for case in result.cases}) == [0, 1]


def test_offline_provider_answers_from_passages(tmp_path: Path) -> None:
    cases = [
        {
            "id": "refund",
            "input": "How long do refunds take?",
            "references": ["30 days"],
            "vars": {"passages": [{"id": "p1", "text": "Refunds take 30 days to arrive."}]},
            "graders": ["contains", "citations"],
        }
    ]
    suite = load_suite(write_cases(tmp_path / "rag.jsonl", cases), known_graders())
    result = run(LLM(OfflineProvider()), suite)
    case = result.cases[0]
    assert case.error is None
    assert "30 days" in case.output
    assert [g["grader"] for g in case.grades] == ["contains", "citations"]
    assert case.passed, case.grades
    assert case.cost_usd == 0.0


def test_target_errors_are_recorded_per_case(tmp_path: Path) -> None:
    suite = load_suite(write_cases(tmp_path / "s.jsonl", echo_cases(2)), known_graders())

    def broken(case: CaseInput, llm: LLM) -> str:
        if case.id == "c1":
            raise ValueError("no such customer\nsecond line")
        return case.text

    options = RunOptions(concurrency=2)
    result = asyncio.run(run_suite(LLM(OfflineProvider()), suite, [(Variant(), broken)], options))
    by_id = {case.case_id: case for case in result.cases}
    assert by_id["c0"].passed and by_id["c0"].error is None
    assert by_id["c1"].error == "ValueError: no such customer"
    assert not by_id["c1"].passed


def test_bad_rows_are_reported_with_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(
        '{"id": "a", "input": "x"}\nnot json\n{"id": "a", "input": "y"}\n{"id": "b"}\n',
        encoding="utf-8",
    )
    with pytest.raises(BenchError) as caught:
        load_suite(path, known_graders())
    message = str(caught.value)
    assert message.startswith("bad.jsonl:2: not JSON")
    assert "(and 2 more problem(s))" in message


def test_unknown_grader_is_named_at_load_time(tmp_path: Path) -> None:
    path = write_cases(tmp_path / "s.jsonl", [{"id": "a", "input": "x", "graders": ["exactt"]}])
    with pytest.raises(BenchError, match=r"s.jsonl:1: unknown grader 'exactt' \(known: .*exact"):
        load_suite(path, known_graders())


def test_suite_header_sets_kind_and_default_graders(tmp_path: Path) -> None:
    path = write_cases(
        tmp_path / "routing.jsonl",
        [{"id": "r1", "input": "refund please", "intent": "billing"}],
        header={"kind": "intent", "target": "app:route", "graders": ["intent"]},
    )
    suite = load_suite(path, known_graders())
    assert (suite.kind, suite.target) == ("intent", "app:route")
    assert [g.name for g in suite.graders] == ["intent"]
    assert len(suite.version) == 12
