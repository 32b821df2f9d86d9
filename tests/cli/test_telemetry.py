from __future__ import annotations

import json
from pathlib import Path

from scaffolder.kit.telemetry.setup import Telemetry, TelemetryConfig
from tests.cli.conftest import Invoke
from tests.conftest import ChangeDir


def record_turns(path: Path) -> None:
    telemetry = Telemetry(TelemetryConfig(exporters=("jsonl",), file=path))
    for skill in ("qa", "qa", "search"):
        with telemetry.turn(skill):
            pass


def test_summary_of_a_file(copilot: Invoke, tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    record_turns(path)
    result = copilot("telemetry", "summary", str(path))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == [
        "skill", "turns", "blocked", "calls", "tokens", "in", "tokens", "out", "cost", "USD",
        "p50", "ms", "p95", "ms",
    ]  # fmt: skip
    assert lines[1].split()[:2] == ["qa", "2"]
    assert lines[2].split()[:2] == ["search", "1"]


def test_summary_as_json(copilot: Invoke, tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    record_turns(path)
    result = copilot("telemetry", "summary", str(path), "--format", "json")
    data = json.loads(result.stdout)
    assert data["turns"] == 3
    assert set(data["skills"]) == {"qa", "search"}


def test_summary_defaults_to_the_project_file(
    copilot: Invoke, tmp_path: Path, chdir: ChangeDir
) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.copilot]\ntemplate = "qa-rag"\ntelemetry_file = "logs/t.jsonl"\n'
    )
    record_turns(tmp_path / "logs" / "t.jsonl")
    chdir(tmp_path)
    result = copilot("telemetry", "summary")
    assert result.exit_code == 0, result.output
    assert "qa" in result.stdout


def test_a_missing_or_damaged_file_is_one_line(copilot: Invoke, tmp_path: Path) -> None:
    result = copilot("telemetry", "summary", str(tmp_path / "none.jsonl"))
    assert result.exit_code == 2
    assert result.stderr.strip() == f"error: no telemetry file at {tmp_path / 'none.jsonl'}"
    damaged = tmp_path / "bad.jsonl"
    damaged.write_text("garbage\n")
    result = copilot("telemetry", "summary", str(damaged))
    assert result.exit_code == 2
    assert "bad.jsonl:1 is not a telemetry record" in result.stderr
    assert "Traceback" not in result.output


def test_outside_a_project_without_a_file(
    copilot: Invoke, tmp_path: Path, chdir: ChangeDir
) -> None:
    chdir(tmp_path)
    result = copilot("telemetry", "summary")
    assert result.exit_code == 2
    assert "runs inside a copilot project" in result.stderr
