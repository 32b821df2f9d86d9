"""Comparing two runs case by case: flips, a paired interval and test, latency and cost.

Why paired: both runs answered the same cases, so the question is which cases changed,
not whether two independent pass rates differ. Cases are matched by id (with several
samples, a case passes when at least half its samples pass); cases present in only one run
are listed and left out of the statistics, and so are cases with no graded sample in one of
the runs (a judge reply with no grade in it is no verdict, so neither a regression nor a fix).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field

from scaffolder.errors import BenchError
from scaffolder.kit.bench.results import CaseResult, RunResult, summarize
from scaffolder.kit.bench.stats import mcnemar_exact, paired_difference_interval


@dataclass(frozen=True)
class Flip:
    case_id: str
    tags: tuple[str, ...]
    base_output: str
    new_output: str


@dataclass
class Comparison:
    base_label: str
    new_label: str
    paired: int
    both: int
    regressions: list[Flip]
    fixes: list[Flip]
    neither: int
    base_rate: float
    new_rate: float
    interval: tuple[float, float]
    p_value: float
    latency_delta_ms: float
    base_cost_per_case: float | None
    new_cost_per_case: float | None
    only_base: list[str] = field(default_factory=list)
    only_new: list[str] = field(default_factory=list)
    #: Shared cases left out because one run has no verdict on them.
    ungraded: list[str] = field(default_factory=list)

    @property
    def difference(self) -> float:
        return self.new_rate - self.base_rate

    @property
    def cost_increase(self) -> float | None:
        """Relative change of the list cost per case; None when unknown, inf from zero."""
        base, new = self.base_cost_per_case, self.new_cost_per_case
        if base is None or new is None:
            return None
        if base == 0:
            return 0.0 if new == 0 else float("inf")
        return new / base - 1

    def by_tag(self) -> dict[str, tuple[int, int]]:
        """tag -> (regressions, fixes); untagged cases under "(untagged)"."""
        counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for position, flips in enumerate((self.regressions, self.fixes)):
            for flip in flips:
                for tag in flip.tags or ("(untagged)",):
                    counts[tag][position] += 1
        return {tag: (pair[0], pair[1]) for tag, pair in sorted(counts.items())}


def pick_variant(run: RunResult, label: str | None, which: str) -> str:
    labels = run.labels()
    if label is None:
        return labels[0]
    if label not in labels:
        raise BenchError(f"the {which} run has no variant {label!r} (it has: {', '.join(labels)})")
    return label


def _per_case(results: list[CaseResult]) -> dict[str, list[CaseResult]]:
    """Each case's graded samples; a case whose every sample is ungraded maps to []."""
    cases: dict[str, list[CaseResult]] = defaultdict(list)
    for result in results:
        graded = cases[result.case_id]
        if not result.ungraded:
            graded.append(result)
    return cases


def _passes(samples: list[CaseResult]) -> bool:
    return sum(sample.passed for sample in samples) * 2 >= len(samples)


def compare_runs(
    base: RunResult,
    new: RunResult,
    base_variant: str | None = None,
    new_variant: str | None = None,
) -> Comparison:
    if base.suite_kind != new.suite_kind:
        raise BenchError(
            f"cannot compare a {base.suite_kind} run ({base.suite}) with a {new.suite_kind} run "
            f"({new.suite}): their cases mean different things"
        )
    base_label = pick_variant(base, base_variant, "base")
    new_label = pick_variant(new, new_variant, "new")
    before = _per_case(base.for_variant(base_label))
    after = _per_case(new.for_variant(new_label))
    common = [case_id for case_id in before if case_id in after]
    ungraded = [case_id for case_id in common if not before[case_id] or not after[case_id]]
    shared = [case_id for case_id in common if case_id not in ungraded]
    if not shared:
        raise BenchError("the two runs share no graded case: nothing to compare")
    both = neither = 0
    regressions: list[Flip] = []
    fixes: list[Flip] = []
    deltas = []
    for case_id in shared:
        old, fresh = before[case_id], after[case_id]
        old_pass, new_pass = _passes(old), _passes(fresh)
        flip = Flip(case_id, tuple(fresh[0].tags), old[0].output, fresh[0].output)
        if old_pass and new_pass:
            both += 1
        elif old_pass:
            regressions.append(flip)
        elif new_pass:
            fixes.append(flip)
        else:
            neither += 1
        deltas.append(
            statistics.fmean(r.latency_ms for r in fresh)
            - statistics.fmean(r.latency_ms for r in old)
        )
    n = len(shared)
    shared_set = set(shared)
    base_summary = summarize(
        base_label, [r for r in base.for_variant(base_label) if r.case_id in shared_set]
    )
    new_summary = summarize(
        new_label, [r for r in new.for_variant(new_label) if r.case_id in shared_set]
    )
    return Comparison(
        base_label=base_label,
        new_label=new_label,
        paired=n,
        both=both,
        regressions=regressions,
        fixes=fixes,
        neither=neither,
        base_rate=(both + len(regressions)) / n,
        new_rate=(both + len(fixes)) / n,
        interval=paired_difference_interval(both, len(regressions), len(fixes), neither),
        p_value=mcnemar_exact(len(regressions), len(fixes)),
        latency_delta_ms=statistics.median(deltas),
        base_cost_per_case=base_summary.cost_per_case,
        new_cost_per_case=new_summary.cost_per_case,
        only_base=[case_id for case_id in before if case_id not in after],
        only_new=[case_id for case_id in after if case_id not in before],
        ungraded=ungraded,
    )


def parse_increase(text: str) -> float:
    """`20%` or `0.2` -> 0.2."""
    raw = text.strip()
    try:
        value = float(raw[:-1]) / 100 if raw.endswith("%") else float(raw)
    except ValueError as exc:
        raise BenchError(f"--max-cost-increase {text!r} is not a percentage like 20%") from exc
    if value < 0:
        raise BenchError("--max-cost-increase must not be negative")
    return value


def gate_failures(
    comparison: Comparison,
    *,
    fail_on_regression: bool,
    alpha: float | None,
    max_cost_increase: float | None,
) -> list[str]:
    """Why CI should fail, one line each (empty: it passes).

    `fail_on_regression` fails on any case that went from pass to fail; with `alpha`, only
    when the drop in pass rate is significant at that level (exact McNemar).
    """
    reasons = []
    if fail_on_regression and comparison.regressions:
        significant = comparison.difference < 0 and comparison.p_value < (alpha or 1.01)
        if alpha is None or significant:
            reasons.append(
                f"{len(comparison.regressions)} case(s) regressed "
                f"(pass rate {comparison.base_rate:.1%} -> {comparison.new_rate:.1%}, "
                f"McNemar p = {comparison.p_value:.3g})"
            )
    if max_cost_increase is not None:
        increase = comparison.cost_increase
        if increase is None:
            reasons.append("cost per case is unknown in one of the runs (a model has no price)")
        elif increase > max_cost_increase:
            reasons.append(
                f"cost per case rose {_percent(increase)}, over the allowed {max_cost_increase:.0%}"
            )
    return reasons


def _percent(value: float) -> str:
    return "from zero" if value == float("inf") else f"{value:+.1%}"
