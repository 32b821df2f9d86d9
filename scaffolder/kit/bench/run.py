"""The `copilot bench run` use case: choose the suite, run it the way its kind runs, save the
run, raise cost alerts against the suite's last run, and give the verdict.

Why here and not in the command: the same run is what CI, an editor or a script wants, and
none of them should re-derive which flags apply to which kind or when a run counts as
failed. The caller hands over a `RunRequest` (the project's root and `[tool.copilot]` table,
the flags, and how to build the project's app) and gets a `RunOutcome` back; bad input is a
one-line `BenchError` raised before anything runs. What a person sees while it runs (the
offline notice, progress) goes through a `RunWatcher`, so the kit prints nothing itself.

Answer suites fail only when nothing could run at all or when more results than
`max_ungraded` allows got no verdict from the judge: gates against a baseline live in
`compare`. Routing and safety suites carry their own gate (`min_accuracy`, the project's
safety thresholds), so their run fails on it directly.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from scaffolder.errors import BenchError
from scaffolder.kit.bench.alerts import CostAlert, cost_alerts, last_run, post_webhook
from scaffolder.kit.bench.config import BenchConfig
from scaffolder.kit.bench.evaluation import Evaluation, EvaluationContext
from scaffolder.kit.bench.kinds import detect_kind
from scaffolder.kit.bench.results import CaseResult, RunResult, git_sha, ungraded_failures
from scaffolder.kit.bench.runner import RunOptions, run_suite
from scaffolder.kit.bench.session import build_targets, load_project_suite, variants
from scaffolder.kit.bench.suite import list_suites, suite_path
from scaffolder.kit.bench.targets import suite_kind
from scaffolder.kit.llm.client import LLM
from scaffolder.kit.settings import CopilotSettings

if TYPE_CHECKING:
    from scaffolder.kit.app import CopilotApp


class RunWatcher(Protocol):
    """What a person sees of a run while it goes: notices, and progress over the cases."""

    def notice(self, message: str) -> None:
        """Something worth knowing that does not stop the run."""

    def progress(self, label: str, total: int) -> AbstractContextManager[Callable[[], None]]:
        """A context around the cases' run; the callable it gives is called once per result."""


class SilentWatcher:
    """A watcher for callers with no one watching (scripts, tests)."""

    def notice(self, message: str) -> None:
        """Notices are dropped: the outcome holds everything that matters afterwards."""

    @contextmanager
    def progress(self, label: str, total: int) -> Iterator[Callable[[], None]]:
        yield lambda: None


@dataclass(frozen=True)
class RunRequest:
    """One `bench run`: where, which suite, and the flags as given (None: not given)."""

    root: Path
    #: The project's `[tool.copilot]` table (its `bench` table configures the run).
    copilot_table: Mapping[str, Any]
    #: A suite name (benchmarks/NAME.jsonl) or path; None picks the project's only suite.
    suite: str | None = None
    models: tuple[str, ...] = ()
    prompts: tuple[str, ...] = ()
    samples: int = 1
    limit: int | None = None
    concurrency: int | None = None
    #: Builds the project's app; only called for a project that has one (an `app` key or
    #: a skills/ folder), since a project made before 0.5 can still run prompt suites.
    build_app: Callable[[], CopilotApp] | None = field(default=None, kw_only=True)


@dataclass(frozen=True)
class RunOutcome:
    """A saved run and its verdict."""

    result: RunResult
    saved: Path
    #: The whole-suite evaluator's report for people (routing, safety); None for suites of
    #: cases, whose report is their summary table.
    report: str | None
    #: Cases that could not run at all (their error is in the result).
    errors: tuple[CaseResult, ...]
    alerts: tuple[CostAlert, ...]
    #: Why the cost alerts' webhook could not be reached, when it could not.
    webhook_problem: str | None
    #: One line per reason the run fails (below a kind's gate, too many ungraded results).
    failures: tuple[str, ...]
    #: Whether the run fails: a reason above, or no case could run at all.
    failed: bool


def run_bench(request: RunRequest, watcher: RunWatcher | None = None) -> RunOutcome:
    """Run the suite `request` names as its kind runs, save it, and judge it."""
    watcher = watcher or SilentWatcher()
    root = request.root
    config = BenchConfig.from_table(request.copilot_table)
    name = request.suite if request.suite is not None else _only_suite(root)
    path = suite_path(root, name)
    kind_name = detect_kind(path)
    app = bench_app(root, request.copilot_table, request.build_app)
    settings = app.settings if app is not None else CopilotSettings.load(root)
    llm = LLM.from_settings(settings, root)
    if llm.notice:
        watcher.notice(f"calls go to the offline provider: {llm.notice}")
    evaluate = suite_kind(kind_name).evaluate
    if evaluate is not None:
        _refuse_case_flags(request, kind_name)
        context = EvaluationContext(
            root, path, settings, config, llm, request.limit, git_sha(root), app=app
        )
        return _evaluated(context, evaluate(context))
    return _run_cases(request, config, llm, name, watcher)


def _only_suite(root: Path) -> str:
    names = list_suites(root)
    if len(names) != 1:
        raise BenchError(
            f"name the suite to run (suites in benchmarks/: {', '.join(names) or 'none'})"
        )
    return names[0]


def bench_app(
    root: Path, copilot_table: Mapping[str, Any], build: Callable[[], CopilotApp] | None
) -> CopilotApp | None:
    """The project's app, which every target and evaluator runs against, handed to the
    copilot bench target; None for a project made before 0.5 with no skills/ at all (only
    prompt suites to run), or when the caller has no way to build one."""
    from scaffolder.kit.app import APP_KEY
    from scaffolder.kit.copilot import bench_target
    from scaffolder.kit.routing.skills import SKILLS_DIR

    if build is None or (APP_KEY not in copilot_table and not (root / SKILLS_DIR).is_dir()):
        return None
    app = build()
    bench_target.use(app)
    return app


def _refuse_case_flags(request: RunRequest, kind: str) -> None:
    """Whole-suite kinds run the project's own machinery: per-case flags mean nothing there,
    and silently ignoring them would report a run the user did not ask for."""
    ignored = [
        flag
        for flag, given in (
            ("--model", request.models),
            ("--prompt", request.prompts),
            ("--samples", request.samples != 1),
            ("--concurrency", request.concurrency),
        )
        if given
    ]
    if ignored:
        raise BenchError(
            f"{kind} suites run the project's own {kind} machinery: "
            f"{', '.join(ignored)} do(es) not apply"
        )


def _evaluated(context: EvaluationContext, evaluation: Evaluation) -> RunOutcome:
    """A whole-suite kind's run, saved like any other, failing on the kind's own gate."""
    result = evaluation.result
    previous = last_run(context.root, result.suite)
    saved = result.save(context.root)
    alerts, problem = _cost_alerts(context.config, result, previous)
    failures = tuple(evaluation.failures)
    return RunOutcome(result, saved, evaluation.text, (), alerts, problem, failures, bool(failures))


def _run_cases(
    request: RunRequest, config: BenchConfig, llm: LLM, name: str, watcher: RunWatcher
) -> RunOutcome:
    """Every case through every variant's target, `samples` times; saved and judged."""
    root = request.root
    loaded = load_project_suite(root, config, name).limited(request.limit)
    wanted = variants(request.models, request.prompts)
    targets = build_targets(root, config, loaded, wanted)
    options = RunOptions(
        samples=request.samples,
        concurrency=request.concurrency or config.concurrency,
        judge_model=config.judge_model,
        git_sha=git_sha(root),
    )
    total = len(targets) * len(loaded.cases) * request.samples
    with watcher.progress(f"bench {loaded.name}", total) as advance:
        result = asyncio.run(
            run_suite(llm, loaded, targets, options, on_progress=lambda _done, _all: advance())
        )
    previous = last_run(root, loaded.name)
    saved = result.save(root)
    errors = tuple(case for case in result.cases if case.error)
    alerts, problem = _cost_alerts(config, result, previous)
    failures = tuple(ungraded_failures(result, config.max_ungraded))
    nothing_ran = bool(errors) and len(errors) == len(result.cases)
    return RunOutcome(
        result, saved, None, errors, alerts, problem, failures, bool(failures) or nothing_ran
    )


def _cost_alerts(
    config: BenchConfig, result: RunResult, previous: tuple[RunResult, str] | None
) -> tuple[tuple[CostAlert, ...], str | None]:
    """The cost alerts against the suite's last run, posted to the webhook when one is set;
    and why the post failed, when it did."""
    if previous is None:
        return (), None
    alerts = tuple(cost_alerts(result, previous[0], previous[1], config.cost_alert))
    if alerts and config.webhook_url:
        return alerts, post_webhook(config.webhook_url, list(alerts))
    return alerts, None
