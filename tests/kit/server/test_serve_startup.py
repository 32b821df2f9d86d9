"""`copilot serve` refuses what it cannot serve in one line, exit 2, before uvicorn starts:
invalid settings (a placeholder key in production), a port in use, a host that does not
resolve or is not this machine's."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from scaffolder.cli import app


def serve(project: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> Result:
    monkeypatch.chdir(project)
    return CliRunner().invoke(app, ["serve", *args], catch_exceptions=False)


def one_line_error(result: Result) -> str:
    assert result.exit_code == 2
    errors = [line for line in result.stderr.splitlines() if not line.startswith("note:")]
    assert len(errors) == 1 and "Traceback" not in result.output
    return errors[0]


def test_a_placeholder_server_key_in_production_is_one_line(
    qa_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COPILOT_ENV", "production")
    monkeypatch.setenv("COPILOT_PROVIDER", "offline")
    monkeypatch.setenv("COPILOT_SERVER_API_KEY", "changeme")
    line = one_line_error(serve(qa_project, monkeypatch))
    assert line.startswith("error: invalid settings: COPILOT_SERVER_API_KEY holds a placeholder")
    assert "changeme" not in line


def test_an_invalid_server_limit_is_one_line(
    qa_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COPILOT_SERVER_HEADER_TIMEOUT", "-1")
    line = one_line_error(serve(qa_project, monkeypatch))
    assert line == "error: invalid settings: server_header_timeout: Input should be greater than 0"


def test_a_port_in_use_is_one_line(qa_project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        line = one_line_error(serve(qa_project, monkeypatch, "--port", str(port)))
    assert line == (
        f"error: port {port} on 127.0.0.1 is already in use; stop what uses it or pass another "
        "--port"
    )


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("999.1.1.1", "is neither an address nor a name this machine resolves"),
        ("no-such-host.invalid", "is neither an address nor a name this machine resolves"),
        ("192.0.2.1", "192.0.2.1 is not an address of this machine"),
    ],
)
def test_a_host_that_cannot_be_bound_is_one_line(
    qa_project: Path, monkeypatch: pytest.MonkeyPatch, host: str, expected: str
) -> None:
    monkeypatch.setenv("COPILOT_SERVER_API_KEY", "k3y-for-the-test-8f2k3j4h")
    assert expected in one_line_error(serve(qa_project, monkeypatch, "--host", host))
