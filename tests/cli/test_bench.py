"""`copilot bench ...` and `copilot prompts ablate` in a project, against a loopback server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.conftest import Invoke
from tests.conftest import ChangeDir
from tests.kit.bench.conftest import CountingServer, echo_cases, write_cases
from tests.kit.bench.test_ablation import FILES
from tests.kit.prompts.conftest import write_library


@pytest.fixture
def server() -> Iterator[CountingServer]:
    running = CountingServer().start()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def project(
    tmp_path: Path, chdir: ChangeDir, server: CountingServer, monkeypatch: pytest.MonkeyPatch
) -> Path:
    root = tmp_path / "proj"
    root.mkdir()
    (root / "pyproject.toml").write_text(
        '[tool.copilot]\ntemplate = "qa-rag"\nchat_model = "gpt-4o-mini"\n'
        "[tool.copilot.bench]\nconcurrency = 3\n",
        encoding="utf-8",
    )
    write_cases(root / "benchmarks" / "echo.jsonl", echo_cases(6))
    monkeypatch.setenv("OPENAI_BASE_URL", server.url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    chdir(root)
    return root


def results(root: Path) -> list[Path]:
    return sorted((root / "benchmarks" / "results").glob("*.json"))


def test_run_saves_results_and_reruns_for_free(
    copilot: Invoke, project: Path, server: CountingServer
) -> None:
    server.latency = 0.02
    first = copilot("bench", "run", "echo")
    assert first.exit_code == 0, first.output
    assert "100.0% (6/6)" in first.stdout
    assert server.count == 6 and server.max_in_flight == 3
    [saved] = results(project)
    data = json.loads(saved.read_text())
    assert data["suite"] == "echo" and len(data["suite_version"]) == 12
    assert data["git_sha"] == "nogit" and data["concurrency"] == 3

    again = copilot("bench", "run", "--format", "json")
    assert again.exit_code == 0, again.output
    assert server.count == 6
    summary = json.loads(again.stdout)["summary"][0]
    assert summary["cached_calls"] == summary["calls"] == 6

    compared = copilot("bench", "compare", saved.name, "latest", "--fail-on-regression",
                       "--max-cost-increase", "20%")  # fmt: skip
    assert compared.exit_code == 0, compared.output
    assert "pass rate 100.0% -> 100.0%" in compared.stdout

    report = copilot("bench", "report", "latest")
    assert report.exit_code == 0 and "### Bench `echo`" in report.stdout
    page = copilot("bench", "report", saved.name, "--html")
    assert page.exit_code == 0 and saved.with_suffix(".html").is_file()


def test_side_by_side_models(copilot: Invoke, project: Path, server: CountingServer) -> None:
    result = copilot("bench", "run", "echo", "-m", "model-a", "-m", "model-b", "--limit", "2")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[1].startswith("model-a") and lines[2].startswith("model-b")
    assert server.count == 4


def test_compare_exit_codes(copilot: Invoke, project: Path) -> None:
    case = {"variant": "m", "sample": 0, "tags": [], "input": "i", "output": "o", "score": 1.0}
    for name, passes, cost in (("base", [1, 1, 1], 0.01), ("new", [1, 0, 1], 0.02)):
        run = {
            "suite": "echo", "suite_version": "v", "suite_kind": "answer", "started_at": "t",
            "git_sha": "abc", "variants": [{"label": "m"}], "samples": 1, "concurrency": 1,
            "schema": 1,
            "cases": [{**case, "case_id": f"c{i}", "passed": bool(p), "cost_usd": cost,
                       "list_cost_usd": cost} for i, p in enumerate(passes)],
        }  # fmt: skip
        (project / f"{name}.json").write_text(json.dumps(run))
    plain = copilot("bench", "compare", "base.json", "new.json")
    assert plain.exit_code == 0 and "regressed (1): c1" in plain.stdout
    gated = copilot("bench", "compare", "base.json", "new.json", "--fail-on-regression")
    assert gated.exit_code == 1 and "FAIL: 1 case(s) regressed" in gated.output
    significant = copilot(
        "bench", "compare", "base.json", "new.json", "--fail-on-regression", "--alpha", "0.05"
    )
    assert significant.exit_code == 0
    costly = copilot("bench", "compare", "base.json", "new.json", "--max-cost-increase", "20%")
    assert costly.exit_code == 1 and "cost per case rose +100.0%" in costly.output
    bad = copilot("bench", "compare", "base.json", "missing.json")
    assert bad.exit_code == 2 and "no results file 'missing.json'" in bad.output


def test_bad_input_is_one_line(copilot: Invoke, project: Path) -> None:
    write_cases(
        project / "benchmarks" / "typo.jsonl", [{"id": "a", "input": "x", "graders": ["exakt"]}]
    )
    result = copilot("bench", "run", "typo")
    assert result.exit_code == 2
    assert result.output.strip().startswith("error: typo.jsonl:1: unknown grader 'exakt'")
    assert "Traceback" not in result.output
    missing = copilot("bench", "run", "nosuch")
    assert missing.exit_code == 2 and "no suite 'nosuch'" in missing.output


def test_import_csv(copilot: Invoke, project: Path) -> None:
    sheet = project / "team.csv"
    sheet.write_text("Q,A\nWhat is 2+2?,4\n,\n,orphan answer\n", encoding="utf-8")
    bad = copilot("bench", "import", str(sheet), "--input-column", "Q", "--reference-column", "A")
    assert bad.exit_code == 2 and "row 4: the 'Q' cell is empty" in bad.output
    sheet.write_text("Q,A\nWhat is 2+2?,4\n", encoding="utf-8")
    good = copilot("bench", "import", str(sheet), "--input-column", "Q", "--reference-column",
                   "A", "--grader", "numeric", "--name", "maths")  # fmt: skip
    assert good.exit_code == 0, good.output
    assert "benchmarks/maths.jsonl (1 cases)" in good.stdout
    again = copilot("bench", "import", str(sheet), "--input-column", "Q", "--name", "maths")
    assert again.exit_code == 2 and "pass --force" in again.output


def test_prompts_ablate(copilot: Invoke, project: Path, server: CountingServer) -> None:
    write_library(project / "prompts", FILES)
    cases = [{"id": f"q{i}", "input": f"q {i}", "references": ["FORMAT-OK"]} for i in range(3)]
    write_cases(project / "benchmarks" / "fmt.jsonl", cases)
    result = copilot("prompts", "ablate", "reply", "--suite", "fmt")
    assert result.exit_code == 0, result.output
    assert "format.md" in result.stdout and "effect: +100.0%" in result.stdout
    assert "smallest set within 0.0%: format.md (scores 100.0%)" in result.stdout
    calls = server.count
    repeat = copilot("prompts", "ablate", "reply", "--suite", "fmt")
    assert server.count == calls and f"{calls} from the cache" in repeat.stdout
