"""Paired comparison of constructed runs with known flips."""

from __future__ import annotations

import pytest

from scaffolder.errors import BenchError
from scaffolder.kit.bench.compare import compare_runs, gate_failures, parse_increase
from scaffolder.kit.bench.results import CaseResult, RunResult
from scaffolder.kit.bench.stats import mcnemar_exact, paired_difference_interval, wilson

TAGS = ("even", "odd")


def make_run(passes: dict[str, bool], cost: float, latency: float) -> RunResult:
    cases = [
        CaseResult(
            variant="m", case_id=case_id, sample=0, tags=[TAGS[int(case_id[1:]) % 2]],
            input="i", output="o", passed=passed, score=float(passed), latency_ms=latency,
            cost_usd=cost, list_cost_usd=cost,
        )
        for case_id, passed in passes.items()
    ]  # fmt: skip
    return RunResult(
        "s", "v", "answer", "2026-11-27T00:00:00", "abc", [{"label": "m"}], 1, 4, cases
    )


# 20 paired cases: 12 pass in both, c12 regresses, c13-c18 are fixed, c19 fails in both.
BASE = {f"c{i}": i <= 12 for i in range(20)}
NEW = {f"c{i}": (i < 12) or (13 <= i <= 18) for i in range(20)}


def test_known_flips_interval_and_test() -> None:
    comparison = compare_runs(make_run(BASE, 0.010, 100.0), make_run(NEW, 0.012, 130.0))
    assert [flip.case_id for flip in comparison.regressions] == ["c12"]
    assert [flip.case_id for flip in comparison.fixes] == [f"c{i}" for i in range(13, 19)]
    assert (comparison.both, comparison.neither, comparison.paired) == (12, 1, 20)
    assert comparison.by_tag() == {"even": (1, 3), "odd": (0, 3)}
    assert comparison.base_rate == pytest.approx(13 / 20)
    assert comparison.new_rate == pytest.approx(18 / 20)
    assert comparison.p_value == pytest.approx(2 * (1 + 7) / 2**7)  # exact binomial, 1 of 7
    low, high = comparison.interval
    assert low < comparison.difference < high
    assert (round(low, 4), round(high, 4)) == (-0.0125, 0.4788)
    assert comparison.latency_delta_ms == pytest.approx(30.0)
    assert comparison.cost_increase == pytest.approx(0.2)


def test_gates() -> None:
    comparison = compare_runs(make_run(BASE, 0.010, 1.0), make_run(NEW, 0.013, 1.0))
    assert (
        gate_failures(comparison, fail_on_regression=False, alpha=None, max_cost_increase=None)
        == []
    )
    strict = gate_failures(comparison, fail_on_regression=True, alpha=None, max_cost_increase=None)
    assert strict and strict[0].startswith("1 case(s) regressed")
    # The pass rate went up, so no significant drop:
    assert (
        gate_failures(comparison, fail_on_regression=True, alpha=0.05, max_cost_increase=None) == []
    )
    cost = gate_failures(comparison, fail_on_regression=False, alpha=None, max_cost_increase=0.2)
    assert cost == ["cost per case rose +30.0%, over the allowed 20%"]
    worse = compare_runs(make_run(NEW, 0.01, 1.0), make_run(BASE, 0.01, 1.0))
    assert gate_failures(worse, fail_on_regression=True, alpha=0.2, max_cost_increase=0.2)


def test_statistics_reference_values() -> None:
    assert wilson(7, 10) == pytest.approx((0.3968, 0.8922), abs=1e-4)  # field notes: [0.40, 0.89]
    assert mcnemar_exact(0, 0) == 1.0
    assert mcnemar_exact(0, 10) == pytest.approx(2 / 1024)
    low, high = paired_difference_interval(10, 0, 0, 10)
    assert low < 0 < high, "no flips still leaves uncertainty"


def test_parse_increase() -> None:
    assert parse_increase("20%") == pytest.approx(0.2)
    assert parse_increase("0.5") == 0.5
    with pytest.raises(BenchError, match="not a percentage"):
        parse_increase("lots")
