"""A run as one self-contained HTML page: tables and inline SVG charts, no scripts.

Why no chart library: the page is a CI artifact opened from disk or an email, often with no
network, and it shows model outputs, so it must not run anything. Every piece of text from
a case goes through `html.escape`.
"""

from __future__ import annotations

from html import escape

from scaffolder.kit.bench.report import (
    SUMMARY_HEADER,
    UNGRADED_HEADER,
    failure_reason,
    interval_text,
    percent,
    summary_rows,
    tag_rates,
    ungraded_cases,
    ungraded_row,
    worst_cases,
)
from scaffolder.kit.bench.results import RunResult, VariantSummary

COLOURS = ("#2b6cb0", "#c05621", "#2f855a", "#6b46c1", "#b7791f", "#c53030")
STYLE = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 70rem; color: #1a202c; }
table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; }
th, td { border: 1px solid #cbd5e0; padding: 0.25rem 0.5rem; text-align: left; }
td { vertical-align: top; }
pre { white-space: pre-wrap; margin: 0; max-width: 32rem; }
svg text { font: 11px system-ui, sans-serif; fill: #1a202c; }
.legend span { display: inline-block; margin-right: 1rem; }
"""


def html_report(run: RunResult, name: str) -> str:
    summaries = run.summaries()
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>Bench {escape(run.suite)} - {escape(name)}</title>",
        f"<style>{STYLE}</style></head><body>",
        f"<h1>Bench <code>{escape(run.suite)}</code></h1>",
        f"<p>{escape(name)}: suite version <code>{escape(run.suite_version)}</code>, commit "
        f"<code>{escape(run.git_sha)}</code>, {escape(run.started_at)}, {run.samples} sample(s) "
        "per case. Intervals are Wilson 95%.</p>",
        _legend(run.labels()),
        _html_table(SUMMARY_HEADER, summary_rows(summaries)),
        "<h2>Pass rate by tag</h2>",
        tag_chart(run),
        "<h2>Cost per case vs pass rate</h2>",
        cost_chart(summaries),
    ]
    for label in run.labels():
        worst = worst_cases(run.for_variant(label))
        if worst:
            parts.append(f"<h2>Worst cases: {escape(label)}</h2>")
            rows = [
                [
                    escape(r.case_id),
                    f"{r.score:.2f}",
                    f"<pre>{escape(r.input)}</pre>",
                    f"<pre>{escape(r.output)}</pre>",
                    escape(failure_reason(r)),
                ]
                for r in worst
            ]
            parts.append(_html_table(["case", "score", "input", "output", "why"], rows, raw=True))
        ungraded = ungraded_cases(run.for_variant(label))
        if ungraded:
            parts.append(f"<h2>Ungraded cases: {escape(label)} (not in the pass rate)</h2>")
            parts.append(_html_table(UNGRADED_HEADER, [ungraded_row(r) for r in ungraded]))
    parts.append("</body></html>")
    return "\n".join(parts)


def _legend(labels: list[str]) -> str:
    items = "".join(
        f'<span><svg width="12" height="12"><rect width="12" height="12" '
        f'fill="{COLOURS[i % len(COLOURS)]}"/></svg> {escape(label)}</span>'
        for i, label in enumerate(labels)
    )
    return f'<p class="legend">{items}</p>'


def _html_table(header: list[str], rows: list[list[str]], raw: bool = False) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{c if raw else escape(c)}</td>" for c in row) + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def tag_chart(run: RunResult) -> str:
    """Grouped bars: one group per tag, one bar per variant, Wilson interval whiskers."""
    labels = run.labels()
    rates = {label: {t.tag: t for t in tag_rates(run.for_variant(label))} for label in labels}
    tags = sorted({tag for by_tag in rates.values() for tag in by_tag})
    bar, gap, height, top, left = 18, 24, 200, 10, 40
    group = bar * len(labels) + gap
    width = left + group * len(tags) + gap
    shapes = [
        _line(left, top + height, width, top + height),
        *(
            f'<text x="{left - 6}" y="{top + height - height * v / 100 + 4}" '
            f'text-anchor="end">{v}%</text>'
            for v in (0, 50, 100)
        ),
    ]
    for g, tag in enumerate(tags):
        x0 = left + gap + g * group
        for v, label in enumerate(labels):
            rate = rates[label].get(tag)
            if rate is None:
                continue
            x = x0 + v * bar
            y = top + height * (1 - rate.rate)
            low, high = rate.interval
            colour = COLOURS[v % len(COLOURS)]
            title = f"{label}, {tag}: {percent(rate.rate)} "
            title += f"({interval_text(rate.interval)}), n={rate.total}"
            shapes.append(
                f'<rect x="{x}" y="{y:.1f}" width="{bar - 3}" height="{top + height - y:.1f}" '
                f'fill="{colour}"><title>{escape(title)}</title></rect>'
            )
            mid = x + (bar - 3) / 2
            shapes.append(
                f'<line x1="{mid}" x2="{mid}" y1="{top + height * (1 - high):.1f}" '
                f'y2="{top + height * (1 - low):.1f}" stroke="#1a202c"/>'
            )
        shapes.append(
            f'<text x="{x0 + group / 2 - gap / 2}" y="{top + height + 16}" '
            f'text-anchor="middle">{escape(tag)}</text>'
        )
    total_height = top + height + 30
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="pass rate by tag" '
        f'width="{width}" height="{total_height}">{"".join(shapes)}</svg>'
    )


def cost_chart(summaries: list[VariantSummary]) -> str:
    """One point per variant: list cost per case (x) against pass rate (y)."""
    width, height, left, top = 480, 240, 60, 10
    known = [s for s in summaries if s.cost_per_case is not None]
    most = max((s.cost_per_case or 0.0 for s in known), default=0.0) or 1.0
    shapes = [
        _line(left, top + height, left + width, top + height),
        _line(left, top, left, top + height),
        f'<text x="{left + width}" y="{top + height + 24}" text-anchor="end">'
        f"cost per case (max ${most:.6f})</text>",
        f'<text x="{left - 6}" y="{top + 8}" text-anchor="end">100%</text>',
        f'<text x="{left - 6}" y="{top + height}" text-anchor="end">0%</text>',
    ]
    for index, summary in enumerate(summaries):
        if summary.cost_per_case is None:
            continue
        x = left + width * 0.9 * summary.cost_per_case / most
        y = top + height * (1 - summary.pass_rate)
        colour = COLOURS[index % len(COLOURS)]
        title = f"{summary.label}: {percent(summary.pass_rate)}, ${summary.cost_per_case:.6f}/case"
        shapes.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="6" fill="{colour}">'
            f"<title>{escape(title)}</title></circle>"
        )
        shapes.append(f'<text x="{x + 9:.1f}" y="{y + 4:.1f}">{escape(summary.label)}</text>')
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="cost vs pass rate" '
        f'width="{left + width + 20}" height="{top + height + 34}">{"".join(shapes)}</svg>'
    )


def _line(x1: float, y1: float, x2: float, y2: float) -> str:
    return f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="#4a5568"/>'
