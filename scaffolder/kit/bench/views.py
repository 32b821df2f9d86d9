"""What `copilot bench` shows: JSON shapes for CI and tools, and text lines for people.

Why in the kit: the shapes are a contract with whatever reads them (CI scripts, editors),
so they live beside the types they describe, and a command only prints what these return.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from scaffolder.kit.bench.compare import Comparison
from scaffolder.kit.bench.report import SUMMARY_HEADER, summary_rows
from scaffolder.kit.bench.results import VariantSummary

if TYPE_CHECKING:
    from scaffolder.kit.bench.run import RunOutcome


def run_json(outcome: RunOutcome) -> dict[str, Any]:
    """A run as `bench run --format json` reports it: where it was saved, each variant's
    summary, and a whole-suite kind's evaluation."""
    result = outcome.result
    shown: dict[str, Any] = {
        "results": str(outcome.saved),
        "summary": [summary_json(summary) for summary in result.summaries()],
    }
    if outcome.report is not None:
        shown["evaluation"] = result.evaluation
    return shown


def run_lines(outcome: RunOutcome) -> list[str]:
    """A run for people: a whole-suite kind's own report, else the summary table."""
    if outcome.report is not None:
        return [outcome.report]
    return table_lines(SUMMARY_HEADER, summary_rows(outcome.result.summaries()))


def run_notes(outcome: RunOutcome) -> list[str]:
    """What a person should notice about a run that does not fail it by itself: cases that
    could not run, cost alerts, and a webhook that could not be reached."""
    notes = []
    if outcome.errors:
        first = outcome.errors[0]
        notes.append(
            f"{len(outcome.errors)} case(s) failed to run; first: {first.case_id}: {first.error}"
        )
    notes += [f"cost alert: {alert.message}" for alert in outcome.alerts]
    if outcome.webhook_problem:
        notes.append(outcome.webhook_problem)
    return notes


def summary_json(summary: VariantSummary) -> dict[str, Any]:
    """One variant's summary as `bench run --format json` reports it."""
    return {
        "variant": summary.label,
        "passed": summary.passed,
        "results": summary.results,
        "pass_rate": summary.pass_rate,
        "interval": list(summary.interval),
        "cost_per_case": summary.cost_per_case,
        "latency_p50_ms": summary.latency_p50_ms,
        "calls": summary.calls,
        "cached_calls": summary.cached_calls,
        "errors": summary.errors,
        "ungraded": summary.ungraded,
        "prompts": summary.prompts,
    }


def table_lines(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """A plain text table: columns padded to their widest cell, trailing spaces cut."""
    table = [header, *rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    return [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in table
    ]


def comparison_json(comparison: Comparison) -> dict[str, Any]:
    """A paired comparison as `bench compare --format json` reports it."""
    return {
        "base": comparison.base_label,
        "new": comparison.new_label,
        "paired": comparison.paired,
        "base_pass_rate": comparison.base_rate,
        "new_pass_rate": comparison.new_rate,
        "difference": comparison.difference,
        "interval": list(comparison.interval),
        "p_value": comparison.p_value,
        "ungraded": comparison.ungraded,
        "regressions": [flip.case_id for flip in comparison.regressions],
        "fixes": [flip.case_id for flip in comparison.fixes],
        "by_tag": {
            tag: {"regressions": r, "fixes": f} for tag, (r, f) in comparison.by_tag().items()
        },
        "latency_delta_ms": comparison.latency_delta_ms,
        "cost_increase": comparison.cost_increase,
        "only_base": comparison.only_base,
        "only_new": comparison.only_new,
    }


def comparison_lines(comparison: Comparison, base: str, new: str) -> list[str]:
    """A paired comparison for people: rates with their interval, flips, latency, cost."""
    low, high = comparison.interval
    lines = [
        f"{base} [{comparison.base_label}] -> {new} [{comparison.new_label}]",
        f"pass rate {comparison.base_rate:.1%} -> {comparison.new_rate:.1%} "
        f"({comparison.difference:+.1%}, 95% CI {low:+.1%} to {high:+.1%}; "
        f"exact McNemar p = {comparison.p_value:.3g}; {comparison.paired} paired cases)",
    ]
    for title, flips in (("regressed", comparison.regressions), ("fixed", comparison.fixes)):
        if flips:
            lines.append(f"{title} ({len(flips)}): {', '.join(flip.case_id for flip in flips)}")
    for tag, (lost, gained) in comparison.by_tag().items():
        lines.append(f"  {tag}: {lost} regressed, {gained} fixed")
    lines.append(
        f"latency: {comparison.latency_delta_ms:+.0f} ms per case (median of paired deltas)"
    )
    increase = comparison.cost_increase
    if increase is None:
        lines.append("cost per case: unknown in one of the runs")
    else:
        rise = "from zero" if increase == float("inf") else f"{increase:+.1%}"
        lines.append(
            f"cost per case: ${comparison.base_cost_per_case or 0:.6f} -> "
            f"${comparison.new_cost_per_case or 0:.6f} ({rise})"
        )
    if comparison.only_base or comparison.only_new:
        lines.append(
            f"unpaired: {len(comparison.only_base)} only in base, "
            f"{len(comparison.only_new)} only in new"
        )
    if comparison.ungraded:
        lines.append(
            f"ungraded: {len(comparison.ungraded)} shared case(s) with no verdict in one run, "
            f"left out: {', '.join(comparison.ungraded[:5])}"
        )
    return lines
