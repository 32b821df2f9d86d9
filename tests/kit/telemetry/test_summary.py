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
