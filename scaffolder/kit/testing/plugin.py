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
with the run. In a project whose pyproject.toml names its app (`[tool.copilot] app`), the
project's fixtures (`project_fixtures.py`: `project_root`, `app`, `settings`, `copilot`,
`new_project`) are registered too, so its conftest.py is a few lines.

Without the marker and without `--llm-*` options the plugin does nothing at all, and it is
cheap to load: this module imports pytest, the standard library and the kit's own small
testing modules; the LLM layer, pydantic and the rest load when a test uses the marker or a
fixture (tests/kit/testing/test_plugin_import.py checks that).
"""

from __future__ import annotations

import os
from collections.abc import Generator
from pathlib import Path

import pytest

from scaffolder.errors import UsageError
from scaffolder.kit.testing import fixtures, project_fixtures
from scaffolder.kit.testing.config import INCONCLUSIVE_POLICIES, TestingSettings, plan_for
from scaffolder.kit.testing.report import FlakyResult, summary_lines, write_json_report
from scaffolder.kit.testing.sequential import CAP_RULES
from scaffolder.project import read_copilot_table

MARKER = "llm_flaky"
MARKER_HELP = (
    f"{MARKER}(p_good=0.9, p_bad=0.5, alpha=0.05, beta=0.05, max_runs=20, at_cap=..., "
    "inconclusive=...) or (runs=N, min_passes=K): run the test until a sequential test (or "
    "the curtailed K-of-N rule) decides whether its success rate is good enough"
)
#: The response cache's modes and variable (`scaffolder.kit.llm.cache.CACHE_MODES` and
#: `MODE_VARIABLE`, spelled out because importing the LLM layer here would tax every pytest
#: run; tests/kit/testing/test_plugin_import.py keeps them equal).
CACHE_MODES = ("off", "read-write", "replay-only")
CACHE_VARIABLE = "COPILOT_LLM_CACHE"
#: The `[tool.copilot]` key naming a project's app (`scaffolder.kit.app.APP_KEY`, likewise).
APP_KEY = "app"
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

_PLUGIN_NAME = "copilot-llm-tests"
_FIXTURES_NAME = "copilot-llm-fixtures"
_PROJECT_FIXTURES_NAME = "copilot-project-fixtures"
#: The recording session's name (`recording.PLUGIN_NAME`, which is not imported until used).
_RECORDINGS_NAME = "copilot-llm-recordings"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("copilot", "copilot LLM tests")
    group.addoption(
        "--llm-cache",
        choices=CACHE_MODES,
        default=None,
        help=f"response cache mode for this run (sets {CACHE_VARIABLE}); replay-only fails "
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
        raise pytest.UsageError(str(error)) from error
    budget = config.getoption("llm_budget_usd")
    if budget is not None and budget < 0:
        raise pytest.UsageError(f"--llm-budget-usd must not be negative, got {budget}")
    report = config.getoption("llm_report")
    session = FlakySession(
        config,
        settings,
        budget_usd=budget,
        report_path=Path(report).resolve() if report else None,
    )
    config.pluginmanager.register(session, _PLUGIN_NAME)
    config.pluginmanager.register(fixtures, _FIXTURES_NAME)
    if _declares_app(config.rootpath / "pyproject.toml"):
        config.pluginmanager.register(project_fixtures, _PROJECT_FIXTURES_NAME)
    _register_recordings(config)


def _declares_app(pyproject: Path) -> bool:
    """Whether `pyproject` is a copilot project's that names its app: only there do the
    project fixtures' plain names (`app`, `settings`, `copilot`) mean the project's copilot;
    anywhere else they would shadow nothing and surprise everyone."""
    table = read_copilot_table(pyproject) if pyproject.is_file() else None
    return table is not None and APP_KEY in table


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
    if isinstance(session, FlakySession):
        session.restore_environment()
        config.pluginmanager.unregister(session, _PLUGIN_NAME)
    for name in (_RECORDINGS_NAME, _FIXTURES_NAME, _PROJECT_FIXTURES_NAME):
        plugin = config.pluginmanager.get_plugin(name)
        if plugin is not None:
            close = getattr(plugin, "close", None)
            if close is not None:
                close()
            config.pluginmanager.unregister(plugin, name)


class FlakySession:
    """The plugin's state and hooks for one pytest run, registered by `pytest_configure` (a
    plugin object, because reports reach hooks without their config). What needs the LLM
    layer is imported by the hooks that use it, when a run uses it."""

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
        self._previous_cache_mode = os.environ.get(CACHE_VARIABLE)
        if self._cache_mode is not None:
            os.environ[CACHE_VARIABLE] = self._cache_mode

    def restore_environment(self) -> None:
        if self._cache_mode is None:
            return
        if self._previous_cache_mode is None:
            os.environ.pop(CACHE_VARIABLE, None)
        else:
            os.environ[CACHE_VARIABLE] = self._previous_cache_mode

    def remaining_usd(self) -> float | None:
        return None if self.budget_usd is None else max(0.0, self.budget_usd - self.spent_usd)

    def charge(self, item: pytest.Item, spent_usd: float) -> None:
        """Add what a test spent to the session, and stop the session once over budget."""
        self.spent_usd += spent_usd
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
        from scaffolder.kit.testing.attempts import Attempts

        try:
            plan = plan_for(marker.args, marker.kwargs, self.settings)
        except UsageError as error:
            raise pytest.UsageError(f"{pyfuncitem.nodeid}: {error}") from error
        Attempts(pyfuncitem, plan, self).run()
        return True

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Generator[None, None, None]:
        """Under `--llm-budget-usd`, count what unmarked tests spend too (marked ones count
        their own attempts), and stop the session once the budget is passed."""
        __tracebackhide__ = True
        if self.budget_usd is None or item.get_closest_marker(MARKER) is not None:
            return (yield)
        from scaffolder.kit.llm.cost import ledger_scope

        with ledger_scope(f"test {item.nodeid}", limit_usd=self.remaining_usd()) as ledger:
            try:
                return (yield)
            finally:
                self.charge(item, ledger.total_usd)

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
