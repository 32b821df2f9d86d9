"""What a run says, as markdown for a pull-request comment.

Every pass rate is shown with its Wilson 95% interval: "80%" from five cases and from five
hundred are different claims. The worst cases come with their inputs and outputs, since a
reviewer decides from examples, not from a number.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from scaffolder.kit.bench.results import CaseResult, RunResult, VariantSummary
from scaffolder.kit.bench.stats import wilson

WORST_CASES = 5
CELL_LIMIT = 160


@dataclass(frozen=True)
class TagRate:
    tag: str
    passed: int
    total: int

    @property
    def rate(self) -> float:
        return self.passed / self.total if self.total else 0.0

    @property
    def interval(self) -> tuple[float, float]:
        return wilson(self.passed, self.total)


def tag_rates(results: list[CaseResult]) -> list[TagRate]:
    """Pass rates per tag, over the results with a verdict (ungraded ones are shown apart)."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for result in (r for r in results if not r.ungraded):
        for tag in result.tags or ["(untagged)"]:
            counts[tag][0] += result.passed
            counts[tag][1] += 1
    return [TagRate(tag, passed, total) for tag, (passed, total) in sorted(counts.items())]


def worst_cases(results: list[CaseResult], limit: int = WORST_CASES) -> list[CaseResult]:
    """Failed results first, lowest score first, errors before wrong answers (ungraded results
    are no failures: `ungraded_cases` lists them)."""
    failed = [r for r in results if not r.passed and not r.ungraded]
    return sorted(failed, key=lambda r: (r.error is None, r.score, r.case_id))[:limit]


def ungraded_cases(results: list[CaseResult]) -> list[CaseResult]:
    return [r for r in results if r.ungraded]


def percent(value: float) -> str:
    return f"{value:.1%}"


def interval_text(interval: tuple[float, float]) -> str:
    return f"{interval[0]:.0%}-{interval[1]:.0%}"


def money(value: float | None) -> str:
    return "unknown" if value is None else f"${value:.6f}"


def cell(text: str, limit: int = CELL_LIMIT) -> str:
    """Text safe inside a markdown table cell: one line, pipes and HTML escaped, shortened."""
    flat = " ".join(text.split())
    if len(flat) > limit:
        flat = flat[: limit - 1] + "…"
    return flat.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("|", "\\|")


def failure_reason(result: CaseResult) -> str:
    if result.error:
        return f"error: {result.error}"
    failed = [g for g in result.grades if not g["passed"]]
    return "; ".join(f"{g['grader']}: {g['detail'] or 'failed'}" for g in failed)


def summary_rows(summaries: list[VariantSummary]) -> list[list[str]]:
    return [
        [
            s.label,
            f"{percent(s.pass_rate)} ({s.passed}/{s.graded})",
            interval_text(s.interval),
            money(s.cost_per_case),
            f"{s.latency_p50_ms:.0f}",
            f"{s.latency_p95_ms:.0f}",
            str(s.tokens),
            f"{s.cached_calls}/{s.calls}",
            str(s.errors),
            str(s.ungraded),
            ", ".join(s.prompts) or "-",
        ]
        for s in summaries
    ]


SUMMARY_HEADER = [
    "variant",
    "pass rate",
    "95% CI",
    "cost/case",
    "p50 ms",
    "p95 ms",
    "tokens",
    "cached calls",
    "errors",
    "ungraded",
    "prompts",
]
UNGRADED_HEADER = ["case", "input", "output", "why"]


def ungraded_row(result: CaseResult) -> list[str]:
    """A case the graders reached no verdict on, and what they said."""
    said = "; ".join(f"{g['grader']}: {g['detail']}" for g in result.grades if g.get("ungraded"))
    return [result.case_id, result.input, result.output, said]


def markdown_report(run: RunResult, name: str) -> str:
    summaries = run.summaries()
    lines = [
        f"### Bench `{run.suite}` ({name})",
        "",
        f"Suite version `{run.suite_version}`, commit `{run.git_sha}`, {run.started_at}, "
        f"{run.samples} sample(s) per case.",
        "",
        _table(SUMMARY_HEADER, [[cell(c) for c in row] for row in summary_rows(summaries)]),
        "",
        "#### Pass rate by tag",
        "",
    ]
    per_variant = {
        label: {t.tag: t for t in tag_rates(run.for_variant(label))} for label in run.labels()
    }
    tags = sorted({tag for rates in per_variant.values() for tag in rates})
    rows = [
        [cell(tag)]
        + [
            f"{percent(r.rate)} ({interval_text(r.interval)}, n={r.total})" if r else "-"
            for r in (per_variant[label].get(tag) for label in run.labels())
        ]
        for tag in tags
    ]
    lines += [_table(["tag", *(cell(label) for label in run.labels())], rows), ""]
    for label in run.labels():
        worst = worst_cases(run.for_variant(label))
        if not worst:
            continue
        lines += [f"#### Worst cases: {cell(label)}", ""]
        lines.append(
            _table(
                ["case", "score", "input", "output", "why"],
                [
                    [
                        cell(r.case_id),
                        f"{r.score:.2f}",
                        cell(r.input),
                        cell(r.output),
                        cell(failure_reason(r)),
                    ]
                    for r in worst
                ],
            )
        )
        lines.append("")
    for label in run.labels():
        ungraded = ungraded_cases(run.for_variant(label))
        if ungraded:
            lines += [f"#### Ungraded cases: {cell(label)} (not in the pass rate)", ""]
            rows = [[cell(c) for c in ungraded_row(r)] for r in ungraded]
            lines += [_table(UNGRADED_HEADER, rows), ""]
    if run.evaluation is not None:
        verdict = "passed" if run.evaluation["passed"] else "failed"
        fence = "```"
        lines += [f"#### {cell(run.suite_kind)} report ({verdict})", "", fence]
        lines += [run.evaluation["text"], fence, ""]
    return "\n".join(lines)


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)
