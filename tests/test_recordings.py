"""A generated project's tests against its git tree: they record a model's answers into text
files git tracks and replay them with no request, and a plain run leaves the tree as it was."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from scaffolder.scaffold import NewProjectRequest, create_project
from tests.conftest import HistoryBuilder
from tests.kit.llm.fault_server import FaultServer
from tests.test_generated_projects import project_env

#: What a test run may leave in a project: pytest's cache and the flaky plugin's history.
ALLOWED_LEFTOVERS = {"!! .pytest_cache/", "!! .copilot/test-history.sqlite"}


def generate(histories: HistoryBuilder, destination: Path, template: str) -> Path:
    request = NewProjectRequest(template, destination, data={})
    project = create_project(request, histories.history()).destination
    assert git_status(project) == set(), "a fresh project has no changes"
    return project


def git_status(project: Path) -> set[str]:
    """`git status --porcelain --ignored`, one entry per file, pytest's cache as one entry."""
    listed = subprocess.run(
        ["git", "status", "--porcelain", "--ignored", "--untracked-files=all"],
        cwd=project,
        capture_output=True,
        text=True,
        check=True,
    )
    return {
        "!! .pytest_cache/" if line.startswith("!! .pytest_cache/") else line
        for line in listed.stdout.splitlines()
    }


def run_tests(
    project: Path, report: Path, *options: str, **env: str
) -> tuple[subprocess.CompletedProcess[str], dict[str, str]]:
    """The project's `python -m pytest`, and each test's outcome (from a JUnit report kept
    outside the project)."""
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", f"--junitxml={report}", *options],
        cwd=project,
        env=project_env(**env),
        capture_output=True,
        text=True,
        timeout=600,
    )
    outcomes = {}
    for case in ElementTree.parse(report).getroot().iter("testcase"):
        name = f"{case.get('classname')}.{case.get('name')}"
        failed = case.find("failure") is not None or case.find("error") is not None
        outcomes[name] = "failed" if failed else "skipped" if case.find("skipped") else "passed"
    return completed, outcomes


@pytest.mark.slow
def test_recordings_replay_the_same_outcomes_with_no_request(
    histories: HistoryBuilder, tmp_path: Path, model_server: FaultServer
) -> None:
    project = generate(histories, tmp_path / "bot", "qa-rag")
    model = {"OPENAI_BASE_URL": model_server.url, "OPENAI_API_KEY": "sk-test"}
    recorded, when_recorded = run_tests(project, tmp_path / "record.xml", "--llm-record", **model)
    assert "recorded " in recorded.stdout, recorded.stdout + recorded.stderr
    sent = model_server.count
    assert sent > 0
    # The loopback model echoes the question: answers that cite nothing fail some tests,
    # and replay must fail the same ones.
    assert "failed" in when_recorded.values() and "passed" in when_recorded.values()

    status = git_status(project)
    files = sorted(line.removeprefix("?? ") for line in status if line.startswith("?? "))
    assert files and all(name.startswith("tests/recordings/test_") for name in files), status
    assert status - {f"?? {name}" for name in files} <= ALLOWED_LEFTOVERS
    for name in files:
        lines = (project / name).read_text(encoding="utf-8").splitlines()
        assert lines and all(json.loads(line)["request"]["messages"] for line in lines)

    replayed, when_replayed = run_tests(
        project,
        tmp_path / "replay.xml",
        "--llm-cache=replay-only",
        COPILOT_TEST_PROVIDER="configured",  # what the generated CI sets, and no key
    )
    assert "replay-only: recorded answers of openai-compatible" in replayed.stdout
    assert when_replayed == when_recorded, replayed.stdout
    assert model_server.count == sent
    assert git_status(project) == status


@pytest.mark.parametrize(
    "template", ["qa-rag", pytest.param("code-assistant", marks=pytest.mark.slow)]
)
def test_the_tests_leave_the_project_as_they_found_it(
    histories: HistoryBuilder, tmp_path: Path, template: str
) -> None:
    project = generate(histories, tmp_path / "bot", template)
    completed, outcomes = run_tests(project, tmp_path / "report.xml")
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert outcomes and set(outcomes.values()) == {"passed"}
    assert git_status(project) <= ALLOWED_LEFTOVERS
