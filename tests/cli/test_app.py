from __future__ import annotations

import subprocess
import sys

import scaffolder
from tests.cli.conftest import Invoke


def test_version(copilot: Invoke) -> None:
    result = copilot("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"copilot {scaffolder.__version__}"


def test_help_lists_every_command(copilot: Invoke) -> None:
    result = copilot("--help")
    assert result.exit_code == 0
    for command in (
        "new",
        "update",
        "doctor",
        "list",
        "ingest",
        "ask",
        "chat",
        "serve",
        "bench",
        "prompts",
        "search",
    ):
        assert command in result.stdout


def test_no_arguments_shows_help_and_fails(copilot: Invoke) -> None:
    result = copilot()
    assert result.exit_code == 2
    assert "Usage" in result.output


def test_unknown_command_is_a_usage_error(copilot: Invoke) -> None:
    result = copilot("frobnicate")
    assert result.exit_code == 2
    assert "No such command" in result.output


def test_installed_console_script_and_module_run() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "scaffolder", "--version"], capture_output=True, text=True
    )
    assert completed.returncode == 0
    assert completed.stdout.strip() == f"copilot {scaffolder.__version__}"
