"""What the local telemetry file says: turns and latency per skill, and cost per day.

Reads the JSON Lines written by `JsonlSpanExporter` and looks only at `copilot.turn` spans,
which already carry the totals of their model calls. Latency is the turn span's duration;
percentiles use the nearest-rank method, exact on the turns there are.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scaffolder.errors import UsageError
from scaffolder.kit.telemetry import attributes as attr


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of a non-empty list."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


@dataclass
class SkillUsage:
    turns: int = 0
    blocked: int = 0
    latencies_ms: list[float] = field(default_factory=list)

    @property
    def p50_ms(self) -> float:
        return percentile(self.latencies_ms, 0.50)

    @property
    def p95_ms(self) -> float:
        return percentile(self.latencies_ms, 0.95)


@dataclass
class DayCost:
    turns: int = 0
    cost_usd: float = 0.0
    #: Turns whose cost is unknown (an unpriced model): the day's cost is a lower bound.
    unpriced: int = 0


@dataclass
class Summary:
    skills: dict[str, SkillUsage] = field(default_factory=dict)
    days: dict[str, DayCost] = field(default_factory=dict)

    @property
    def turns(self) -> int:
        return sum(usage.turns for usage in self.skills.values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "turns": self.turns,
            "skills": {
                name: {
                    "turns": usage.turns,
                    "blocked": usage.blocked,
                    "p50_ms": usage.p50_ms,
                    "p95_ms": usage.p95_ms,
                }
                for name, usage in sorted(self.skills.items())
            },
            "days": {
                day: {
                    "turns": cost.turns,
                    "cost_usd": round(cost.cost_usd, 6),
                    "unpriced_turns": cost.unpriced,
                }
                for day, cost in sorted(self.days.items())
            },
        }

    def format_text(self) -> str:
        if not self.turns:
            return "no turns recorded"
        lines = [f"{'skill':<20} {'turns':>6} {'blocked':>8} {'p50 ms':>9} {'p95 ms':>9}"]
        for name, usage in sorted(self.skills.items()):
            lines.append(
                f"{name:<20} {usage.turns:>6} {usage.blocked:>8} "
                f"{usage.p50_ms:>9.1f} {usage.p95_ms:>9.1f}"
            )
        lines.append("")
        lines.append(f"{'day':<12} {'turns':>6} {'cost USD':>10}")
        for day, cost in sorted(self.days.items()):
            note = f"  ({cost.unpriced} unpriced: a lower bound)" if cost.unpriced else ""
            lines.append(f"{day:<12} {cost.turns:>6} {cost.cost_usd:>10.4f}{note}")
        return "\n".join(lines)


def summarize(records: Iterable[dict[str, Any]]) -> Summary:
    summary = Summary()
    for record in records:
        if record.get("name") != attr.TURN_SPAN:
            continue
        attributes = record.get("attributes") or {}
        skill = str(attributes.get(attr.SKILL, "unknown"))
        usage = summary.skills.setdefault(skill, SkillUsage())
        usage.turns += 1
        usage.blocked += bool(attributes.get(attr.GUARD_BLOCKED))
        usage.latencies_ms.append(float(record.get("duration_ms", 0.0)))
        day = summary.days.setdefault(str(record.get("start", ""))[:10], DayCost())
        day.turns += 1
        cost = attributes.get(attr.COST_USD)
        if cost is None:
            day.unpriced += bool(attributes.get(attr.OUTPUT_TOKENS))
        else:
            day.cost_usd += float(cost)
    return summary


def read_records(path: Path) -> list[dict[str, Any]]:
    """The span records of a telemetry file; a damaged line is reported as `file:line`."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise UsageError(f"no telemetry file at {path}") from None
    except OSError as error:
        raise UsageError(f"cannot read {path}: {error.strerror}") from None
    records = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            raise UsageError(f"{path}:{number} is not a telemetry record (invalid JSON)") from None
        if not isinstance(record, dict) or "name" not in record:
            raise UsageError(f"{path}:{number} is not a telemetry record (no span name)")
        records.append(record)
    return records
