"""The server log keeps what a library error was caused by: the client gets one line, the log
line under its request id names the underlying exception (type and stack, never its message,
which may quote what the user typed)."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import httpx
import pytest

from scaffolder.errors import StoreDamagedError
from scaffolder.kit.retrieval.store import connect
from tests.kit.server.backends import FailingBackend
from tests.kit.server.conftest import Serve

CHAT = {"message": "How do I reset the lamp?"}


def damaged_store_error(tmp_path: Path) -> StoreDamagedError:
    """The real error of opening an embedded store whose database file is not a database."""
    folder = tmp_path / "chroma"
    folder.mkdir()
    (folder / "chroma.sqlite3").write_bytes(b"not a database" * 100)
    with pytest.raises(StoreDamagedError) as raised:
        connect(None, folder)
    return raised.value


def server_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "copilot.server"]


def test_a_store_error_keeps_its_cause_for_the_log(tmp_path: Path) -> None:
    error = damaged_store_error(tmp_path)
    assert error.__cause__ is not None
    assert "file is not a database" in str(error.__cause__)


def test_the_server_log_names_the_cause_of_a_library_error(
    serve: Serve, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="copilot.server")
    error = damaged_store_error(tmp_path)
    with serve(FailingBackend(error)) as url:
        response = httpx.post(f"{url}/chat?stream=false", json=CHAT)
    assert response.status_code == 500
    assert "Traceback" not in response.text and str(tmp_path) not in response.text
    rid = response.headers["x-request-id"]
    (line,) = [
        line
        for line in server_lines(caplog)
        if line["event"] == "error_detail" and line["request_id"] == rid
    ]
    assert line["error"] == "StoreDamagedError"
    (cause,) = line["causes"]
    assert cause["error"] == type(error.__cause__).__name__
    assert "chromadb" in cause["stack"]  # where inside Chroma it failed
    assert "not a database" not in json.dumps(cause)  # messages stay out of the causes


def test_a_backend_bug_is_logged_with_its_cause_chain(
    serve: Serve, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="copilot.server")
    question = " ".join(["secret", "plans"])  # in the message only, not in the source
    try:
        try:
            raise OSError(5, f"disk read failed for the question {question!r}")
        except OSError as disk:
            raise RuntimeError("index unreadable") from disk
    except RuntimeError as bug:
        error = bug
    with serve(FailingBackend(error)) as url:
        response = httpx.post(f"{url}/chat?stream=false", json=CHAT)
    assert response.status_code == 500
    (line,) = [line for line in server_lines(caplog) if line["event"] == "backend_failure"]
    assert line["error"] == "RuntimeError"
    assert [cause["error"] for cause in line["causes"]] == ["OSError"]
    assert "secret plans" not in json.dumps(line)
