from __future__ import annotations

from collections.abc import Callable

import pytest
from typer.testing import CliRunner, Result

from scaffolder.cli import app
from scaffolder.scaffold import TemplateHistory
from tests.conftest import HistoryBuilder, Modifier, UseHistory


class Invoke:
    """Run `copilot ...` in-process, the way a shell would."""

    def __init__(self) -> None:
        self.runner = CliRunner()

    def __call__(self, *args: str, input: str | None = None) -> Result:
        return self.runner.invoke(app, list(args), input=input, catch_exceptions=False)


@pytest.fixture
def copilot() -> Invoke:
    return Invoke()


@pytest.fixture
def installed(
    histories: HistoryBuilder, use_history: Callable[[TemplateHistory], None]
) -> HistoryBuilder:
    """The CLI sees the test history (v1.0.0 of the current templates) as installed."""
    use_history(histories.history())
    return histories


NextRelease = Callable[[Modifier], None]


@pytest.fixture
def next_release(installed: HistoryBuilder, use_history: UseHistory) -> NextRelease:
    """Release the templates, changed by `modify`, as v1.1.0 and make the CLI see it installed."""

    def release(modify: Modifier) -> None:
        use_history(installed.release("1.1.0", modify))

    return release
