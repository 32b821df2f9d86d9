"""`vector_db` alone decides which Chroma the store talks to: `embedded` keeps the index in the
project's folder even when a CHROMA_URL is left in the environment (and says so once),
`server` talks to the URL and refuses to start without one."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import ValidationError

from scaffolder.kit import settings as settings_module
from scaffolder.kit.retrieval.store import open_store
from scaffolder.kit.settings import CopilotSettings, settings_problem
from tests.loopback import RecordingListener


@pytest.fixture
def listener() -> Iterator[RecordingListener]:
    recording = RecordingListener()
    yield recording
    recording.close()


@pytest.fixture(autouse=True)
def fresh_warnings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts as a new process would: no warning said yet."""
    monkeypatch.setattr(settings_module, "_WARNED", set())
    monkeypatch.delenv("CHROMA_URL", raising=False)
    monkeypatch.delenv("COPILOT_VECTOR_DB", raising=False)


def load(root: Path, **overrides: object) -> CopilotSettings:
    return CopilotSettings.load(root, env_file=None, **overrides)


def test_embedded_with_a_url_stays_embedded_and_never_dials_the_url(
    tmp_path: Path, listener: RecordingListener, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="scaffolder.kit.settings")
    settings = load(tmp_path, vector_db="embedded", chroma_url=listener.url)
    store = open_store(settings, tmp_path)
    assert store.folder == str(tmp_path / ".copilot" / "chroma")
    assert store.snapshot().generation == 0  # a real call into the embedded Chroma
    open_store(settings, tmp_path)
    assert listener.connections == 0
    warnings = [r for r in caplog.records if r.name == "scaffolder.kit.settings"]
    assert len(warnings) == 1, "said once per process, not per store opened"
    assert warnings[0].levelno == logging.WARNING
    message = warnings[0].getMessage()
    assert "CHROMA_URL is set but vector_db is embedded" in message
    assert "ignored" in message
    assert listener.url not in message  # a URL may carry credentials


def test_embedded_from_the_environment_ignores_chroma_url_too(
    tmp_path: Path,
    listener: RecordingListener,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The way it happens in practice: a CHROMA_URL exported for another project."""
    monkeypatch.setenv("CHROMA_URL", listener.url)
    caplog.set_level(logging.WARNING, logger="scaffolder.kit.settings")
    settings = load(tmp_path)
    assert settings.vector_db == "embedded"
    assert settings.chroma_server is None
    assert open_store(settings, tmp_path).folder is not None
    assert listener.connections == 0
    assert any("vector_db is embedded" in r.getMessage() for r in caplog.records)


def test_embedded_without_a_url_says_nothing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="scaffolder.kit.settings")
    open_store(load(tmp_path), tmp_path)
    assert not [r for r in caplog.records if r.name == "scaffolder.kit.settings"]


def test_server_without_a_url_is_one_settings_error(tmp_path: Path) -> None:
    with pytest.raises(ValidationError) as raised:
        load(tmp_path, vector_db="server")
    line = settings_problem(raised.value)
    assert line == "invalid settings: vector_db is server but CHROMA_URL is not set"


def test_server_mode_talks_to_a_real_chroma_server(
    tmp_path: Path, chroma_server: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="scaffolder.kit.settings")
    settings = load(tmp_path, vector_db="server", chroma_url=chroma_server)
    assert settings.chroma_server == chroma_server
    store = open_store(settings, tmp_path)
    assert store.folder is None
    assert store.snapshot().generation == 0
    assert not (tmp_path / ".copilot" / "chroma").exists()
    assert not [r for r in caplog.records if r.name == "scaffolder.kit.settings"]
