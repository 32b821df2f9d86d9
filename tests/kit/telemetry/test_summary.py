from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from scaffolder.errors import UsageError
from scaffolder.kit.telemetry.summary import percentile, read_records, summarize


def turn(
    skill: str, ms: float, day: str, cost: float | None, blocked: bool = False
) -> dict[str, Any]:
    attributes: dict[str, Any] = {"copilot.skill": skill, "gen_ai.usage.output_tokens": 5}
    if cost is not None:
        attributes["copilot.cost_usd"] = cost
    if blocked:
        attributes["copilot.guard.blocked"] = True
    return {"name": "copilot.turn", "start": f"{day}T10:00:00+00:00", "duration_ms": ms,
            "attributes": attributes}  # fmt: skip


def test_percentiles_use_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 0.5) == 50
    assert percentile(values, 0.95) == 95
    assert percentile([7.0], 0.95) == 7


def test_skill_usage_latency_and_cost_per_day() -> None:
    records = [
        *(turn("qa", ms, "2026-11-26", 0.001) for ms in range(10, 210, 10)),
        turn("search", 5, "2026-11-27", 0.0),
        turn("search", 7, "2026-11-27", None, blocked=True),
        {"name": "chat gpt-4o", "attributes": {"copilot.cost_usd": 99.0}},
    ]
    summary = summarize(records)
    assert summary.turns == 22
    qa = summary.skills["qa"]
    assert (qa.turns, qa.p50_ms, qa.p95_ms) == (20, 100.0, 190.0)
    assert summary.skills["search"].blocked == 1
    assert summary.days["2026-11-26"].cost_usd == pytest.approx(0.02)
    assert summary.days["2026-11-27"].unpriced == 1
    text = summary.format_text()
    assert "qa" in text and "2026-11-27" in text and "lower bound" in text
    assert summary.to_dict()["skills"]["search"]["turns"] == 2


def test_bad_files_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no telemetry file at"):
        read_records(tmp_path / "missing.jsonl")
    path = tmp_path / "t.jsonl"
    path.write_text('{"name": "x"}\n\nnot json\n')
    with pytest.raises(UsageError, match=r"t.jsonl:3 is not a telemetry record"):
        read_records(path)


def call(
    prompt: str | None, ms: float, tokens: tuple[int, int], cost: float | None, **extra: Any
) -> dict[str, Any]:
    attributes: dict[str, Any] = {
        "gen_ai.operation.name": "chat",
        "gen_ai.usage.input_tokens": tokens[0],
        "gen_ai.usage.output_tokens": tokens[1],
        **extra,
    }
    if prompt:
        name, _, version = prompt.partition("@")
        attributes |= {"copilot.prompt.name": name, "copilot.prompt.version": version}
    if cost is not None:
        attributes["copilot.cost_usd"] = cost
    return {"name": "chat gpt-4o-mini", "duration_ms": ms, "attributes": attributes}


def test_tokens_cost_and_latency_per_prompt_version_from_call_spans() -> None:
    records = [
        call("answer@1", 100, (200, 20), 0.002),
        call("answer@1", 300, (100, 10), 0.001),
        call("answer@2", 50, (0, 0), 0.0, **{"copilot.cache_hit": True}),
        call("answer@2", 80, (40, 4), None),  # an unpriced model
        call(None, 10, (5, 5), 0.5),  # no prompt: in its turn's skill only
    ]
    prompts = summarize(records).to_dict()["prompts"]
    assert prompts["answer@1"] == {
        "calls": 2, "input_tokens": 300, "output_tokens": 30, "cost_usd": 0.003,
        "unpriced": 0, "p50_ms": 100.0, "p95_ms": 300.0, "cached": 0,
    }  # fmt: skip
    assert prompts["answer@2"]["cached"] == 1 and prompts["answer@2"]["unpriced"] == 1
    assert set(prompts) == {"answer@1", "answer@2"}


def test_skill_rows_add_up_their_turns_calls_and_flag_unknown_costs() -> None:
    first = turn("qa", 120, "2026-12-01", 0.003)
    first["attributes"] |= {"copilot.calls": 2, "gen_ai.usage.input_tokens": 300}
    second = turn("qa", 80, "2026-12-01", 0.0)
    second["attributes"] |= {"copilot.calls": 1, "copilot.calls.unpriced": 1}
    summary = summarize([first, second, call("answer@1", 100, (300, 5), 0.003)])
    qa = summary.to_dict()["skills"]["qa"]
    assert (qa["turns"], qa["calls"], qa["input_tokens"], qa["output_tokens"]) == (2, 3, 300, 10)
    assert (qa["cost_usd"], qa["unpriced"]) == (0.003, 1)
    assert summary.days["2026-12-01"].unpriced == 1
    text = summary.format_text()
    (row,) = [line for line in text.splitlines() if line.startswith("qa ")]
    assert ">=0.0030" in row.split()
    assert "a cost marked >= is a lower bound" in text


def test_values_a_hand_edited_file_got_wrong_count_as_absent() -> None:
    broken = turn("qa", 10, "2026-12-01", None)
    broken["attributes"] |= {"gen_ai.usage.input_tokens": "lots", "copilot.cost_usd": "free"}
    weird = {"name": "copilot.turn", "attributes": ["not", "a", "table"], "duration_ms": "x"}
    summary = summarize([broken, weird])
    assert summary.skills["qa"].input_tokens == 0 and summary.skills["qa"].cost_usd == 0
    assert summary.skills["unknown"].p50_ms == 0.0
