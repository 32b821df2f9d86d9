"""`copilot bench ...`: run benchmark suites, compare runs, report them, import spreadsheets
and rated conversations.

The commands parse arguments and print: choosing and running a suite, its verdict and cost
alerts are the kit's `scaffolder.kit.bench.run`; statistics, gates and reports are the rest
of `scaffolder.kit.bench`. `run` fails on a routing or safety suite's own gate, or on an
answer suite where nothing could run or too much went ungraded; CI gates against a baseline
live in `compare` (`--fail-on-regression`, `--max-cost-increase`).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from scaffolder.cli._common import FormatOption, OutputFormat, reports_errors, say, warn
from scaffolder.cli.bench_import import import_feedback_command, import_spreadsheet
from scaffolder.errors import FAILURE_EXIT_CODE
from scaffolder.project import require_project

bench_app = typer.Typer(
    help="Run benchmark suites, compare runs, report them, import spreadsheets.",
    no_args_is_help=True,
)
bench_app.command("import")(import_spreadsheet)
bench_app.command("import-feedback")(import_feedback_command)


class _TerminalWatcher:
    """Notices as notes on stderr, progress as a bar on stderr (stdout stays the result)."""

    def notice(self, message: str) -> None:
        warn(message)

    @contextmanager
    def progress(self, label: str, total: int) -> Iterator[Callable[[], None]]:
        with typer.progressbar(length=total, label=label, file=sys.stderr) as bar:
            yield lambda: bar.update(1)


@bench_app.command("run")
@reports_errors
def run(
    suite: Annotated[
        str | None,
        typer.Argument(help="Suite name (benchmarks/NAME.jsonl) or path; optional with one suite."),
    ] = None,
    model: Annotated[
        list[str] | None,
        typer.Option("--model", "-m", help="Model to run (repeatable: side by side)."),
    ] = None,
    prompt: Annotated[
        list[str] | None,
        typer.Option("--prompt", "-p", help="Library prompt for the default target (repeatable)."),
    ] = None,
    samples: Annotated[int, typer.Option("--samples", "-n", min=1, help="Samples per case.")] = 1,
    limit: Annotated[
        int | None, typer.Option("--limit", min=1, help="Run only the first N cases.")
    ] = None,
    concurrency: Annotated[
        int | None,
        typer.Option("--concurrency", "-c", min=1, help="Cases in flight at once (default 8)."),
    ] = None,
    output_format: FormatOption = OutputFormat.text,
) -> None:
    """Run a suite through the app's target (routing and safety suites: through the project's
    router and guards, exit 1 below their thresholds); save benchmarks/results/<time>-<sha>.json."""
    from scaffolder.cli._copilot import project_app
    from scaffolder.kit.bench.run import RunRequest, run_bench
    from scaffolder.kit.bench.views import run_json, run_lines, run_notes

    project = require_project("bench run")
    root = project.root
    request = RunRequest(
        root,
        project.config,
        suite,
        tuple(model or ()),
        tuple(prompt or ()),
        samples,
        limit,
        concurrency,
        build_app=lambda: project_app(project),
    )
    outcome = run_bench(request, _TerminalWatcher())
    if output_format is OutputFormat.json:
        say(json.dumps(run_json(outcome)))
    else:
        for line in run_lines(outcome):
            say(line)
        say(f"Saved {outcome.saved.relative_to(root)}")
    for note in run_notes(outcome):
        warn(note)
    for reason in outcome.failures:
        typer.secho(f"FAIL: {reason}", fg=typer.colors.RED, err=True)
    if outcome.failed:
        raise typer.Exit(FAILURE_EXIT_CODE)


@bench_app.command("compare")
@reports_errors
def compare(
    base: Annotated[str, typer.Argument(help="Baseline results file (or name, or 'latest').")],
    new: Annotated[str, typer.Argument(help="New results file (or name, or 'latest').")],
    base_variant: Annotated[
        str | None, typer.Option("--base-variant", help="Variant of BASE (default: its first).")
    ] = None,
    new_variant: Annotated[
        str | None, typer.Option("--new-variant", help="Variant of NEW (default: its first).")
    ] = None,
    fail_on_regression: Annotated[
        bool,
        typer.Option("--fail-on-regression", help="Exit 1 when a case went from pass to fail."),
    ] = False,
    alpha: Annotated[
        float | None,
        typer.Option(
            "--alpha",
            min=0.0,
            max=1.0,
            help="With --fail-on-regression: fail only if the drop is significant at ALPHA.",
        ),
    ] = None,
    max_cost_increase: Annotated[
        str | None,
        typer.Option("--max-cost-increase", help="Exit 1 when cost per case rises more (20%)."),
    ] = None,
    output_format: FormatOption = OutputFormat.text,
) -> None:
    """Paired comparison: flipped cases by tag, pass-rate change with CI and McNemar test."""
    from scaffolder.kit.bench.compare import compare_runs, gate_failures, parse_increase
    from scaffolder.kit.bench.results import load_run, resolve_run
    from scaffolder.kit.bench.views import comparison_json, comparison_lines

    root = require_project("bench compare").root
    limit = parse_increase(max_cost_increase) if max_cost_increase is not None else None
    base_path, new_path = resolve_run(root, base), resolve_run(root, new)
    comparison = compare_runs(load_run(base_path), load_run(new_path), base_variant, new_variant)
    reasons = gate_failures(
        comparison, fail_on_regression=fail_on_regression, alpha=alpha, max_cost_increase=limit
    )
    if output_format is OutputFormat.json:
        say(json.dumps({**comparison_json(comparison), "failures": reasons}, indent=2))
    else:
        for line in comparison_lines(comparison, base_path.name, new_path.name):
            say(line)
        for reason in reasons:
            typer.secho(f"FAIL: {reason}", fg=typer.colors.RED, err=True)
    if reasons:
        raise typer.Exit(FAILURE_EXIT_CODE)


@bench_app.command("report")
@reports_errors
def report(
    run_name: Annotated[
        str, typer.Argument(metavar="RUN", help="Results file (or name, or 'latest').")
    ] = "latest",
    html: Annotated[bool, typer.Option("--html", help="Write a self-contained HTML page.")] = False,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of the default.")
    ] = None,
) -> None:
    """Markdown for a PR comment (stdout), or --html: a page with charts next to the run."""
    from scaffolder.kit.bench.report import markdown_report
    from scaffolder.kit.bench.report_html import html_report
    from scaffolder.kit.bench.results import load_run, resolve_run

    root = require_project("bench report").root
    path = resolve_run(root, run_name)
    result = load_run(path)
    if not html:
        text = markdown_report(result, path.name)
        if output is None:
            say(text)
        else:
            output.write_text(text + "\n", encoding="utf-8")
            say(f"Wrote {output}")
        return
    target = output or path.with_suffix(".html")
    target.write_text(html_report(result, path.name), encoding="utf-8")
    say(f"Wrote {target}")
