"""The run history and its drift rule."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from scaffolder.kit.testing.history import (
    MIN_HISTORY_ATTEMPTS,
    RunRecord,
    TestHistory,
    drift_against,
    fisher_lower_tail,
)

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestAssertRewriteWarning")


def run(passes: int, attempts: int, test_id: str = "t.py::test_x") -> RunRecord:
    return RunRecord(test_id, "sequential", "PASS", attempts, passes, 0.0)


def test_fisher_lower_tail_by_hand() -> None:
    # One failure among 26 attempts: the chance that 1 attempt drawn from them is it.
    assert fisher_lower_tail(0, 1, 25, 25) == pytest.approx(1 / 26)
    # 5 of 8 against 100 of 100: all 3 failures fall in the 8 drawn of 108.
    expected = math.comb(105, 5) / math.comb(108, 8)
    assert fisher_lower_tail(5, 8, 100, 100) == pytest.approx(expected)
    assert fisher_lower_tail(8, 8, 100, 100) == pytest.approx(1.0)


def test_no_verdict_on_drift_while_the_history_is_short() -> None:
    short = [(5, 5)] * ((MIN_HISTORY_ATTEMPTS - 1) // 5)
    assert drift_against(short, 0, 5, 0.01) is None
    assert drift_against([(50, 50)], 0, 0, 0.01) is None


def test_a_significant_drop_is_flagged_and_a_similar_rate_is_not() -> None:
    past = [(10, 10)] * 10
    dropped = drift_against(past, 5, 8, 0.01)
    assert dropped is not None and dropped.flagged
    assert "5/8 (62%) now vs 100/100 (100%) over the last 10 runs" in dropped.describe()
    steady = drift_against(past, 6, 6, 0.01)
    assert steady is not None and not steady.flagged
    # A single failed attempt against a good history is not significant at 0.01.
    one_miss = drift_against([(9, 10)] * 3, 0, 1, 0.01)
    assert one_miss is not None and not one_miss.flagged


def test_history_keeps_the_latest_runs_per_test(tmp_path: Path) -> None:
    history = TestHistory(tmp_path / "h" / "history.sqlite")
    assert history.past("t.py::test_x") == []
    for passes in range(1, 5):
        history.record(run(passes, 5))
    history.record(run(0, 1, "t.py::test_other"))
    assert history.past("t.py::test_x", window=3) == [(4, 5), (3, 5), (2, 5)]
    drift = history.check_and_record(run(5, 5), 0.01)
    assert drift is not None and not drift.flagged
    assert (drift.history_passes, drift.history_attempts, drift.history_runs) == (10, 20, 4)
    assert history.past("t.py::test_x", window=1) == [(5, 5)]


DRIFTING = """
import pytest

@pytest.fixture
def outcomes():
    return iter([False, False, False] + [True] * 10)

@pytest.mark.llm_flaky(runs=10, min_passes=5)
def test_answer(outcomes):
    assert next(outcomes)
"""


def test_a_drop_against_history_is_flagged_in_the_report(pytester: pytest.Pytester) -> None:
    history = TestHistory(pytester.path / ".copilot" / "test-history.sqlite")
    for _ in range(10):
        history.record(run(10, 10, "test_drift.py::test_answer"))
    pytester.makepyfile(test_drift=DRIFTING)
    result = pytester.runpytest("--llm-report=report.json")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["DRIFT test_drift.py::test_answer: success rate dropped: 5/8*"])
    document = json.loads((pytester.path / "report.json").read_text(encoding="utf-8"))
    assert "5/8 (62%) now vs 100/100 (100%)" in document["tests"][0]["drift"]
    assert history.past("test_drift.py::test_answer", window=1) == [(5, 8)]
