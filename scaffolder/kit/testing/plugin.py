"""The pytest plugin every copilot project gets (entry point `pytest11: copilot`).

`@pytest.mark.llm_flaky(...)` turns a test whose body makes one attempt into a statistical
test: the body runs again and again inside one test item (fixtures are set up once, so every
attempt shares them) until the decision rule of `sequential.py` decides, and the item fails
only on a FAIL verdict (or INCONCLUSIVE, unless the policy is "warn"). Attempt `i` runs inside
`sample_scope(i)`, so its model calls are cache entries of their own: a re-run replays them.

An attempt fails on an AssertionError, `pytest.fail` or any other ordinary exception. An
`LLMError` (a replay-only cache miss, the spending limit, a provider that stays down) stops
the attempts at once and errors the test: it says the test could not run, not that the app
is bad. `pytest.skip` and `pytest.xfail` keep their usual meaning.

`--llm-record` records the tests' model answers into `recordings/<module>.jsonl` beside each
test module, and `--llm-cache=replay-only` replays them (`recording.py`); the
`llm_test_provider` fixture (`fixtures.py`) gives the tests' copilot the provider that goes
with the run.

Without the marker and without `--llm-*` options the plugin does nothing at all.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Generator
from pathlib import Path

import pytest

from scaffolder.errors import CostLimitError, LLMError, UsageError
from scaffolder.kit.llm.cache import CACHE_MODES, MODE_VARIABLE
from scaffolder.kit.llm.cost import CostLedger, ledger_scope
from scaffolder.kit.llm.sampling import sample_scope
from scaffolder.kit.testing.config import (
    INCONCLUSIVE_POLICIES,
    MarkerPlan,
    TestingSettings,
    plan_for,
)
from scaffolder.kit.testing.history import RunRecord, TestHistory
from scaffolder.kit.testing.report import (
    ABORTED,
    FlakyResult,
    summary_lines,
    write_json_report,
)
from scaffolder.kit.testing.sequential import (
    CAP_RULES,
    SequentialRule,
    Verdict,
    wilson_interval,
)

MARKER = "llm_flaky"
MARKER_HELP = (
    f"{MARKER}(p_good=0.9, p_bad=0.5, alpha=0.05, beta=0.05, max_runs=20, at_cap=..., "
    "inconclusive=...) or (runs=N, min_passes=K): run the test until a sequential test (or "
    "the curtailed K-of-N rule) decides whether its success rate is good enough"
)
#: Command-line options that override `[tool.copilot.testing]` keys, by key.
_DEFAULT_OPTIONS = {
    "p_good": "llm_p_good",
    "p_bad": "llm_p_bad",
    "alpha": "llm_alpha",
    "beta": "llm_beta",
    "max_runs": "llm_max_runs",
    "at_cap": "llm_at_cap",
    "inconclusive": "llm_inconclusive",
    "history": "llm_history",
}


class LLMFlakyWarning(UserWarning):
    """An `llm_flaky` test was INCONCLUSIVE under the "warn" policy."""


class FlakyVerdictError(AssertionError):
    """An `llm_flaky` test's verdict failed it; the first failed attempt is its cause."""


_PLUGIN_NAME = "copilot-llm-tests"
_FIXTURES_NAME = "copilot-llm-fixtures"
#: The recording session's name (`recording.PLUGIN_NAME`, which is not imported until used).
_RECORDINGS_NAME = "copilot-llm-recordings"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("copilot", "copilot LLM tests")
    group.addoption(
        "--llm-cache",
        choices=CACHE_MODES,
        default=None,
        help=f"response cache mode for this run (sets {MODE_VARIABLE}); replay-only fails "
        "every model call that was never recorded",
    )
    group.addoption(
        "--llm-record",
        action="store_true",
        default=False,
        help="call the configured model and write each test's model calls to "
        "recordings/<module>.jsonl beside it (text files to commit; CI replays them with "
        "COPILOT_TEST_PROVIDER=configured and --llm-cache=replay-only)",
    )
    group.addoption(
        "--llm-budget-usd",
        type=float,
        default=None,
        metavar="USD",
        help="stop the session once model calls of its tests cost more than this",
    )
    group.addoption(
        "--llm-report",
        default=None,
        metavar="FILE",
        help="write the llm_flaky results as JSON to FILE",
    )
    group.addoption(
        "--llm-history",
        default=None,
        metavar="PATH",
        help="llm_flaky run history (SQLite, relative to the rootdir; 'off' keeps none); "
        "default .copilot/test-history.sqlite",
    )
    group.addoption(
        "--llm-inconclusive",
        choices=INCONCLUSIVE_POLICIES,
        default=None,
        help="what an INCONCLUSIVE verdict does: fail the test (default) or warn",
    )
    group.addoption("--llm-at-cap", choices=CAP_RULES, default=None, help="SPRT rule at max_runs")
    group.addoption("--llm-max-runs", type=int, default=None, help="default SPRT run cap")
    group.addoption("--llm-p-good", type=float, default=None, help="default SPRT p_good")
    group.addoption("--llm-p-bad", type=float, default=None, help="default SPRT p_bad")
    group.addoption("--llm-alpha", type=float, default=None, help="default SPRT alpha")
    group.addoption("--llm-beta", type=float, default=None, help="default SPRT beta")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", MARKER_HELP)
    try:
        settings = TestingSettings.from_pyproject(config.rootpath / "pyproject.toml")
        overrides = {
            key: config.getoption(option)
            for key, option in _DEFAULT_OPTIONS.items()
            if config.getoption(option) is not None
        }
        if overrides.get("history") == "off":
            overrides["history"] = ""
        settings = settings.with_overrides(overrides, where="command line")
    except UsageError as error:
        raise pytest.UsageError(str(error)) from None
    budget = config.getoption("llm_budget_usd")
    if budget is not None and budget < 0:
        raise pytest.UsageError(f"--llm-budget-usd must not be negative, got {budget}")
    report = config.getoption("llm_report")
    session = _FlakySession(
        config,
        settings,
        budget_usd=budget,
        report_path=Path(report).resolve() if report else None,
    )
    config.pluginmanager.register(session, _PLUGIN_NAME)
    from scaffolder.kit.testing import fixtures

    config.pluginmanager.register(fixtures, _FIXTURES_NAME)
    _register_recordings(config)


def _register_recordings(config: pytest.Config) -> None:
    """Record or replay the tests' recordings when asked to (imported only then).

    Replaying the recordings takes `COPILOT_TEST_PROVIDER=configured` besides
    `--llm-cache=replay-only` (what the generated CI sets): without it, replay-only keeps its
    older meaning, the private response cache of `.copilot/` and nothing else."""
    record = config.getoption("llm_record")
    replay = config.getoption("llm_cache") == "replay-only" and (
        os.environ.get("COPILOT_TEST_PROVIDER") == "configured"
    )
    if record and config.getoption("llm_cache") is not None:
        raise pytest.UsageError("--llm-record records afresh: leave out --llm-cache")
    if record and getattr(config.option, "numprocesses", None):
        # Workers would each hold part of a module's calls and none could write its file.
        raise pytest.UsageError("--llm-record runs in one process: leave out -n")
    if not (record or replay):
        return
    from scaffolder.kit.testing.recording import RecordingSession

    recording = RecordingSession(config, "record" if record else "replay")
    config.pluginmanager.register(recording, _RECORDINGS_NAME)


def pytest_unconfigure(config: pytest.Config) -> None:
    session = config.pluginmanager.get_plugin(_PLUGIN_NAME)
    if isinstance(session, _FlakySession):
        session.restore_environment()
        config.pluginmanager.unregister(session, _PLUGIN_NAME)
    for name in (_RECORDINGS_NAME, _FIXTURES_NAME):
        plugin = config.pluginmanager.get_plugin(name)
        if plugin is not None:
            close = getattr(plugin, "close", None)
            if close is not None:
                close()
            config.pluginmanager.unregister(plugin, name)


class _FlakySession:
    """The plugin's state and hooks for one pytest run, registered by `pytest_configure` (a
    plugin object, because reports reach hooks without their config)."""

    def __init__(
        self,
        config: pytest.Config,
        settings: TestingSettings,
        *,
        budget_usd: float | None,
        report_path: Path | None,
    ) -> None:
        self.config = config
        self.settings = settings
        self.budget_usd = budget_usd
        self.report_path = report_path
        self.results: list[FlakyResult] = []
        self.spent_usd = 0.0
        self.stopped: str | None = None
        self._cache_mode = config.getoption("llm_cache")
        self._previous_cache_mode = os.environ.get(MODE_VARIABLE)
        if self._cache_mode is not None:
            os.environ[MODE_VARIABLE] = self._cache_mode

    def restore_environment(self) -> None:
        if self._cache_mode is None:
            return
        if self._previous_cache_mode is None:
            os.environ.pop(MODE_VARIABLE, None)
        else:
            os.environ[MODE_VARIABLE] = self._previous_cache_mode

    @property
    def history(self) -> TestHistory | None:
        if not self.settings.history:
            return None
        return TestHistory(self.config.rootpath / self.settings.history)

    def remaining_usd(self) -> float | None:
        return None if self.budget_usd is None else max(0.0, self.budget_usd - self.spent_usd)

    def charge(self, item: pytest.Item, ledger: CostLedger) -> None:
        """Add what a test spent to the session, and stop the session once over budget."""
        self.spent_usd += ledger.total_usd
        if self.budget_usd is not None and self.spent_usd > self.budget_usd:
            self.stopped = (
                f"LLM budget of ${self.budget_usd:.6f} passed (${self.spent_usd:.6f} spent) "
                f"during {item.nodeid}"
            )
            item.session.shouldstop = self.stopped

    @pytest.hookimpl(tryfirst=True)
    def pytest_pyfunc_call(self, pyfuncitem: pytest.Function) -> bool | None:
        """Run a marked test's attempts; leave every other test to pytest."""
        marker = pyfuncitem.get_closest_marker(MARKER)
        if marker is None:
            return None
        __tracebackhide__ = True
        try:
            plan = plan_for(marker.args, marker.kwargs, self.settings)
        except UsageError as error:
            raise pytest.UsageError(f"{pyfuncitem.nodeid}: {error}") from None
        _Attempts(pyfuncitem, plan, self).run()
        return True

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Generator[None, None, None]:
        """Under `--llm-budget-usd`, count what unmarked tests spend too (marked ones count
        their own attempts), and stop the session once the budget is passed."""
        __tracebackhide__ = True
        if self.budget_usd is None or item.get_closest_marker(MARKER) is not None:
            return (yield)
        with ledger_scope(f"test {item.nodeid}", limit_usd=self.remaining_usd()) as ledger:
            try:
                return (yield)
            finally:
                self.charge(item, ledger)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when != "call":
            return
        result = FlakyResult.from_properties(report.user_properties)
        if result is not None:
            self.results.append(result)

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if not (self.results or self.stopped):
            return
        terminalreporter.section("copilot: llm_flaky tests")
        for line in summary_lines(self.results, self.stopped):
            terminalreporter.write_line(line)

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self.report_path is None or hasattr(session.config, "workerinput"):
            return
        write_json_report(
            self.report_path, self.results, budget_usd=self.budget_usd, stopped=self.stopped
        )


class _Attempts:
    """The attempts of one marked test, their verdict, and what gets reported about them."""

    def __init__(self, item: pytest.Function, plan: MarkerPlan, state: _FlakySession) -> None:
        self.item = item
        self.plan = plan
        self.state = state
        self.passes = 0
        self.failures = 0
        self.first_failure: BaseException | None = None
        # The default pytest_pyfunc_call (and other plugins'), without this one: one attempt.
        self.attempt_once = item.config.pluginmanager.subset_hook_caller(
            "pytest_pyfunc_call", remove_plugins=[state]
        )

    def run(self) -> None:
        __tracebackhide__ = True
        verdict: Verdict | None = None
        name = f"llm_flaky {self.item.nodeid}"
        with ledger_scope(name, limit_usd=self.state.remaining_usd()) as ledger:
            try:
                while verdict is None:
                    self._attempt(self.passes + self.failures)
                    self._stop_if_over_budget(ledger)
                    verdict = self.plan.rule.decide(self.passes, self.failures)
            finally:
                self.state.charge(self.item, ledger)
                self._report(verdict, ledger)
        self._conclude(verdict)

    def _attempt(self, index: int) -> None:
        __tracebackhide__ = True
        with sample_scope(index):
            try:
                self.attempt_once(pyfuncitem=self.item)
            except (LLMError, pytest.xfail.Exception):
                raise
            except (Exception, pytest.fail.Exception) as error:
                self.failures += 1
                self.first_failure = self.first_failure or error
            else:
                self.passes += 1

    def _stop_if_over_budget(self, ledger: CostLedger) -> None:
        """Stop even when the app swallowed the ledger's CostLimitError."""
        if self.state.budget_usd is not None and (
            self.state.spent_usd + ledger.total_usd > self.state.budget_usd
        ):
            raise CostLimitError(
                f"the session's LLM budget of ${self.state.budget_usd:.6f} is spent"
            )

    def _report(self, verdict: Verdict | None, ledger: CostLedger) -> None:
        attempts = self.passes + self.failures
        low, high = wilson_interval(self.passes, attempts)
        totals = ledger.totals()
        cached = sum(totals_row.cached_calls for totals_row in totals)
        result = FlakyResult(
            nodeid=self.item.nodeid,
            mode=self.plan.mode,
            rule=self.plan.rule.describe(),
            verdict=str(verdict) if verdict is not None else ABORTED,
            attempts=attempts,
            passes=self.passes,
            wilson_low=round(low, 4),
            wilson_high=round(high, 4),
            model_calls=sum(totals_row.calls for totals_row in totals) - cached,
            cached_calls=cached,
            cost_usd=ledger.total_usd,
            drift=self._drift(verdict, ledger.total_usd),
        )
        self.item.user_properties.extend(result.properties())

    def _drift(self, verdict: Verdict | None, cost_usd: float) -> str:
        """Record this run in the history; the drift flag's explanation, or ""."""
        history = self.state.history
        if history is None or verdict is None:
            return ""
        run = RunRecord(
            self.item.nodeid,
            self.plan.mode,
            str(verdict),
            self.passes + self.failures,
            self.passes,
            cost_usd,
        )
        drift = history.check_and_record(run, self.state.settings.drift_alpha)
        return drift.describe() if drift is not None and drift.flagged else ""

    def _conclude(self, verdict: Verdict | None) -> None:
        __tracebackhide__ = True
        if verdict is Verdict.PASS:
            return
        message = self._explain(verdict)
        if verdict is Verdict.INCONCLUSIVE and self.plan.inconclusive == "warn":
            warnings.warn(LLMFlakyWarning(message), stacklevel=2)
            return
        raise FlakyVerdictError(message) from self.first_failure

    def _explain(self, verdict: Verdict | None) -> str:
        attempts = self.passes + self.failures
        low, high = wilson_interval(self.passes, attempts)
        lines = [
            f"llm_flaky verdict {verdict}: {self.passes} of {attempts} attempts passed, "
            f"success rate 95% CI [{low:.2f}, {high:.2f}]; rule: {self.plan.rule.describe()}"
        ]
        rule = self.plan.rule
        if isinstance(rule, SequentialRule):
            lines.append(
                f"SPRT log-likelihood ratio {rule.llr(self.passes, self.failures):.3f} "
                f"(pass at >= {rule.upper:.3f}, fail at <= {rule.lower:.3f})"
            )
        if verdict is Verdict.INCONCLUSIVE:
            lines.append(
                "the success rate looks between p_bad and p_good; raise max_runs to decide, "
                "or set inconclusive='warn'"
            )
        if self.first_failure is not None:
            first = str(self.first_failure).strip().splitlines()
            detail = first[0] if first else ""
            lines.append(f"first failed attempt: {type(self.first_failure).__name__}: {detail}")
        return "\n".join(lines)
