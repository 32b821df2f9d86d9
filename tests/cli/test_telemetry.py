from __future__ import annotations

import json
from pathlib import Path

import pytest

from scaffolder.kit.llm.cost import PriceTable, ledger_scope
from scaffolder.kit.telemetry.setup import Telemetry, TelemetryConfig
from tests.cli.conftest import Invoke
from tests.conftest import ChangeDir, project_copilot
from tests.kit.llm.fault_server import FaultServer, _usage, answer


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


def test_a_real_turn_shows_the_servers_tokens_and_their_cost(
    copilot: Invoke,
    qa_project: Path,
    model_server: FaultServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Acceptance: a qa-rag copilot turn against the loopback OpenAI-compatible server, with
    telemetry to the JSONL exporter, gives a model-call span with exactly the token counts the
    server returned, and `telemetry summary` shows those tokens and what they cost at the
    project's price override."""
    (qa_project / "prices.toml").write_text(
        '[models]\n"gpt-4o-mini" = { input = 2.0, output = 8.0 }\n'
    )
    monkeypatch.setenv("OPENAI_API_KEY", "sk-loopback-test")
    file = tmp_path / "telemetry.jsonl"
    options = {
        "llm_provider": "openai-compatible",
        "llm_base_url": model_server.url,
        "chat_model": "gpt-4o-mini",
        "telemetry_exporters": ["jsonl"],
        "telemetry_file": file,
    }
    text = "It blinks when the adapter gives too little current [1]."
    model_server.script(answer(text))
    with ledger_scope("acceptance", prices=PriceTable.load(qa_project)):
        bot = project_copilot(qa_project, **options)
        reply = bot.ask("Why does my lamp blink three times?")
    assert reply.skill == "answer" and reply.text == text
    assert bot.telemetry is not None
    bot.telemetry.flush()

    (request,) = model_server.requests
    returned = _usage(request, text)  # what the server put in its final stream chunk
    cost = (returned["prompt_tokens"] * 2.0 + returned["completion_tokens"] * 8.0) / 1e6
    records = [json.loads(line) for line in file.read_text().splitlines()]
    (call,) = [r for r in records if r["attributes"].get("gen_ai.operation.name") == "chat"]
    (turn,) = [r for r in records if r["name"] == "copilot.turn"]
    attributes = call["attributes"]
    assert call["name"] == "chat gpt-4o-mini" and call["kind"] == "CLIENT"
    assert call["parent_id"] == turn["span_id"]
    assert attributes["gen_ai.usage.input_tokens"] == returned["prompt_tokens"]
    assert attributes["gen_ai.usage.output_tokens"] == returned["completion_tokens"]
    assert attributes["copilot.cost_usd"] == pytest.approx(cost)
    prompt = f"answer@{attributes['copilot.prompt.version']}"
    assert reply.data.result.prompt == prompt
    assert turn["status"] == "UNSET"  # `ask` closing the stream after the reply is no error

    result = copilot("telemetry", "summary", str(file), "--format", "json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    for row in (summary["skills"]["answer"], summary["prompts"][prompt]):
        assert row["input_tokens"] == returned["prompt_tokens"]
        assert row["output_tokens"] == returned["completion_tokens"]
        assert row["cost_usd"] == round(cost, 6) > 0
        assert row["unpriced"] == 0
    assert summary["prompts"][prompt]["calls"] == 1
    text_lines = copilot("telemetry", "summary", str(file)).stdout.splitlines()
    (line,) = [line for line in text_lines if line.startswith(prompt)]
    assert line.split()[1:6] == [
        "1", "0", str(returned["prompt_tokens"]), str(returned["completion_tokens"]),
        f"{cost:.4f}",
    ]  # fmt: skip
