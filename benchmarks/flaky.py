"""How many attempts flaky-test rules spend and how often they pass, by true success rate.

Usage: python benchmarks/flaky.py [--trials N] [--seed S]

Compares, for true success rates 0.5 to 0.99: fixed 7-of-10 (always 10 attempts), the same
rule curtailed (stops once decided; identical decisions), and the `llm_flaky` sequential mode
(Wald's SPRT, p_bad=0.5, p_good=0.9) tuned to 7-of-10's own error rates (alpha=0.172: the
chance 7-of-10 passes a test at p=0.5; beta=0.013: the chance it fails one at p=0.9), with
three ways to end at the run cap. The default sequential mode (alpha=beta=0.05) is listed too.

Numbers are exact (dynamic programming over every undecided path; see
`operating_characteristic`); `--trials N` adds a seeded simulation of N runs per cell as a
cross-check. INCONCLUSIVE counts as not passing, as under the default policy.
Targets: pass probability at p=0.5 at most 0.172 and at p=0.9 at least 0.987 (as safe as
7-of-10), mean attempts at most 5.0 at p=0.9 and 4.0 at p=0.95.
"""

from __future__ import annotations

import argparse
import random

from scaffolder.kit.testing.sequential import (
    CapRule,
    DecisionRule,
    FixedRule,
    SequentialRule,
    Verdict,
    operating_characteristic,
    run_rule,
)

RATES = (0.5, 0.7, 0.8, 0.9, 0.95, 0.99)


def tuned(max_runs: int, at_cap: CapRule = "inconclusive") -> SequentialRule:
    """The SPRT with 7-of-10's own error rates (see the module docstring)."""
    return SequentialRule(0.9, 0.5, alpha=0.172, beta=0.013, max_runs=max_runs, at_cap=at_cap)


#: Name, rule, and whether it always runs every attempt (plain, uncurtailed k-of-n).
RULES: list[tuple[str, DecisionRule, bool]] = [
    ("fixed 7-of-10", FixedRule(10, 7), True),
    ("curtailed 7-of-10", FixedRule(10, 7), False),
    ("SPRT tuned, cap 20, inconclusive", tuned(20), False),
    ("SPRT tuned, cap 20, LLR sign at cap", tuned(20, "llr-sign"), False),
    ("SPRT tuned, cap 25, inconclusive", tuned(25), False),
    ("SPRT default (0.05/0.05), cap 20", SequentialRule(), False),
]


def measured(rule: DecisionRule, rate: float, runs_everything: bool) -> tuple[float, float]:
    """(pass probability, mean attempts), exactly."""
    point = operating_characteristic(rule, rate)
    attempts = float(rule.max_runs) if runs_everything else point.mean_attempts
    return point.pass_probability, attempts


def simulated(
    rule: DecisionRule, rate: float, runs_everything: bool, trials: int, rng: random.Random
) -> tuple[float, float]:
    passes = attempts = 0
    for _ in range(trials):
        verdict, used = run_rule(rule, rate, rng)
        passes += verdict is Verdict.PASS
        attempts += rule.max_runs if runs_everything else used
    return passes / trials, attempts / trials


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=0, help="also simulate N runs per cell")
    parser.add_argument("--seed", type=int, default=2026)
    options = parser.parse_args()
    rng = random.Random(options.seed)

    header = "| rule | " + " | ".join(f"p={rate}" for rate in RATES) + " |"
    print("Pass probability / mean attempts (exact)\n")
    print(header)
    print("| --- |" + " ---: |" * len(RATES))
    results: dict[str, dict[float, tuple[float, float]]] = {}
    for name, rule, runs_everything in RULES:
        results[name] = {rate: measured(rule, rate, runs_everything) for rate in RATES}
        cells = [f"{p:.4f} / {n:.2f}" for p, n in results[name].values()]
        print(f"| {name} | " + " | ".join(cells) + " |")

    if options.trials:
        print(f"\nSeeded simulation, {options.trials} runs per cell (seed {options.seed})\n")
        print(header)
        print("| --- |" + " ---: |" * len(RATES))
        for name, rule, runs_everything in RULES:
            cells = [
                "{:.4f} / {:.2f}".format(
                    *simulated(rule, rate, runs_everything, options.trials, rng)
                )
                for rate in RATES
            ]
            print(f"| {name} | " + " | ".join(cells) + " |")

    print("\nTargets (as safe as 7-of-10, cheaper):")
    for name, *_ in RULES[2:5]:
        row = results[name]
        checks = {
            "P(pass | 0.5) <= 0.172": row[0.5][0] <= 0.172,
            "P(pass | 0.9) >= 0.987": row[0.9][0] >= 0.987,
            "attempts(0.9) <= 5.0": row[0.9][1] <= 5.0,
            "attempts(0.95) <= 4.0": row[0.95][1] <= 4.0,
        }
        verdicts = ", ".join(f"{check} {'met' if ok else 'MISSED'}" for check, ok in checks.items())
        print(f"- {name}: {verdicts}")


if __name__ == "__main__":
    main()
