"""Deciding whether a test that passes only some of the time is good enough, attempt by attempt.

Why: "run it 10 times, pass if 7 pass" lets a test whose true success rate is 0.5 through about
17% of the time, and spends 10 model calls even when the first 7 already decided the outcome.
Two rules are offered, both stopping as soon as the evidence decides:

* `SequentialRule`: Wald's sequential probability ratio test of H0 "success rate <= p_bad"
  against H1 "success rate >= p_good". After s passes and f failures the log-likelihood ratio is
  `LLR = s*ln(p_good/p_bad) + f*ln((1-p_good)/(1-p_bad))`; the test passes once
  `LLR >= ln((1-beta)/alpha)`, fails once `LLR <= ln(beta/(1-alpha))`, and otherwise runs
  again, up to `max_runs` attempts. At the cap it is INCONCLUSIVE (the true rate is between
  the two hypotheses), or, with `at_cap="llr-sign"`, decided by which hypothesis the evidence
  leans to. `alpha` bounds the chance of passing a test at p_bad, `beta` of failing one at
  p_good (Wald's bounds are approximate; `operating_characteristic` gives the exact values).
* `FixedRule`: the teams' k-of-n rule (`min_passes` of `runs`), curtailed: it stops once
  `min_passes` passes are in, or once so many failed that `min_passes` is out of reach. The
  decisions are exactly those of running all `runs` attempts.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal, Protocol

from scaffolder.errors import UsageError

#: Two-sided 95% normal quantile, for the Wilson interval.
Z_95 = 1.959963984540054
#: Log-likelihood ratios are sums of logarithms; a boundary met exactly must count as met.
_LLR_TOLERANCE = 1e-9

CapRule = Literal["inconclusive", "llr-sign"]
CAP_RULES: tuple[CapRule, ...] = ("inconclusive", "llr-sign")


class Verdict(StrEnum):
    PASS = "PASS"
    FAIL = "FAIL"
    INCONCLUSIVE = "INCONCLUSIVE"


class DecisionRule(Protocol):
    """What the plugin and the statistics need from a rule."""

    @property
    def max_runs(self) -> int: ...

    def decide(self, passes: int, failures: int) -> Verdict | None:
        """The verdict after these attempts, or None to run another attempt.

        Never None once `passes + failures == max_runs`.
        """
        ...

    def describe(self) -> str: ...


@dataclass(frozen=True)
class SequentialRule:
    """Wald's SPRT with a run cap; see the module docstring."""

    p_good: float = 0.9
    p_bad: float = 0.5
    alpha: float = 0.05
    beta: float = 0.05
    max_runs: int = 20
    at_cap: CapRule = "inconclusive"

    def __post_init__(self) -> None:
        if not 0 < self.p_bad < self.p_good < 1:
            raise UsageError(
                f"llm_flaky needs 0 < p_bad < p_good < 1, got p_bad={self.p_bad} "
                f"p_good={self.p_good}"
            )
        if not (0 < self.alpha < 1 and 0 < self.beta < 1 and self.alpha + self.beta < 1):
            raise UsageError(
                f"llm_flaky needs alpha and beta in (0, 1) with alpha + beta < 1, got "
                f"alpha={self.alpha} beta={self.beta}"
            )
        if self.max_runs < 1:
            raise UsageError(f"llm_flaky needs max_runs >= 1, got {self.max_runs}")
        if self.at_cap not in CAP_RULES:
            raise UsageError(f"llm_flaky at_cap must be one of {CAP_RULES}, got {self.at_cap!r}")

    @property
    def upper(self) -> float:
        """Pass once the LLR reaches this: ln((1-beta)/alpha)."""
        return math.log((1 - self.beta) / self.alpha)

    @property
    def lower(self) -> float:
        """Fail once the LLR falls to this: ln(beta/(1-alpha))."""
        return math.log(self.beta / (1 - self.alpha))

    @property
    def pass_weight(self) -> float:
        """What one pass adds to the LLR: ln(p_good/p_bad) > 0."""
        return math.log(self.p_good / self.p_bad)

    @property
    def fail_weight(self) -> float:
        """What one failure adds to the LLR: ln((1-p_good)/(1-p_bad)) < 0."""
        return math.log((1 - self.p_good) / (1 - self.p_bad))

    def llr(self, passes: int, failures: int) -> float:
        return passes * self.pass_weight + failures * self.fail_weight

    def decide(self, passes: int, failures: int) -> Verdict | None:
        llr = self.llr(passes, failures)
        if llr >= self.upper - _LLR_TOLERANCE:
            return Verdict.PASS
        if llr <= self.lower + _LLR_TOLERANCE:
            return Verdict.FAIL
        if passes + failures < self.max_runs:
            return None
        if self.at_cap == "llr-sign":
            return Verdict.PASS if llr > 0 else Verdict.FAIL
        return Verdict.INCONCLUSIVE

    def describe(self) -> str:
        return (
            f"sequential (SPRT p_good={self.p_good:g} p_bad={self.p_bad:g} alpha={self.alpha:g} "
            f"beta={self.beta:g} max_runs={self.max_runs}"
            + ("" if self.at_cap == "inconclusive" else f" at_cap={self.at_cap}")
            + ")"
        )


@dataclass(frozen=True)
class FixedRule:
    """At least `min_passes` of `runs` attempts must pass; stops once that is decided."""

    runs: int
    min_passes: int

    def __post_init__(self) -> None:
        if not 1 <= self.min_passes <= self.runs:
            raise UsageError(
                f"llm_flaky needs 1 <= min_passes <= runs, got runs={self.runs} "
                f"min_passes={self.min_passes}"
            )

    @property
    def max_runs(self) -> int:
        return self.runs

    def decide(self, passes: int, failures: int) -> Verdict | None:
        if passes >= self.min_passes:
            return Verdict.PASS
        if failures > self.runs - self.min_passes:
            return Verdict.FAIL
        return None

    def describe(self) -> str:
        return f"fixed ({self.min_passes} of {self.runs}, curtailed)"


@dataclass(frozen=True)
class OperatingPoint:
    """How a rule behaves for a test whose true success rate is `success_rate`."""

    success_rate: float
    pass_probability: float
    fail_probability: float
    inconclusive_probability: float
    mean_attempts: float


def operating_characteristic(rule: DecisionRule, success_rate: float) -> OperatingPoint:
    """Exact verdict probabilities and expected attempts, by dynamic programming over every
    (passes, failures) path the rule has not yet stopped."""
    alive: dict[tuple[int, int], float] = {(0, 0): 1.0}
    reached = {verdict: 0.0 for verdict in Verdict}
    mean_attempts = 0.0
    for attempt in range(1, rule.max_runs + 1):
        following: dict[tuple[int, int], float] = {}
        for (passes, failures), probability in alive.items():
            for outcome, chance in ((True, success_rate), (False, 1 - success_rate)):
                state = (passes + 1, failures) if outcome else (passes, failures + 1)
                weight = probability * chance
                verdict = rule.decide(*state)
                if verdict is None:
                    following[state] = following.get(state, 0.0) + weight
                else:
                    reached[verdict] += weight
                    mean_attempts += weight * attempt
        alive = following
    return OperatingPoint(
        success_rate,
        reached[Verdict.PASS],
        reached[Verdict.FAIL],
        reached[Verdict.INCONCLUSIVE],
        mean_attempts,
    )


def run_rule(rule: DecisionRule, success_rate: float, rng: random.Random) -> tuple[Verdict, int]:
    """One run of the rule on simulated attempts that pass with `success_rate`: the verdict
    and the attempts it took (for simulations that check `operating_characteristic`)."""
    passes = failures = 0
    while True:
        if rng.random() < success_rate:
            passes += 1
        else:
            failures += 1
        verdict = rule.decide(passes, failures)
        if verdict is not None:
            return verdict, passes + failures


def wilson_interval(passes: int, attempts: int, z: float = Z_95) -> tuple[float, float]:
    """The Wilson score interval for a success rate: unlike the plain `rate +- z*se`, it stays
    inside [0, 1] and is honest after few attempts (7/10 gives about [0.40, 0.89])."""
    if attempts <= 0:
        return 0.0, 1.0
    rate = passes / attempts
    z2 = z * z
    centre = (rate + z2 / (2 * attempts)) / (1 + z2 / attempts)
    half = (
        z / (1 + z2 / attempts) * math.sqrt(rate * (1 - rate) / attempts + z2 / (4 * attempts**2))
    )
    return max(0.0, centre - half), min(1.0, centre + half)
