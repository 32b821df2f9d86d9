"""`vector_db` at the command line: `server` without CHROMA_URL is one line and exit 2 from
every command that loads settings; `embedded` with CHROMA_URL indexes the project's folder,
never dials the URL, and says the URL is ignored."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from scaffolder.kit import settings as settings_module
from tests.cli.conftest import Invoke
from tests.conftest import ChangeDir
from tests.loopback import RecordingListener

ONE_LINE = "error: invalid settings: vector_db is server but CHROMA_URL is not set\n"


@pytest.fixture
def project(tmp_path: Path, chdir: ChangeDir, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("CHROMA_URL", raising=False)
    monkeypatch.delenv("COPILOT_VECTOR_DB", raising=False)
    monkeypatch.setattr(settings_module, "_WARNED", set())
    (tmp_path / "pyproject.toml").write_text('[tool.copilot]\ntemplate = "qa-rag"\n')
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "reset.md").write_text("# Reset\n\nHold the button for 20 seconds.\n")
    chdir(tmp_path)
    return tmp_path


@pytest.fixture
def listener() -> Iterator[RecordingListener]:
    recording = RecordingListener()
    yield recording
    recording.close()


@pytest.mark.parametrize(
    "command",
    [("ingest",), ("search", "reset"), ("telemetry", "summary"), ("ask", "how do I reset")],
)
def test_server_without_a_url_is_one_line_and_exit_2(
    copilot: Invoke, project: Path, monkeypatch: pytest.MonkeyPatch, command: tuple[str, ...]
) -> None:
    monkeypatch.setenv("COPILOT_VECTOR_DB", "server")
    result = copilot(*command)
    assert result.exit_code == 2, result.output
    errors = [line for line in result.stderr.splitlines() if not line.startswith("note: ")]
    assert errors == [ONE_LINE.strip()]  # `ask` notes first that the project predates apps


def test_server_set_in_pyproject_without_a_url_too(copilot: Invoke, project: Path) -> None:
    (project / "pyproject.toml").write_text(
        '[tool.copilot]\ntemplate = "qa-rag"\nvector_db = "server"\n'
    )
    result = copilot("ingest")
    assert (result.exit_code, result.stderr) == (2, ONE_LINE)
    assert not (project / ".copilot" / "chroma").exists()


def test_embedded_with_a_url_ingests_locally_and_warns(
    copilot: Invoke,
    project: Path,
    listener: RecordingListener,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv("CHROMA_URL", listener.url)
    caplog.set_level(logging.WARNING, logger="scaffolder.kit.settings")
    result = copilot("ingest")
    assert result.exit_code == 0, result.output
    assert (project / ".copilot" / "chroma").is_dir()
    found = copilot("search", "how long do I hold the button")
    assert found.stdout.startswith("[1] data/reset.md")
    assert listener.connections == 0
    ignored = [r.getMessage() for r in caplog.records if "vector_db is embedded" in r.getMessage()]
    assert len(ignored) == 1, "one warning per process"
    assert "the URL is ignored" in ignored[0]
    doctor = copilot("doctor", str(project))
    assert "! chroma       CHROMA_URL is set but vector_db is embedded" in doctor.stdout
    assert "unreachable" not in doctor.stdout
    assert listener.connections == 0
