"""What keeps an agent from running away: limits, loop detection and metered model calls.

Why separate from the loop: each guard is a small rule that must be right on its own (and is
tested on its own); the loop only asks them, before and after every step, whether to stop.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from scaffolder.kit.agents.trace import StopReason
from scaffolder.kit.llm.cost import CostLedger
from scaffolder.kit.llm.types import ChatModel, ChatRequest, Completion, ProviderInfo

#: Seconds from an arbitrary start; `time.monotonic` unless a test injects its own.
Clock = Callable[[], float]


@dataclass(frozen=True)
class Limits:
    """When a run must stop, whatever the model thinks.

    `repeat_limit`: the same tool with the same arguments this many times in a row is a loop.
    `stall_limit`: this many steps in a row without a change of state is no progress.
    """

    max_steps: int = 20
    max_cost_usd: float | None = None
    max_seconds: float | None = None
    repeat_limit: int = 3
    stall_limit: int = 5

    def __post_init__(self) -> None:
        if self.max_steps < 1 or self.repeat_limit < 2 or self.stall_limit < 2:
            raise ValueError("max_steps must be >= 1, repeat_limit and stall_limit >= 2")


@dataclass(frozen=True)
class Verdict:
    reason: StopReason
    detail: str


class LoopDetector:
    """Spots repeated identical actions and stretches of steps that change nothing."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self._last_action: str | None = None
        self._repeats = 0
        self._last_state: str | None = None
        self._unchanged = 0

    def observe(self, tool: str, arguments: Mapping[str, Any], state: str) -> Verdict | None:
        """Record one step; a verdict when it completes a loop or a stall."""
        action = f"{tool}:{json.dumps(arguments, sort_keys=True, default=str)}"
        self._repeats = self._repeats + 1 if action == self._last_action else 1
        self._last_action = action
        self._unchanged = self._unchanged + 1 if state == self._last_state else 0
        self._last_state = state
        if self._repeats >= self.limits.repeat_limit:
            return Verdict(
                "repeated_action",
                f"{tool} was called with the same arguments {self._repeats} times in a row",
            )
        if self._unchanged + 1 >= self.limits.stall_limit:
            return Verdict(
                "no_progress", f"the state did not change over {self._unchanged + 1} steps"
            )
        return None


class MeteredModel:
    """A `ChatModel` that adds up what the calls through it cost.

    A completion that carries `cost_usd` was already priced and recorded by an `LLM` client;
    any other (a bare provider, a scripted model) is recorded in `ledger` here. A cost the
    ledger cannot price counts as unknown, not as free: `unknown_calls` says how many.
    """

    def __init__(self, model: ChatModel, ledger: CostLedger) -> None:
        self.model = model
        self.ledger = ledger
        self.spent_usd = 0.0
        self.unknown_calls = 0

    @property
    def info(self) -> ProviderInfo:
        return self.model.info

    def complete(self, request: ChatRequest) -> Completion:
        return self._metered(self.model.complete(request))

    async def acomplete(self, request: ChatRequest) -> Completion:
        return self._metered(await self.model.acomplete(request))

    def _metered(self, completion: Completion) -> Completion:
        cost = completion.cost_usd
        if cost is None:
            cost = self.ledger.record(
                completion.provider, completion.model, completion.usage, cached=completion.cached
            )
        if cost is None:
            self.unknown_calls += 1
        else:
            self.spent_usd += cost
        return completion


def limit_verdict(
    limits: Limits, steps_taken: int, spent_usd: float, elapsed_s: float
) -> Verdict | None:
    """The limit a run has reached, checked before each step (steps, then time, then cost)."""
    if steps_taken >= limits.max_steps:
        return Verdict("step_limit", f"reached the limit of {limits.max_steps} steps")
    if limits.max_seconds is not None and elapsed_s >= limits.max_seconds:
        return Verdict(
            "time_limit", f"ran {elapsed_s:.1f} s, over the limit of {limits.max_seconds:g} s"
        )
    if limits.max_cost_usd is not None and spent_usd >= limits.max_cost_usd:
        return Verdict(
            "cost_limit", f"spent ${spent_usd:.4f}, over the limit of ${limits.max_cost_usd:.4f}"
        )
    return None
