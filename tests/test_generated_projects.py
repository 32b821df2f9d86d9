"""Generated projects run their own test suites and pass, offline and without keys."""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from scaffolder.scaffold import NewProjectRequest, create_project
from tests.conftest import HistoryBuilder

#: Every question with a fixed set of answers, and those answers (the template's copier.yml).
CHOICES: dict[str, tuple[str, ...]] = {
    "template": ("qa-rag", "code-assistant"),
    "llm_provider": ("auto", "offline", "openai", "azure-openai", "openai-compatible"),
    "vector_db": ("embedded", "server"),
    "hosting": ("docker-compose", "kubernetes"),
    "ci": ("github-actions", "none"),
}
#: Answers some choices need besides their own.
EXTRA = {
    "azure-openai": {"llm_base_url": "https://acme.openai.azure.com"},
    "openai-compatible": {"llm_base_url": "http://127.0.0.1:9/v1"},
}


def all_combinations() -> list[dict[str, str]]:
    return [
        dict(zip(CHOICES, values, strict=True)) for values in itertools.product(*CHOICES.values())
    ]


def pairwise(combinations: list[dict[str, str]]) -> list[dict[str, str]]:
    """A small set of combinations in which every pair of answers to two questions occurs
    (greedy: repeatedly take the combination covering the most pairs not yet covered)."""

    def pairs(combination: dict[str, str]) -> set[tuple[tuple[str, str], tuple[str, str]]]:
        items = sorted(combination.items())
        return set(itertools.combinations(items, 2))

    uncovered = set().union(*(pairs(c) for c in combinations))
    chosen = []
    while uncovered:
        best = max(combinations, key=lambda c: len(pairs(c) & uncovered))
        chosen.append(best)
        uncovered -= pairs(best)
    return chosen


def request_for(combination: dict[str, str], destination: Path) -> NewProjectRequest:
    data = {key: value for key, value in combination.items() if key != "template"}
    data.update(EXTRA.get(combination["llm_provider"], {}))
    return NewProjectRequest(combination["template"], destination, data=data)


def variant_id(combination: dict[str, str]) -> str:
    return "-".join(combination.values())


#: Projects whose whole test suite runs: every pair of answers is covered by one of them.
#: COPILOT_ALL_COMBINATIONS=1 runs all 80 instead (about 30 minutes on 2 cores: too long for
#: CI, run before a template release).
VARIANTS = (
    all_combinations()
    if os.environ.get("COPILOT_ALL_COMBINATIONS")
    else pairwise(all_combinations())
)
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


@pytest.mark.slow
def test_every_answer_combination_renders_valid_lint_clean_files(
    histories: HistoryBuilder, tmp_path: Path
) -> None:
    """All 80 combinations: each renders, its Python is ruff clean and its TOML, YAML and JSON
    parse. (Running every project's suite would take half an hour; see VARIANTS.)"""
    history = histories.history()
    for number, combination in enumerate(all_combinations()):
        project = create_project(request_for(combination, tmp_path / f"p{number}"), history)
        lint = subprocess.run(
            [str(COPILOT.with_name("ruff")), "check", "--no-cache", "."],
            cwd=project.destination, capture_output=True, text=True,
        )  # fmt: skip
        assert lint.returncode == 0, (variant_id(combination), lint.stdout)
        for path in project.destination.rglob("*"):
            if ".git" in path.parts or not path.is_file():
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
            if path.suffix == ".toml":
                tomllib.loads(text)
            elif path.suffix in (".yml", ".yaml"):
                list(yaml.safe_load_all(text))
            elif path.suffix == ".json":
                json.loads(text)
        shutil.rmtree(project.destination)


def test_the_full_variants_cover_every_pair_of_answers() -> None:
    covered = {(a, b) for c in VARIANTS for a, b in itertools.combinations(sorted(c.items()), 2)}
    every = {
        (a, b) for c in all_combinations() for a, b in itertools.combinations(sorted(c.items()), 2)
    }
    assert covered == every
    assert len(pairwise(all_combinations())) < len(all_combinations()) // 4


@pytest.mark.slow
@pytest.mark.parametrize("combination", VARIANTS, ids=variant_id)
def test_generated_project_suite_passes(
    histories: HistoryBuilder,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    combination: dict[str, str],
) -> None:
    """Render, ask the shipped questions through the CLI, run the project's own tests and the
    CI checks, and lint it; server-mode variants run against a real `chroma run` server."""
    template, data = combination["template"], combination
    project = create_project(
        request_for(combination, tmp_path / "bot"), histories.history()
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
            by_label = {source["label"]: source["source"] for source in reply["sources"]}
            cited = [by_label[label] for label in reply["data"]["cited"]]
            assert cited[0] == document, (question, reply["text"])


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
