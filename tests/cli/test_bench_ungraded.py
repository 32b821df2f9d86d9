"""`copilot bench run` with a judge whose replies hold no grade: an honest failure, not an F."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.conftest import Invoke
from tests.conftest import ChangeDir
from tests.kit.bench.conftest import write_cases
from tests.kit.llm.fault_server import FaultServer


@pytest.fixture
def judged_project(
    tmp_path: Path, chdir: ChangeDir, model_server: FaultServer, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Four cases graded by the judge; the server echoes, so no reply carries `Grade:`."""
    root = tmp_path / "proj"
    root.mkdir()
    (root / "pyproject.toml").write_text(
        '[tool.copilot]\ntemplate = "qa-rag"\nchat_model = "gpt-4o-mini"\n'
        "[tool.copilot.bench]\nconcurrency = 2\n",
        encoding="utf-8",
    )
    cases = [
        {"id": f"c{i}", "input": f"q{i}", "references": ["r"],
         "graders": [{"name": "judge", "judgements": 1}]}
        for i in range(4)
    ]  # fmt: skip
    write_cases(root / "benchmarks" / "judged.jsonl", cases)
    monkeypatch.setenv("OPENAI_BASE_URL", model_server.url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    chdir(root)
    return root


def test_garbage_verdicts_fail_the_run_in_one_line(
    copilot: Invoke, judged_project: Path, model_server: FaultServer
) -> None:
    result = copilot("bench", "run", "judged")
    assert result.exit_code == 1, result.output
    failures = [line for line in result.stderr.splitlines() if line.startswith("FAIL")]
    assert len(failures) == 1
    assert "4 of 4 results (100%) ungraded" in failures[0] and "max_ungraded" in failures[0]
    assert "Traceback" not in result.output
    assert "0.0% (0/4)" not in result.stdout, "no verdict is no F"
    [saved] = sorted((judged_project / "benchmarks" / "results").glob("*.json"))
    assert all(case["ungraded"] for case in json.loads(saved.read_text())["cases"])

    as_json = copilot("bench", "run", "judged", "--format", "json")
    assert as_json.exit_code == 1
    summary = json.loads(as_json.stdout)["summary"][0]
    assert summary["ungraded"] == 4 and summary["passed"] == 0

    report = copilot("bench", "report", "latest")
    assert report.exit_code == 0 and "Ungraded cases" in report.stdout


def test_a_share_under_the_setting_passes(
    copilot: Invoke, judged_project: Path, model_server: FaultServer
) -> None:
    pyproject = judged_project / "pyproject.toml"
    original = pyproject.read_text()
    pyproject.write_text(original + "max_ungraded = 1.0\n", encoding="utf-8")
    result = copilot("bench", "run", "judged")
    assert result.exit_code == 0, result.output
    assert "ungraded" in result.stdout.splitlines()[0], "the table has an ungraded column"

    pyproject.write_text(original + "max_ungraded = 7\n", encoding="utf-8")
    bad = copilot("bench", "run", "judged")
    assert bad.exit_code == 2 and "max_ungraded must be a share" in bad.output
