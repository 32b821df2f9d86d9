"""Generated projects run their own test suites and pass, offline and without keys."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from scaffolder.scaffold import NewProjectRequest, create_project
from tests.conftest import HistoryBuilder

VARIANTS = [
    ("qa-rag", {}),
    ("code-assistant", {}),
    ("qa-rag", {"hosting": "kubernetes", "vector_db": "server", "ci": "none"}),
    ("code-assistant", {"hosting": "kubernetes", "vector_db": "embedded"}),
    ("qa-rag", {"llm_provider": "openai", "vector_db": "server"}),
    (
        "code-assistant",
        {"llm_provider": "azure-openai", "llm_base_url": "https://acme.openai.azure.com"},
    ),
    ("qa-rag", {"llm_provider": "openai-compatible", "llm_base_url": "http://127.0.0.1:9/v1"}),
]
COPILOT = Path(sys.executable).with_name("copilot")
#: The `copilot` checks the generated CI workflow runs besides the tests.
CI_CHECKS = [("prompts", "lock", "--check"), ("prompts", "lint", "--strict")]
#: Questions the qa-rag sample documents answer, and the document each answer must cite.
SHIPPED_QUESTIONS = [
    ("Why does my lamp blink three times?", "data/lumen-troubleshooting.md"),
    ("How long is the warranty?", "data/lumen-warranty.md"),
    ("How many scenes can I save?", "data/lumen-app.md"),
]
OFFLINE_ENV = {
    # Any attempt to reach the network would fail fast at a closed loopback port.
    "HTTPS_PROXY": "http://127.0.0.1:9",
    "HTTP_PROXY": "http://127.0.0.1:9",
    # ...except loopback, where the test's own Chroma server runs.
    "NO_PROXY": "127.0.0.1,localhost",
}


def project_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "COPILOT_"))}
    env.pop("CHROMA_URL", None)
    env.update(OFFLINE_ENV)
    env.update(extra)
    return env


def run_project_tests(
    project: Path, python: str = sys.executable, **extra_env: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [python, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=project,
        env=project_env(**extra_env),
        capture_output=True,
        text=True,
        timeout=300,
    )


def run_copilot(project: Path, *args: str, **extra_env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(COPILOT), *args],
        cwd=project,
        env=project_env(**extra_env),
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(("template", "data"), VARIANTS)
def test_generated_project_suite_passes(
    histories: HistoryBuilder,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    template: str,
    data: dict[str, str],
) -> None:
    """Render, ask the shipped questions through the CLI, run the project's own tests and the
    CI checks, and lint it; server-mode variants run against a real `chroma run` server."""
    project = create_project(
        NewProjectRequest(template, tmp_path / "bot", data=data), histories.history()
    ).destination
    env = {}
    if data.get("vector_db") == "server":
        env["CHROMA_URL"] = request.getfixturevalue("chroma_server")
    completed = run_project_tests(project, **env)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert " passed" in completed.stdout
    assert "failed" not in completed.stdout and "error" not in completed.stdout.lower()
    for check in CI_CHECKS:
        ran = run_copilot(project, *check, **env)
        assert ran.returncode == 0, f"copilot {' '.join(check)}: {ran.stdout}{ran.stderr}"
    lint = subprocess.run(
        [str(COPILOT.with_name("ruff")), "check", "."], cwd=project, capture_output=True, text=True
    )
    assert lint.returncode == 0, lint.stdout
    if template == "qa-rag":
        assert run_copilot(project, "ingest", **env).returncode == 0
        for question, document in SHIPPED_QUESTIONS:
            asked = run_copilot(
                project, "ask", question, "--json", COPILOT_PROVIDER="offline", **env
            )
            assert asked.returncode == 0, asked.stderr
            reply = json.loads(asked.stdout)
            cited = {s["source"] for s in reply["sources"] if s["label"] in reply["data"]["cited"]}
            assert cited == {document}, (question, reply["text"])


@pytest.mark.slow
def test_readme_path_on_a_clean_environment(tmp_path: Path) -> None:
    """The README's steps: `copilot new qa-rag mybot --defaults --setup`, then the project's
    tests in its own fresh virtualenv, which holds only what the setup installed."""
    copilot = COPILOT
    created = subprocess.run(
        [str(copilot), "new", "qa-rag", "mybot", "--defaults", "--setup"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert created.returncode == 0, created.stderr
    project = tmp_path / "mybot"
    venv_python = project / ".venv" / "bin" / "python"
    assert venv_python.is_file()
    completed = run_project_tests(project, str(venv_python))
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert " passed" in completed.stdout and "failed" not in completed.stdout
    doctor = subprocess.run(
        [str(project / ".venv" / "bin" / "copilot"), "doctor"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr
    assert "✓ project" in doctor.stdout
