"""`copilot bench ...`: run benchmark suites, compare runs, report them, import spreadsheets
and rated conversations.

The commands are thin: suites, runs, statistics and reports belong to `scaffolder.kit.bench`.
`run` measures and saves; for answer suites it fails only when nothing could run at all or
when more results than `max_ungraded` allows got no verdict from the judge, and
gates for CI live in `compare` (`--fail-on-regression`, `--max-cost-increase`), where a
baseline exists. Routing and safety suites carry their own gate (`min_accuracy`, the
project's safety thresholds), so `run` fails on those directly.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from scaffolder.cli._common import FormatOption, OutputFormat, reports_errors, say, warn
from scaffolder.errors import FAILURE_EXIT_CODE, BenchError
from scaffolder.project import Project, require_project

if TYPE_CHECKING:
    from scaffolder.kit.app import CopilotApp
    from scaffolder.kit.bench.compare import Comparison
    from scaffolder.kit.bench.config import BenchConfig
    from scaffolder.kit.bench.kinds import Evaluation, EvaluationContext
    from scaffolder.kit.bench.results import RunResult

bench_app = typer.Typer(
    help="Run benchmark suites, compare runs, report them, import spreadsheets.",
    no_args_is_help=True,
)


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
    from scaffolder.kit.bench.alerts import last_run
    from scaffolder.kit.bench.config import BenchConfig
    from scaffolder.kit.bench.kinds import EvaluationContext, detect_kind
    from scaffolder.kit.bench.report import SUMMARY_HEADER, summary_rows
    from scaffolder.kit.bench.results import git_sha, ungraded_failures
    from scaffolder.kit.bench.runner import RunOptions, run_suite
    from scaffolder.kit.bench.session import build_targets, load_project_suite, variants
    from scaffolder.kit.bench.suite import list_suites, suite_path
    from scaffolder.kit.bench.targets import suite_kind
    from scaffolder.kit.llm.client import LLM
    from scaffolder.kit.settings import CopilotSettings

    project = require_project("bench run")
    root = project.root
    config = BenchConfig.from_table(project.config)
    if suite is None:
        names = list_suites(root)
        if len(names) != 1:
            raise BenchError(
                f"name the suite to run (suites in benchmarks/: {', '.join(names) or 'none'})"
            )
        suite = names[0]
    path = suite_path(root, suite)
    kind_name = detect_kind(path)
    app = _project_app(project)
    settings = app.settings if app is not None else CopilotSettings.load(root)
    llm = LLM.from_settings(settings, root)
    if llm.notice:
        warn(f"calls go to the offline provider: {llm.notice}")
    evaluate = suite_kind(kind_name).evaluate
    if evaluate is not None:
        ignored = [
            flag
            for flag, given in (
                ("--model", model),
                ("--prompt", prompt),
                ("--samples", samples != 1),
                ("--concurrency", concurrency),
            )
            if given
        ]
        if ignored:
            raise BenchError(
                f"{kind_name} suites run the project's own {kind_name} machinery: "
                f"{', '.join(ignored)} do(es) not apply"
            )
        context = EvaluationContext(
            root, path, settings, config, llm, limit, git_sha(root), app=app
        )
        _run_evaluation(context, evaluate, output_format)
        return
    loaded = load_project_suite(root, config, suite).limited(limit)
    targets = build_targets(root, config, loaded, variants(model or [], prompt or []))
    options = RunOptions(
        samples=samples,
        concurrency=concurrency or config.concurrency,
        judge_model=config.judge_model,
        git_sha=git_sha(root),
    )
    total = len(targets) * len(loaded.cases) * samples
    with typer.progressbar(length=total, label=f"bench {loaded.name}", file=sys.stderr) as bar:
        result = asyncio.run(
            run_suite(llm, loaded, targets, options, on_progress=lambda done, _: bar.update(1))
        )
    previous = last_run(root, loaded.name)
    path = result.save(root)
    summaries = result.summaries()
    if output_format is OutputFormat.json:
        say(json.dumps({"results": str(path), "summary": [_summary_json(s) for s in summaries]}))
    else:
        _print_table(SUMMARY_HEADER, summary_rows(summaries))
        say(f"Saved {path.relative_to(root)}")
    errors = [case for case in result.cases if case.error]
    if errors:
        warn(f"{len(errors)} case(s) failed to run; first: {errors[0].case_id}: {errors[0].error}")
    _cost_alerts(config, result, previous)
    ungraded = ungraded_failures(result, config.max_ungraded)
    for reason in ungraded:
        typer.secho(f"FAIL: {reason}", fg=typer.colors.RED, err=True)
    if ungraded or (errors and len(errors) == len(result.cases)):
        raise typer.Exit(FAILURE_EXIT_CODE)


def _project_app(project: Project) -> CopilotApp | None:
    """The project's app, which every target and evaluator runs against; None for a project
    made before 0.5 with no skills/ at all (only prompt suites to run)."""
    from scaffolder.cli._copilot import project_app
    from scaffolder.kit.app import APP_KEY
    from scaffolder.kit.copilot import bench_target
    from scaffolder.kit.routing.skills import SKILLS_DIR

    if APP_KEY not in project.config and not (project.root / SKILLS_DIR).is_dir():
        return None
    app = project_app(project)
    bench_target.use(app)
    return app


def _run_evaluation(
    context: EvaluationContext,
    evaluate: Callable[[EvaluationContext], Evaluation],
    output_format: OutputFormat,
) -> None:
    """A whole-suite kind (routing, safety): its evaluator against the project, its report,
    the run saved like any other, and exit 1 when the kind's gate fails."""
    from scaffolder.kit.bench.alerts import last_run

    root = context.root
    evaluation = evaluate(context)
    result = evaluation.result
    previous = last_run(root, result.suite)
    saved = result.save(root)
    if output_format is OutputFormat.json:
        summary = [_summary_json(s) for s in result.summaries()]
        say(
            json.dumps({"results": str(saved), "summary": summary, "evaluation": result.evaluation})
        )
    else:
        say(evaluation.text)
        say(f"Saved {saved.relative_to(root)}")
    _cost_alerts(context.config, result, previous)
    for failure in evaluation.failures:
        typer.secho(f"FAIL: {failure}", fg=typer.colors.RED, err=True)
    if evaluation.failures:
        raise typer.Exit(FAILURE_EXIT_CODE)


def _cost_alerts(
    config: BenchConfig, result: RunResult, previous: tuple[RunResult, str] | None
) -> None:
    """Warn (and post to the webhook) when cost per case rose against the suite's last run."""
    from scaffolder.kit.bench.alerts import cost_alerts, post_webhook

    if previous is None:
        return
    alerts = cost_alerts(result, previous[0], previous[1], config.cost_alert)
    for alert in alerts:
        warn(f"cost alert: {alert.message}")
    if alerts and config.webhook_url:
        problem = post_webhook(config.webhook_url, alerts)
        if problem:
            warn(problem)


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

    root = require_project("bench compare").root
    limit = parse_increase(max_cost_increase) if max_cost_increase is not None else None
    base_path, new_path = resolve_run(root, base), resolve_run(root, new)
    comparison = compare_runs(load_run(base_path), load_run(new_path), base_variant, new_variant)
    reasons = gate_failures(
        comparison,
        fail_on_regression=fail_on_regression,
        alpha=alpha,
        max_cost_increase=limit,
    )
    if output_format is OutputFormat.json:
        say(json.dumps({**_comparison_json(comparison), "failures": reasons}, indent=2))
    else:
        _print_comparison(comparison, base_path.name, new_path.name)
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


@bench_app.command("import")
@reports_errors
def import_spreadsheet(
    source: Annotated[Path, typer.Argument(metavar="FILE", help="A .csv or .xlsx file.")],
    name: Annotated[
        str | None, typer.Option("--name", help="Suite name (default: the file's name).")
    ] = None,
    id_column: Annotated[str | None, typer.Option("--id-column", help="Default: id.")] = None,
    input_column: Annotated[
        str | None, typer.Option("--input-column", help="Default: input.")
    ] = None,
    reference_column: Annotated[
        str | None, typer.Option("--reference-column", help="Default: reference.")
    ] = None,
    tags_column: Annotated[str | None, typer.Option("--tags-column", help="Default: tags.")] = None,
    intent_column: Annotated[
        str | None, typer.Option("--intent-column", help="Default: intent.")
    ] = None,
    sources_column: Annotated[
        str | None, typer.Option("--sources-column", help="Default: sources.")
    ] = None,
    separator: Annotated[
        str, typer.Option("--separator", help="Splits cells with several values.")
    ] = "|",
    grader: Annotated[
        list[str] | None, typer.Option("--grader", help="Suite default grader (repeatable).")
    ] = None,
    prompt: Annotated[
        str | None, typer.Option("--prompt", help="Library prompt for the default target.")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing suite.")] = False,
) -> None:
    """Turn a spreadsheet into benchmarks/NAME.jsonl (bad rows are named by row number)."""
    from scaffolder.kit.bench.graders import known_graders
    from scaffolder.kit.bench.importer import ColumnMap, import_suite
    from scaffolder.kit.bench.suite import SUITE_SUFFIX, SUITES_DIR

    root = require_project("bench import").root
    chosen = {
        "id": id_column,
        "input": input_column,
        "reference": reference_column,
        "tags": tags_column,
        "intent": intent_column,
        "sources": sources_column,
    }
    given = {key: value for key, value in chosen.items() if value}
    columns = ColumnMap(**given, separator=separator)
    unknown = [g for g in grader or [] if g not in known_graders()]
    if unknown:
        raise BenchError(f"unknown grader {unknown[0]!r} (known: {', '.join(known_graders())})")
    destination = root / SUITES_DIR / f"{name or source.stem}{SUITE_SUFFIX}"
    if destination.exists() and not force:
        raise BenchError(f"{destination.relative_to(root)} exists; pass --force to replace it")
    header: dict[str, Any] = {}
    if grader:
        header["graders"] = grader
    if prompt:
        header["prompt"] = prompt
    count = import_suite(source, destination, columns, header, tuple(given.values()))
    say(f"Wrote {destination.relative_to(root)} ({count} cases)")


class FeedbackRatings(StrEnum):
    down = "down"
    up = "up"
    all = "all"


@bench_app.command("import-feedback")
@reports_errors
def import_feedback_command(
    source: Annotated[
        Path, typer.Option("--file", help="Feedback the server recorded (JSON Lines).")
    ] = Path(".copilot/feedback.jsonl"),
    name: Annotated[str, typer.Option("--name", help="Suite to add to: benchmarks/NAME.jsonl.")] = (
        "feedback"
    ),
    only: Annotated[
        FeedbackRatings, typer.Option("--only", help="Which ratings become cases.")
    ] = FeedbackRatings.down,
) -> None:
    """Turn rated conversations into cases (redacted), added to benchmarks/NAME.jsonl."""
    from scaffolder.kit.bench.feedback import import_feedback
    from scaffolder.kit.bench.suite import SUITE_SUFFIX, SUITES_DIR
    from scaffolder.kit.safety.redaction import Redactor
    from scaffolder.kit.settings import CopilotSettings

    root = require_project("bench import-feedback").root
    if Path(name).name != name or not name:
        raise BenchError(f"--name {name!r} is a suite name, not a path")
    # As given (relative to where the command runs), else relative to the project root.
    feedback = source if source.is_absolute() or source.exists() else root / source
    destination = root / SUITES_DIR / f"{name}{SUITE_SUFFIX}"
    redactor = Redactor(CopilotSettings.load(root).redact_patterns)
    done = import_feedback(feedback, destination, only.value, redactor)
    shown = destination.relative_to(root)
    if done.skipped:
        warn(f"skipped {len(done.skipped)} case(s) already in {shown}: {', '.join(done.skipped)}")
    if not done.added:
        say(f"Nothing new for {shown} (no {only.value}-rated feedback with a question left)")
        return
    verb = "Wrote" if done.created else "Added to"
    say(
        f"{verb} {shown} ({len(done.added)} case(s)); add references before running it: "
        "the answer given and the comment are in each case's notes"
    )


def _print_table(header: list[str], rows: list[list[str]]) -> None:
    table = [header, *rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for row in table:
        say("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())


def _summary_json(summary: Any) -> dict[str, Any]:
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


def _comparison_json(comparison: Comparison) -> dict[str, Any]:
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


def _print_comparison(comparison: Comparison, base: str, new: str) -> None:
    low, high = comparison.interval
    say(f"{base} [{comparison.base_label}] -> {new} [{comparison.new_label}]")
    say(
        f"pass rate {comparison.base_rate:.1%} -> {comparison.new_rate:.1%} "
        f"({comparison.difference:+.1%}, 95% CI {low:+.1%} to {high:+.1%}; "
        f"exact McNemar p = {comparison.p_value:.3g}; {comparison.paired} paired cases)"
    )
    for title, flips in (("regressed", comparison.regressions), ("fixed", comparison.fixes)):
        if flips:
            say(f"{title} ({len(flips)}): {', '.join(flip.case_id for flip in flips)}")
    for tag, (lost, gained) in comparison.by_tag().items():
        say(f"  {tag}: {lost} regressed, {gained} fixed")
    say(f"latency: {comparison.latency_delta_ms:+.0f} ms per case (median of paired deltas)")
    increase = comparison.cost_increase
    if increase is None:
        say("cost per case: unknown in one of the runs")
    else:
        rise = "from zero" if increase == float("inf") else f"{increase:+.1%}"
        say(
            f"cost per case: ${comparison.base_cost_per_case or 0:.6f} -> "
            f"${comparison.new_cost_per_case or 0:.6f} ({rise})"
        )
    if comparison.only_base or comparison.only_new:
        say(
            f"unpaired: {len(comparison.only_base)} only in base, "
            f"{len(comparison.only_new)} only in new"
        )
    if comparison.ungraded:
        say(
            f"ungraded: {len(comparison.ungraded)} shared case(s) with no verdict in one run, "
            f"left out: {', '.join(comparison.ungraded[:5])}"
        )
