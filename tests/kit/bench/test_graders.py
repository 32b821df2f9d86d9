"""Built-in graders, custom registration, and the LLM judge against a scripted server."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from scaffolder.errors import BenchError
from scaffolder.kit.bench.graders import grader, known_graders, run_grader
from scaffolder.kit.bench.judge import compare_answers
from scaffolder.kit.bench.suite import Case
from scaffolder.kit.bench.types import Grade, GradeInput, TargetOutput
from tests.kit.bench.conftest import CountingServer, server_llm
from tests.kit.llm.fault_server import answer


def grade(name: str, text: str, case: Case | None = None, **options: Any) -> Grade:
    given = GradeInput(case or Case("c", "q"), TargetOutput(text), options)
    return asyncio.run(run_grader(name, given))


def with_refs(*references: str, **fields: Any) -> Case:
    return Case("c", "question?", references=references, **fields)


def test_exact_and_contains() -> None:
    assert grade("exact", " Paris ", with_refs("paris")).passed
    assert not grade("exact", "Paris", with_refs("paris"), case_sensitive=True).passed
    partial = grade("contains", "red and blue", with_refs("red", "green"))
    assert (partial.passed, partial.score) == (False, 0.5)
    assert grade("contains", "red and blue", with_refs("red", "green"), any=True).passed


def test_regex_json_schema_numeric() -> None:
    assert grade("regex", "Order #1234 shipped", pattern=r"#\d{4}").passed
    schema = {"type": "object", "required": ["ok"], "properties": {"ok": {"type": "boolean"}}}
    assert grade("json_schema", 'Here: {"ok": true}', schema=schema).passed
    assert not grade("json_schema", '{"ok": "yes"}', schema=schema).passed
    assert grade("numeric", "It is about 3.15 m", with_refs("3.14159"), tolerance=0.01).passed
    assert not grade("numeric", "It is 3.3", with_refs("3.14159"), tolerance=0.01).passed
    assert grade("numeric", "1,050 users", with_refs("1000"), relative=0.1).passed


def test_rag_and_routing_graders() -> None:
    case = Case("c", "q", sources=("d2",), intent="billing")
    cited = GradeInput(
        case, TargetOutput("Refunds take thirty days to arrive [2].", ("d1", "d2")), {}
    )
    assert asyncio.run(run_grader("citations", cited)).passed
    bad = GradeInput(
        case, TargetOutput("Refunds take thirty days to arrive [7].", ("d1", "d2")), {}
    )
    assert "unknown citations" in asyncio.run(run_grader("citations", bad)).detail
    hit = asyncio.run(run_grader("hit_at_k", GradeInput(case, TargetOutput("", ("d1", "d2")), {})))
    assert (hit.passed, hit.score) == (True, 0.5)
    miss = GradeInput(case, TargetOutput("", ("d1", "d2")), {"k": 1})
    assert not asyncio.run(run_grader("hit_at_k", miss)).passed
    routed = GradeInput(case, TargetOutput("", intent="sales"), {})
    assert asyncio.run(run_grader("intent", routed)).detail == "routed to 'sales'"


def test_custom_grader_by_name_and_clear_errors() -> None:
    @grader("test_shouting")
    def shouting(given: GradeInput) -> float:
        letters = [c for c in given.output.answer if c.isalpha()]
        return sum(c.isupper() for c in letters) / len(letters)

    assert "test_shouting" in known_graders()
    assert grade("test_shouting", "HELLO").passed
    assert not grade("test_shouting", "HELlo", threshold=0.7).passed
    with pytest.raises(BenchError, match="unknown grader 'nope'"):
        grade("nope", "x")
    with pytest.raises(BenchError, match="needs reference answers"):
        grade("exact", "x")
    with pytest.raises(BenchError, match="already registered"):
        grader("test_shouting")(lambda given: True)


def test_judge_averages_judgements_at_temperature_zero(
    tmp_path: Path, server: CountingServer
) -> None:
    server.script(answer("Fine. Grade: A"), answer("Minor gap. Grade: B"), answer("Grade: A"))
    llm = server_llm(server, tmp_path / "cache.sqlite3")
    given = GradeInput(with_refs("Paris"), TargetOutput("Paris."), {"model": "judge-1"}, llm)
    result = asyncio.run(run_grader("judge", given))
    assert result.score == pytest.approx((1.0 + 0.8 + 1.0) / 3)
    assert result.passed
    assert result.extra["agreement"] == pytest.approx(2 / 3)
    assert sorted(result.extra["letters"]) == ["A", "A", "B"]
    assert {r["model"] for r in server.requests} == {"judge-1"}
    assert {r["temperature"] for r in server.requests} == {0.0}
    again = asyncio.run(run_grader("judge", given))
    assert server.count == 3 and again.score == result.score, "judgements replay from the cache"


def test_pairwise_swaps_order_and_exposes_position_bias(
    tmp_path: Path, server: CountingServer
) -> None:
    server.script(answer("Winner: 1"), answer("Winner: 1"))
    llm = server_llm(server, tmp_path / "cache.sqlite3")
    result = asyncio.run(compare_answers(llm, "q", "first", "second", model="j", judgements=2))
    shown_first = [
        r["messages"][1]["content"].index("<answer_1>\nfirst")
        for r in server.requests
        if "<answer_1>\nfirst" in r["messages"][1]["content"]
    ]
    assert len(shown_first) == 1, "one judgement sees each order"
    assert sorted(result.votes) == ["first", "second"]
    assert (result.first_wins, result.agreement) == (0.5, 0.5)
