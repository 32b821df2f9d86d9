"""The decision rules against their formulas, exact binomial sums and seeded simulation."""

from __future__ import annotations

import itertools
import math
import random

import pytest

from scaffolder.errors import UsageError
from scaffolder.kit.testing.sequential import (
    FixedRule,
    SequentialRule,
    Verdict,
    operating_characteristic,
    run_rule,
    wilson_interval,
)

DEFAULT = SequentialRule()


def test_default_boundaries_are_walds_formulas() -> None:
    assert DEFAULT.upper == pytest.approx(math.log(0.95 / 0.05))
    assert DEFAULT.lower == pytest.approx(math.log(0.05 / 0.95))
    assert DEFAULT.pass_weight == pytest.approx(math.log(0.9 / 0.5))
    assert DEFAULT.fail_weight == pytest.approx(math.log(0.1 / 0.5))
    assert DEFAULT.llr(4, 1) == pytest.approx(4 * math.log(1.8) + math.log(0.2))


@pytest.mark.parametrize(
    ("passes", "failures", "expected"),
    [
        (5, 0, None),  # 5 * ln 1.8 = 2.939, just short of ln 19 = 2.944
        (6, 0, Verdict.PASS),
        (0, 1, None),
        (0, 2, Verdict.FAIL),  # 2 * ln 0.2 = -3.22 <= -2.944
        (1, 2, None),  # 0.588 - 3.219 = -2.631
        (8, 1, Verdict.PASS),  # 4.702 - 1.609 = 3.093
        (7, 1, None),  # 2.505
    ],
)
def test_default_rule_decides_where_the_llr_crosses(
    passes: int, failures: int, expected: Verdict | None
) -> None:
    assert DEFAULT.decide(passes, failures) is expected


@pytest.mark.parametrize("rule", [DEFAULT, SequentialRule(0.8, 0.6, 0.1, 0.2, max_runs=40)])
def test_every_state_is_decided_by_the_formula(rule: SequentialRule) -> None:
    upper = math.log((1 - rule.beta) / rule.alpha)
    lower = math.log(rule.beta / (1 - rule.alpha))
    for passes, failures in itertools.product(range(rule.max_runs), repeat=2):
        if not 0 < passes + failures < rule.max_runs:
            continue
        llr = passes * math.log(rule.p_good / rule.p_bad) + failures * math.log(
            (1 - rule.p_good) / (1 - rule.p_bad)
        )
        expected = Verdict.PASS if llr >= upper else Verdict.FAIL if llr <= lower else None
        assert rule.decide(passes, failures) is expected, (passes, failures)


def test_the_cap_is_inconclusive_or_decided_by_the_llr_sign() -> None:
    # 2 passes and 1 failure is undecided (LLR -0.43); the third attempt is the cap.
    assert SequentialRule(max_runs=3).decide(2, 1) is Verdict.INCONCLUSIVE
    assert SequentialRule(max_runs=3, at_cap="llr-sign").decide(2, 1) is Verdict.FAIL
    assert SequentialRule(max_runs=4, at_cap="llr-sign").decide(3, 1) is Verdict.PASS
    assert SequentialRule(max_runs=4).decide(3, 1) is Verdict.INCONCLUSIVE


@pytest.mark.parametrize(
    "arguments",
    [
        {"p_good": 0.5, "p_bad": 0.9},
        {"p_good": 1.0},
        {"alpha": 0.0},
        {"alpha": 0.6, "beta": 0.5},
        {"max_runs": 0},
        {"at_cap": "coin"},
    ],
)
def test_impossible_sequential_settings_are_refused(arguments: dict[str, object]) -> None:
    with pytest.raises(UsageError, match="llm_flaky"):
        SequentialRule(**arguments)  # type: ignore[arg-type]


def test_fixed_rule_refuses_more_passes_than_runs() -> None:
    with pytest.raises(UsageError, match="min_passes"):
        FixedRule(runs=3, min_passes=4)


def test_fixed_rule_stops_once_decided() -> None:
    rule = FixedRule(runs=10, min_passes=7)
    assert rule.decide(7, 0) is Verdict.PASS
    assert rule.decide(6, 3) is None
    assert rule.decide(6, 4) is Verdict.FAIL
    assert rule.decide(0, 4) is Verdict.FAIL
    assert rule.decide(0, 3) is None


@pytest.mark.parametrize("rate", [0.5, 0.7, 0.9])
def test_fixed_rule_matches_the_binomial_tail_and_full_enumeration(rate: float) -> None:
    runs, needed = 10, 7
    point = operating_characteristic(FixedRule(runs, needed), rate)
    binomial_tail = sum(
        math.comb(runs, k) * rate**k * (1 - rate) ** (runs - k) for k in range(needed, runs + 1)
    )
    assert point.pass_probability == pytest.approx(binomial_tail, abs=1e-12)
    assert point.fail_probability == pytest.approx(1 - binomial_tail, abs=1e-12)
    assert point.inconclusive_probability == 0
    # Every one of the 2^10 outcome sequences, stopped where curtailment stops it.
    expected_attempts = 0.0
    for outcomes in itertools.product((True, False), repeat=runs):
        chance = math.prod(rate if passed else 1 - rate for passed in outcomes)
        passes = failures = 0
        for passed in outcomes:
            passes, failures = passes + passed, failures + (not passed)
            if passes >= needed or failures > runs - needed:
                break
        expected_attempts += chance * (passes + failures)
    assert point.mean_attempts == pytest.approx(expected_attempts, abs=1e-12)
    assert point.mean_attempts < runs


def test_default_rule_operating_characteristic_meets_its_error_rates() -> None:
    """INCONCLUSIVE fails the test by default, so only PASS counts as passing."""
    bad = operating_characteristic(DEFAULT, 0.5)
    good = operating_characteristic(DEFAULT, 0.9)
    assert bad.pass_probability <= 0.05
    assert good.pass_probability >= 0.95
    for point in (bad, good):
        total = point.pass_probability + point.fail_probability + point.inconclusive_probability
        assert total == pytest.approx(1.0, abs=1e-12)
        assert 1 <= point.mean_attempts <= DEFAULT.max_runs


@pytest.mark.parametrize(("rate", "seed"), [(0.5, 11), (0.9, 12)])
def test_seeded_simulation_agrees_with_the_exact_operating_characteristic(
    rate: float, seed: int
) -> None:
    trials = 20_000
    rng = random.Random(seed)
    runs = [run_rule(DEFAULT, rate, rng) for _ in range(trials)]
    passed = sum(verdict is Verdict.PASS for verdict, _ in runs) / trials
    attempts = sum(count for _, count in runs) / trials
    exact = operating_characteristic(DEFAULT, rate)
    error = math.sqrt(exact.pass_probability * (1 - exact.pass_probability) / trials)
    assert abs(passed - exact.pass_probability) < 4 * error
    assert attempts == pytest.approx(exact.mean_attempts, rel=0.05)
    if rate == 0.5:
        assert passed <= 0.05
    else:
        assert passed >= 0.95


def test_wilson_interval_known_values() -> None:
    low, high = wilson_interval(7, 10)
    assert (round(low, 2), round(high, 2)) == (0.40, 0.89)
    assert wilson_interval(0, 0) == (0.0, 1.0)
    low, high = wilson_interval(6, 6)
    assert high == 1.0 and low == pytest.approx(0.6097, abs=1e-4)
    assert wilson_interval(0, 5)[0] == 0.0
