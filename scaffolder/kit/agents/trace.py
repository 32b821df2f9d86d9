"""The visible record of an agent run: what it did at each step, what it saw, what it cost.

Why: when an agent stops early or does something odd, the first question is "what did it do
and why did it stop?". The trace answers that without a debugger: `render()` is what
`--trace` prints, one line per step and a last line with the outcome and its reason.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

StepKind = Literal["act", "claim"]
#: Why a run ended; `succeeded` only when every success check passed.
StopReason = Literal[
    "succeeded",
    "step_limit",
    "cost_limit",
    "time_limit",
    "repeated_action",
    "no_progress",
    "invalid_output",
]
_OBSERVATION_CHARS = 80


@dataclass(frozen=True)
class TraceStep:
    number: int
    kind: StepKind
    #: The tool called (for `act`), else empty.
    tool: str
    arguments: dict[str, Any]
    #: What the tool returned, or for a claim why it was accepted or rejected.
    observation: str
    cost_usd: float
    elapsed_s: float

    def render(self) -> str:
        head = f"step {self.number:>2}"
        if self.kind == "claim":
            what = f"claims done -> {self.observation}"
        else:
            arguments = ", ".join(f"{k}={json.dumps(v)}" for k, v in self.arguments.items())
            what = f"{self.tool}({arguments}) -> {_short(self.observation)}"
        return f"{head}  {what}  [${self.cost_usd:.4f}, {self.elapsed_s:.1f} s]"


@dataclass
class Trace:
    steps: list[TraceStep] = field(default_factory=list)
    reason: StopReason | None = None
    detail: str = ""

    def add(self, step: TraceStep) -> None:
        self.steps.append(step)

    def finish(self, reason: StopReason, detail: str) -> None:
        self.reason = reason
        self.detail = detail

    def render(self) -> str:
        lines = [step.render() for step in self.steps]
        if self.reason is not None:
            outcome = "succeeded" if self.reason == "succeeded" else f"stopped ({self.reason})"
            lines.append(f"{outcome}: {self.detail}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.render()


def _short(text: str) -> str:
    flat = " ".join(text.split())
    return json.dumps(flat if len(flat) <= _OBSERVATION_CHARS else flat[:_OBSERVATION_CHARS] + "…")
