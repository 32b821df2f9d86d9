from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.cli.conftest import Invoke, NextRelease
from tests.conftest import HistoryBuilder, free_port, write_file

pytestmark = pytest.mark.usefixtures("installed")


@pytest.fixture
def project(copilot: Invoke, tmp_path: Path) -> Path:
    destination = tmp_path / "bot"
    assert copilot("new", "qa-rag", str(destination), "--defaults").exit_code == 0
    return destination


def test_outside_a_project(copilot: Invoke, tmp_path: Path) -> None:
    result = copilot("doctor", str(tmp_path))
    assert result.exit_code == 0, result.output
    for name in ("python", "git", "copier", "templates", "environment"):
        assert f"✓ {name}" in result.stdout
    assert "project" not in result.stdout


def test_keys_are_reported_but_never_printed(
    copilot: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-live-very-secret-value")
    result = copilot("doctor", str(tmp_path))
    assert "OPENAI_API_KEY" in result.stdout
    assert "very-secret" not in result.output


def test_in_a_fresh_project(copilot: Invoke, project: Path) -> None:
    result = copilot("doctor", str(project))
    assert result.exit_code == 0, result.output
    assert "✓ provider     offline" in result.stdout
    assert "✓ project      templates v1.0.0, the installed version" in result.stdout


def test_project_behind_the_installed_templates(
    copilot: Invoke,
    project: Path,
    next_release: NextRelease,
) -> None:
    next_release(write_file("base/x.jinja", "x"))
    result = copilot("doctor", str(project))
    assert result.exit_code == 0
    assert "v1.1.0 is available: run copilot update" in result.stdout


def test_configured_provider_without_a_key_falls_back_with_a_warning(
    copilot: Invoke, tmp_path: Path
) -> None:
    destination = tmp_path / "oa"
    copilot("new", "qa-rag", str(destination), "--defaults", "-d", "llm_provider=openai")
    result = copilot("doctor", str(destination))
    assert result.exit_code == 0
    assert "! provider" in result.stdout
    assert "OPENAI_API_KEY is not set" in result.stdout


def test_placeholder_key_in_production_fails(
    copilot: Invoke, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / ".env").write_text("COPILOT_ENV=production\nOPENAI_API_KEY=changeme\n")
    result = copilot("doctor", str(project))
    assert result.exit_code == 1
    assert "✗ provider" in result.stdout
    assert "placeholder" in result.stdout
    assert "changeme" not in result.stdout


def test_chroma_server_reachable(
    copilot: Invoke, tmp_path: Path, chroma_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    destination = tmp_path / "srv"
    copilot("new", "qa-rag", str(destination), "--defaults", "-d", "vector_db=server")
    monkeypatch.setenv("CHROMA_URL", chroma_server)
    result = copilot("doctor", str(destination))
    assert result.exit_code == 0, result.output
    assert f"✓ chroma       server at {chroma_server} answers" in result.stdout


def test_chroma_server_unreachable_fails(
    copilot: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHROMA_URL", f"http://127.0.0.1:{free_port()}")
    result = copilot("doctor", str(tmp_path))
    assert result.exit_code == 1
    assert "✗ chroma" in result.stdout and "unreachable" in result.stdout


def test_damaged_history_fails(copilot: Invoke, installed: HistoryBuilder, tmp_path: Path) -> None:
    installed.bundle.write_bytes(b"not a bundle")
    result = copilot("doctor", str(tmp_path))
    assert result.exit_code == 1
    assert "✗ templates" in result.stdout


def test_git_missing_fails(
    copilot: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    result = copilot("doctor", str(tmp_path))
    assert result.exit_code == 1
    assert "✗ git" in result.stdout
    assert os.environ["PATH"] == str(empty)


def test_embedder_check(copilot: Invoke, project: Path) -> None:
    result = copilot("doctor", str(project))
    assert "✓ embeddings   local" in result.stdout
    pyproject = project / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text().replace(
            'embedding_model = "local"', 'embedding_model = "chroma-default"'
        )
    )
    result = copilot("doctor", str(project))
    assert result.exit_code == 0
    assert "! embeddings   chroma-default downloads its model at the first ingest" in result.stdout


@pytest.mark.usefixtures("git_identity")
def test_an_interrupted_update_is_rolled_back_and_reported(
    copilot: Invoke, project: Path, next_release: NextRelease
) -> None:
    from scaffolder.scaffold._update_apply import recover_interrupted_update, update_journal_dir
    from tests.conftest import append_line, snapshot
    from tests.faults_harness import count_points, fresh_copy, run_killed

    before = snapshot(project)
    next_release(append_line("base/.gitignore.jinja", "# 1.1"))
    pristine = fresh_copy(project, project.parent / "pristine")
    labels = count_points(lambda: copilot("update", str(fresh_copy(pristine, project))))
    fresh_copy(pristine, project)
    replaced = labels.index("journal: replaced .gitignore") + 1
    run_killed(lambda: copilot("update", str(project)), replaced, "KILL")
    assert (project / ".gitignore").read_bytes() != before[".gitignore"]  # half updated
    result = copilot("doctor", str(project))
    assert "! update       an interrupted update was rolled back (1 file(s) restored)" in (
        result.stdout
    )
    assert snapshot(project) == before
    assert not (update_journal_dir(project) / "complete").exists()
    assert recover_interrupted_update(project) is None
