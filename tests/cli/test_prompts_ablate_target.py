"""`copilot prompts ablate` runs through the project's bench target (retrieval included) and
refuses the offline provider, on the qa-rag template's own app, prompts and documents."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.cli.conftest import Invoke
from tests.conftest import ChangeDir
from tests.kit.bench.conftest import write_cases
from tests.kit.llm.fault_server import FaultServer

BENCH = '\n[tool.copilot.bench]\ntarget = "scaffolder.kit.copilot.bench_target:reply"\n'


@pytest.fixture
def ablating(qa_project: Path, chdir: ChangeDir) -> Path:
    """The project with its bench target set (as generated) and a suite whose reference is in
    the documents, not in the question: only an answer built on retrieved passages has it."""
    pyproject = qa_project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + BENCH, encoding="utf-8")
    cases = [{"id": "reset", "input": "How do I reset the lamp to factory settings?",
              "references": ["twenty seconds"]}]  # fmt: skip
    write_cases(qa_project / "benchmarks" / "reset.jsonl", cases)
    chdir(qa_project)
    return qa_project


def test_ablation_goes_through_retrieval(
    copilot: Invoke,
    ablating: Path,
    model_server: FaultServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The loopback model echoes the prompt's user message: it holds the passage with the
    answer only when retrieval ran, and nothing when the component carrying it is left out."""
    monkeypatch.setenv("COPILOT_PROVIDER", "openai-compatible")
    monkeypatch.setenv("OPENAI_BASE_URL", model_server.url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    result = copilot("prompts", "ablate", "answer", "--suite", "reset")
    assert result.exit_code == 0, result.output
    assert "full prompt scores 100.0%" in result.stdout
    assert re.search(r"question\.md\s+without:\s+0\.0%\s+effect: \+100\.0%", result.stdout)
    assert any(
        "twenty seconds" in str(request.get("messages")) for request in model_server.requests
    )


def test_ablation_refuses_the_offline_provider_in_one_line(copilot: Invoke, ablating: Path) -> None:
    result = copilot("prompts", "ablate", "answer", "--suite", "reset")
    assert result.exit_code == 2
    [line] = result.stderr.strip().splitlines()[-1:]
    assert line.startswith("error: prompts ablate needs a model") and "offline" in line
    assert not (ablating / "benchmarks" / "results").exists()
