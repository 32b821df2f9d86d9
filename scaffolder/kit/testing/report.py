"""What each `llm_flaky` test did, in the three places people read it: JUnit properties,
a JSON file, and a section of the terminal summary.

Why properties first: a result travels from the process that ran the test to the one that
reports (pytest-xdist workers send reports, not objects) as the report's `user_properties`,
which JUnit XML also writes out. So a result is written once as properties and every report
is built back from them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

PROPERTY_PREFIX = "llm_flaky."
#: Verdict of a test whose attempts an error stopped (a replay miss, the budget, a provider).
ABORTED = "ABORTED"


@dataclass(frozen=True)
class FlakyResult:
    nodeid: str
    mode: str
    rule: str
    #: PASS, FAIL, INCONCLUSIVE, or ABORTED when an error stopped the attempts.
    verdict: str
    attempts: int
    passes: int
    wilson_low: float
    wilson_high: float
    #: Model calls that reached a provider, and those the response cache answered.
    model_calls: int
    cached_calls: int
    cost_usd: float
    #: Why the test was flagged against its history, if it was.
    drift: str = ""

    @property
    def failures(self) -> int:
        return self.attempts - self.passes

    def properties(self) -> list[tuple[str, object]]:
        return [(PROPERTY_PREFIX + name, value) for name, value in asdict(self).items()]

    @classmethod
    def from_properties(cls, properties: Iterable[tuple[str, object]]) -> FlakyResult | None:
        """The result in a report's user properties, or None when it holds none."""
        values: dict[str, Any] = {
            name.removeprefix(PROPERTY_PREFIX): value
            for name, value in properties
            if name.startswith(PROPERTY_PREFIX)
        }
        names = {field.name for field in fields(cls)}
        if not names <= set(values):
            return None
        return cls(**{name: values[name] for name in names})

    def summary_line(self) -> str:
        cost = f"${self.cost_usd:.6f}"
        return (
            f"{self.verdict:<12} {self.passes}/{self.attempts} passed, 95% CI "
            f"[{self.wilson_low:.2f}, {self.wilson_high:.2f}], {self.model_calls} calls "
            f"(+{self.cached_calls} cached), {cost}  {self.nodeid}"
        )


def write_json_report(
    path: Path,
    results: Sequence[FlakyResult],
    *,
    budget_usd: float | None,
    stopped: str | None,
) -> None:
    """Write the machine-readable report: one entry per marked test, in the order they ran."""
    document: dict[str, Any] = {
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "budget_usd": budget_usd,
        "total_cost_usd": sum(result.cost_usd for result in results),
        "stopped": stopped,
        "tests": [{**asdict(result), "failures": result.failures} for result in results],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")


def summary_lines(results: Sequence[FlakyResult], stopped: str | None) -> list[str]:
    """The terminal summary section's lines."""
    lines = [result.summary_line() for result in results]
    drifted = [result for result in results if result.drift]
    if drifted:
        lines.append("")
        lines += [f"DRIFT {result.nodeid}: {result.drift}" for result in drifted]
    calls = sum(result.model_calls for result in results)
    cached = sum(result.cached_calls for result in results)
    cost = sum(result.cost_usd for result in results)
    lines.append(
        f"{len(results)} llm_flaky tests, {sum(r.attempts for r in results)} attempts, "
        f"{calls} model calls (+{cached} cached), ${cost:.6f}"
    )
    if stopped:
        lines.append(f"stopped early: {stopped}")
    return lines
