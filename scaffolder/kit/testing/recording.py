"""The test run's side of the recordings (`scaffolder/kit/llm/recordings.py`): which file a
test's model calls go to, recording them with `--llm-record`, replaying them under
`--llm-cache=replay-only`, and the provider the tests' copilot is given.

Imported by the plugin only when one of those options is given, so a plain `pytest` pays
nothing for it.

A test module's recordings live next to it, in `recordings/<module>.jsonl` (like
pytest-recording's cassettes folder). Recording rewrites, in each file it touches, the lines
of the tests that ran (whatever they called, even nothing) and keeps every other test's
lines, so `pytest --llm-record -k one_test` re-records one test. Each file is replaced
atomically; a run stopped half-way has written each file whole or not at all.
"""

from __future__ import annotations

from collections.abc import Generator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pytest

from scaffolder.kit.llm.recordings import (
    RECORDINGS_DIR,
    SUFFIX,
    RecordingsError,
    Tape,
    TestRef,
    activated,
    read_recordings,
    write_recordings,
)

#: Its name as a registered plugin (`plugin.py` registers it).
PLUGIN_NAME = "copilot-llm-recordings"
#: The variable that asks for the configured provider instead of the offline stand-in.
PROVIDER_VARIABLE = "COPILOT_TEST_PROVIDER"
RECORD_ALL = "COPILOT_TEST_PROVIDER=configured python -m pytest --llm-record"
RECORD_COMMAND = RECORD_ALL + " {nodeid}"
#: Replay answers with no key and no network: the provider is built with placeholder
#: credentials and pointed at a closed loopback port, and the tape answers before it is asked.
REPLAY_KEY = "replay-only-recordings"
REPLAY_URL = "http://127.0.0.1:9/v1"
REPLAY_ENVIRONMENT: dict[str, dict[str, str]] = {
    "openai": {"OPENAI_API_KEY": REPLAY_KEY, "OPENAI_BASE_URL": REPLAY_URL},
    "openai-compatible": {"OPENAI_API_KEY": REPLAY_KEY, "OPENAI_BASE_URL": REPLAY_URL},
    "azure-openai": {
        "AZURE_OPENAI_API_KEY": REPLAY_KEY,
        "AZURE_OPENAI_ENDPOINT": REPLAY_URL.removesuffix("/v1"),
    },
}

ProviderKind = Literal["offline", "configured", "recorded"]


@dataclass(frozen=True)
class TestProvider:
    """Where the tests' model calls go, the environment that sends them there (set for the
    session by the `llm_test_provider` fixture), and why (for the summary)."""

    __test__ = False

    kind: ProviderKind
    environment: dict[str, str]
    reason: str


def recordings_file(module: Path) -> Path:
    """Where the recordings of the test module at `module` live."""
    return module.parent / RECORDINGS_DIR / (module.stem + SUFFIX)


def test_ref(item: pytest.Item) -> TestRef:
    module = item.path
    prefix = item.nodeid.split("::", 1)
    name = prefix[1] if len(prefix) == 2 else item.name
    return TestRef(recordings_file(module), name, item.nodeid)


class RecordingSession:
    """The plugin object of a run that records (`--llm-record`) or replays recordings."""

    def __init__(self, config: pytest.Config, mode: Literal["record", "replay"]) -> None:
        self.config = config
        self.tape = Tape(mode, record_command=RECORD_COMMAND)
        self.ran: list[TestRef] = []
        self.written: list[Path] = []
        #: The provider `llm_test_provider` chose, once a test asked for it.
        self.provider: TestProvider | None = None
        self._stack = ExitStack()
        self._stack.enter_context(activated(self.tape))

    def close(self) -> None:
        self._stack.close()

    @property
    def mode(self) -> Literal["record", "replay"]:
        return self.tape.mode

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        """Load every recordings file beside the collected modules: a session fixture's calls
        are recorded under whichever test first needed them, maybe in another module."""
        if self.mode != "replay":
            return
        folders = sorted({item.path.parent / RECORDINGS_DIR for item in session.items})
        try:
            for folder in folders:
                for file in sorted(folder.glob("*" + SUFFIX)):
                    self.tape.load(file)
        except RecordingsError as error:
            raise pytest.UsageError(str(error)) from error

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item) -> Generator[None, object, object]:
        test = test_ref(item)
        with self.tape.running(test):
            result = yield
        self.ran.append(test)
        return result

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        """A test that met a missing recording fails with the miss, even if the application
        caught the error and the test went on to pass."""
        report = yield
        if self.tape.misses and not report.failed:
            report.outcome = "failed"
            report.longrepr = "\n".join(self.tape.misses)
        self.tape.misses.clear()
        return report

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self.mode != "record" or hasattr(session.config, "workerinput"):
            return
        by_file: dict[Path, set[str]] = {}
        for test in self.ran:
            by_file.setdefault(test.file, set()).add(test.name)
        for file, names in sorted(by_file.items()):
            kept = [call for call in read_recordings(file) if call.test not in names]
            new = [
                call
                for test, calls in self.tape.recorded.items()
                if test.file == file
                for call in calls.values()
            ]
            if kept or new or file.exists():
                write_recordings(file, kept + new)
                self.written.append(file)

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        root = self.config.rootpath
        terminalreporter.section("copilot: recordings")
        if self.mode == "record":
            calls = sum(len(calls) for calls in self.tape.recorded.values())
            names = ", ".join(_relative(file, root) for file in self.written) or "no file"
            terminalreporter.write_line(
                f"recorded {calls} model calls of {len(self.ran)} tests: {names}"
            )
        elif self.provider is not None:
            terminalreporter.write_line(f"replay-only: {self.provider.reason}")


def choose_provider(config: pytest.Config, environ: dict[str, str]) -> TestProvider:
    """The provider the tests' copilot gets (see docs/testing.md, "Recordings"):

    * `--llm-record`: the configured one, recorded;
    * `COPILOT_TEST_PROVIDER=configured` with `--llm-cache=replay-only`: the recordings,
      through the provider they were made with, given placeholder credentials and a closed
      loopback address (no key, no network); with no recordings at all, the offline provider,
      so a project that never recorded still passes CI;
    * `COPILOT_TEST_PROVIDER=configured`: the configured one, through the private
      development cache in `.copilot/`;
    * otherwise the offline provider.

    The configured provider gets the project's .env too (the tests build their copilot with
    `env_file=None`, so the file's keys are set as variables; set variables win, as they do
    over .env everywhere).
    """
    recording = config.pluginmanager.get_plugin(PLUGIN_NAME)
    session = recording if isinstance(recording, RecordingSession) else None
    offline = {"COPILOT_PROVIDER": "offline"}
    if session is not None and session.mode == "record":
        return TestProvider("configured", _dotenv(config.rootpath, environ), "recording")
    if environ.get(PROVIDER_VARIABLE) != "configured":
        return TestProvider("offline", offline, "the offline provider")
    if session is None:
        return TestProvider("configured", _dotenv(config.rootpath, environ), "live calls")
    providers = session.tape.providers
    if not providers:
        reason = f"no recordings yet, so the offline provider (record them with {RECORD_ALL})"
        return TestProvider("offline", offline, reason)
    if len(providers) > 1:
        raise pytest.UsageError(
            f"the recordings were made with several providers ({', '.join(sorted(providers))}); "
            f"re-record them with {RECORD_ALL}"
        )
    (provider,) = providers
    if provider not in REPLAY_ENVIRONMENT:
        raise pytest.UsageError(f"the recordings name an unknown provider {provider!r}")
    environment = {"COPILOT_PROVIDER": provider, **REPLAY_ENVIRONMENT[provider]}
    return TestProvider("recorded", environment, f"recorded answers of {provider}")


def check_can_record(root: Path) -> None:
    """Stop a recording run at once when no model is configured: it would record nothing."""
    from scaffolder.kit.settings import CopilotSettings

    settings = CopilotSettings.load(root, env_file=None)
    if settings.effective_provider == "offline":
        pytest.exit(
            f"--llm-record needs a model, but {settings.offline_reason}: {settings.provider_setup}",
            returncode=pytest.ExitCode.USAGE_ERROR,
        )


def _dotenv(root: Path, environ: dict[str, str]) -> dict[str, str]:
    """The variables of `root/.env` that the environment does not set already."""
    path = root / ".env"
    if not path.is_file():
        return {}
    from dotenv import dotenv_values

    values = dotenv_values(path)
    return {
        name: value for name, value in values.items() if value is not None and name not in environ
    }


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)
