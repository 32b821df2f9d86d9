"""What the local telemetry file says: per skill, per prompt version, and cost per day.

Reads the JSON Lines written by `JsonlSpanExporter`. Skills and days come from `copilot.turn`
spans, which carry the totals of their model calls; prompt versions come from the model-call
spans (`chat gpt-4o-mini`...) that name the prompt their request was rendered from. Latency
is a span's duration; percentiles use the nearest-rank method, exact on the spans there are.
A cost is never shown as complete when a call's cost was unknown (an unpriced model): it is
then marked as a lower bound.
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
class Totals:
    """Tokens, cost and latency added up over spans (turns of a skill, calls of a prompt)."""

    count: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    #: Spans whose cost was (partly) unknown: `cost_usd` is then a lower bound.
    unpriced: int = 0
    latencies_ms: list[float] = field(default_factory=list)

    @property
    def p50_ms(self) -> float:
        return percentile(self.latencies_ms, 0.50) if self.latencies_ms else 0.0

    @property
    def p95_ms(self) -> float:
        return percentile(self.latencies_ms, 0.95) if self.latencies_ms else 0.0

    def add(self, record: dict[str, Any], attributes: dict[str, Any]) -> None:
        self.count += 1
        self.input_tokens += int(_number(attributes.get(attr.INPUT_TOKENS)))
        self.output_tokens += int(_number(attributes.get(attr.OUTPUT_TOKENS)))
        self.cost_usd += _number(attributes.get(attr.COST_USD))
        self.unpriced += _unpriced(attributes)
        self.latencies_ms.append(_number(record.get("duration_ms")))

    def to_dict(self, count_name: str) -> dict[str, Any]:
        return {
            count_name: self.count,
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "cost_usd": round(self.cost_usd, 6),
            "unpriced": self.unpriced,
            "p50_ms": self.p50_ms,
            "p95_ms": self.p95_ms,
        }


@dataclass
class SkillUsage(Totals):
    blocked: int = 0
    calls: int = 0

    @property
    def turns(self) -> int:
        return self.count


@dataclass
class PromptUsage(Totals):
    cached: int = 0


@dataclass
class DayCost:
    turns: int = 0
    cost_usd: float = 0.0
    #: Turns whose cost is (partly) unknown: the day's cost is a lower bound.
    unpriced: int = 0


@dataclass
class Summary:
    skills: dict[str, SkillUsage] = field(default_factory=dict)
    prompts: dict[str, PromptUsage] = field(default_factory=dict)
    days: dict[str, DayCost] = field(default_factory=dict)

    @property
    def turns(self) -> int:
        return sum(usage.turns for usage in self.skills.values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "turns": self.turns,
            "skills": {
                name: {**usage.to_dict("turns"), "blocked": usage.blocked, "calls": usage.calls}
                for name, usage in sorted(self.skills.items())
            },
            "prompts": {
                name: {**usage.to_dict("calls"), "cached": usage.cached}
                for name, usage in sorted(self.prompts.items())
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
        lines = [
            f"{'skill':<20} {'turns':>6} {'blocked':>8} {'calls':>6} {'tokens in':>10} "
            f"{'tokens out':>10} {'cost USD':>10} {'p50 ms':>9} {'p95 ms':>9}"
        ]
        for name, skill in sorted(self.skills.items()):
            lines.append(
                f"{name:<20} {skill.turns:>6} {skill.blocked:>8} {skill.calls:>6} "
                f"{_usage_columns(skill)}"
            )
        if self.prompts:
            lines.append("")
            lines.append(
                f"{'prompt':<20} {'calls':>6} {'cached':>8} {'tokens in':>10} "
                f"{'tokens out':>10} {'cost USD':>10} {'p50 ms':>9} {'p95 ms':>9}"
            )
            for name, prompt in sorted(self.prompts.items()):
                lines.append(
                    f"{name:<20} {prompt.count:>6} {prompt.cached:>8} {_usage_columns(prompt)}"
                )
        lines.append("")
        lines.append(f"{'day':<12} {'turns':>6} {'cost USD':>10}")
        for day, cost in sorted(self.days.items()):
            note = f"  ({cost.unpriced} unpriced: a lower bound)" if cost.unpriced else ""
            lines.append(f"{day:<12} {cost.turns:>6} {cost.cost_usd:>10.4f}{note}")
        if any(usage.unpriced for usage in [*self.skills.values(), *self.prompts.values()]):
            lines.append("")
            lines.append(
                "a cost marked >= is a lower bound: some calls used a model with no known "
                "price (add it to prices.toml)"
            )
        return "\n".join(lines)


def _usage_columns(usage: Totals) -> str:
    cost = f"{usage.cost_usd:.4f}"
    if usage.unpriced:
        cost = ">=" + cost
    return (
        f"{usage.input_tokens:>10} {usage.output_tokens:>10} {cost:>10} "
        f"{usage.p50_ms:>9.1f} {usage.p95_ms:>9.1f}"
    )


def _number(value: object) -> float:
    """A numeric attribute; anything else (absent, or a hand-edited file's text) counts 0."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return 0.0
    return float(value)


def _unpriced(attributes: dict[str, Any]) -> bool:
    """Whether a span's cost is (partly) unknown. Turns name their unpriced calls; a call, or
    a turn recorded before turns did, without a cost is unpriced when it used tokens."""
    if attributes.get(attr.UNPRICED_CALLS):
        return True
    return attributes.get(attr.COST_USD) is None and bool(
        attributes.get(attr.OUTPUT_TOKENS) or attributes.get(attr.INPUT_TOKENS)
    )


def summarize(records: Iterable[dict[str, Any]]) -> Summary:
    summary = Summary()
    for record in records:
        attributes = record.get("attributes")
        if not isinstance(attributes, dict):
            attributes = {}
        if record.get("name") == attr.TURN_SPAN:
            skill = summary.skills.setdefault(
                str(attributes.get(attr.SKILL, "unknown")), SkillUsage()
            )
            skill.add(record, attributes)
            skill.blocked += bool(attributes.get(attr.GUARD_BLOCKED))
            skill.calls += int(_number(attributes.get(attr.CALLS)))
            day = summary.days.setdefault(str(record.get("start", ""))[:10], DayCost())
            day.turns += 1
            day.cost_usd += _number(attributes.get(attr.COST_USD))
            day.unpriced += _unpriced(attributes)
        elif attr.OPERATION in attributes and attributes.get(attr.PROMPT_NAME):
            name = str(attributes[attr.PROMPT_NAME])
            version = attributes.get(attr.PROMPT_VERSION)
            prompt = summary.prompts.setdefault(
                f"{name}@{version}" if version else name, PromptUsage()
            )
            prompt.add(record, attributes)
            prompt.cached += bool(attributes.get(attr.CACHE_HIT))
    return summary


def read_records(path: Path) -> list[dict[str, Any]]:
    """The span records of a telemetry file; a damaged line is reported as `file:line`."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError as exc:
        raise UsageError(f"no telemetry file at {path}") from exc
    except OSError as error:
        raise UsageError(f"cannot read {path}: {error.strerror}") from error
    records = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError as exc:
            raise UsageError(f"{path}:{number} is not a telemetry record (invalid JSON)") from exc
        if not isinstance(record, dict) or "name" not in record:
            raise UsageError(f"{path}:{number} is not a telemetry record (no span name)")
        records.append(record)
    return records
