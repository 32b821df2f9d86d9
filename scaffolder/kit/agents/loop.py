"""A guarded agent loop: plan, act, observe, until explicit checks say the goal is met.

Why guarded: a model in a loop can call the same tool forever, wander without changing
anything, or spend without bound, and models say "done" when they are not. So:

- each step the model plans one action as structured output (`AgentStep`), the loop runs
  the tool and feeds the observation back;
- before every step the limits on steps, time (an injectable clock) and cost (what the
  model calls cost, through the cost ledger) are checked;
- after every action, the loop detector looks for the same call repeated and for steps that
  leave the state unchanged (`state` is a function the caller supplies, e.g. a hash of the
  files the agent works on; by default the observation);
- the run succeeds only when every `SuccessCheck` passes. They are run after each action and
  when the model claims it is done; a claim they contradict is rejected and the model is told
  which checks failed;
- a run that stops returns what it has (the last observation) and the reason, with the trace.

    loop = AgentLoop(llm, tools=[read, write, run_tests],
                     checks=[SuccessCheck("tests pass", tests_pass)],
                     limits=Limits(max_steps=15, max_cost_usd=0.50, max_seconds=300))
    result = loop.run("make the failing test pass")
    if trace_requested:
        print(result.trace.render())
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, Field

from scaffolder.errors import CostLimitError, StructuredOutputError
from scaffolder.kit.agents.guards import Clock, Limits, LoopDetector, MeteredModel, limit_verdict
from scaffolder.kit.agents.trace import StopReason, Trace, TraceStep
from scaffolder.kit.llm.budget import BudgetPart, fit
from scaffolder.kit.llm.cost import CostLedger, current_ledger
from scaffolder.kit.llm.structured import generate_structured
from scaffolder.kit.llm.tokens import EstimatingCounter, TokenCounter
from scaffolder.kit.llm.types import ChatModel, ChatRequest, Message

INSTRUCTIONS = """You work towards a goal one tool call at a time.
Each turn, answer with one JSON object: {"thought": "...", "tool": "<name>",
"arguments": {...}} to call a tool, or {"thought": "...", "done": true, "summary": "..."}
when the goal is met. Your claim of being done is checked; do not claim it early.
Tools:
"""


class AgentStep(BaseModel):
    """What the model decides each step: one tool call, or a claim that the goal is met."""

    thought: str = ""
    tool: str | None = None
    arguments: dict[str, Any] = Field(default_factory=dict)
    done: bool = False
    summary: str = ""


@dataclass(frozen=True)
class Tool:
    """A function the agent may call; it returns what the agent observes, as text."""

    name: str
    description: str
    run: Callable[[Mapping[str, Any]], str]

    def describe(self) -> str:
        return f"- {self.name}: {self.description}"


@dataclass(frozen=True)
class SuccessCheck:
    """An explicit test of the goal, e.g. "the tests pass" or "the file exists"."""

    name: str
    passed: Callable[[], bool]


@dataclass(frozen=True)
class AgentResult:
    reason: StopReason
    detail: str
    #: The last observation (or the accepted summary): the partial result of a stopped run.
    output: str
    steps: int
    spent_usd: float
    elapsed_s: float
    trace: Trace

    @property
    def succeeded(self) -> bool:
        return self.reason == "succeeded"


@dataclass
class _Run:
    """The mutable state of one run."""

    goal: str
    started: float
    trace: Trace = field(default_factory=Trace)
    history: list[Message] = field(default_factory=list)
    output: str = ""
    steps: int = 0


class AgentLoop:
    def __init__(
        self,
        model: ChatModel,
        *,
        tools: Sequence[Tool],
        checks: Sequence[SuccessCheck],
        limits: Limits | None = None,
        ledger: CostLedger | None = None,
        clock: Clock = time.monotonic,
        state: Callable[[], str] | None = None,
        context_tokens: int = 8000,
        counter: TokenCounter | None = None,
    ) -> None:
        if not checks:
            raise ValueError("an agent needs at least one success check: the model's word is not")
        names = [tool.name for tool in tools]
        if len(set(names)) != len(names):
            raise ValueError(f"tool names must be unique: {names}")
        self.model = model
        self.tools = {tool.name: tool for tool in tools}
        self.checks = tuple(checks)
        self.limits = limits or Limits()
        self.ledger = ledger
        self.clock = clock
        self.state = state
        self.context_tokens = context_tokens
        self.counter = counter or EstimatingCounter()

    def run(self, goal: str) -> AgentResult:
        run = _Run(goal, self.clock())
        metered = MeteredModel(self.model, self.ledger or current_ledger())
        detector = LoopDetector(self.limits)
        while True:
            elapsed = self.clock() - run.started
            verdict = limit_verdict(self.limits, run.steps, metered.spent_usd, elapsed)
            if verdict is not None:
                return self._stop(run, metered, verdict.reason, verdict.detail)
            step_started = self.clock()
            spent_before = metered.spent_usd
            try:
                plan = generate_structured(metered, AgentStep, self._request(run))
            except CostLimitError as error:
                return self._stop(run, metered, "cost_limit", str(error))
            except StructuredOutputError as error:
                return self._stop(run, metered, "invalid_output", str(error))
            run.steps += 1
            cost = metered.spent_usd - spent_before
            if plan.done or plan.tool is None:
                failed = self._failed_checks()
                note = "accepted" if not failed else f"rejected, failing: {', '.join(failed)}"
                run.trace.add(
                    TraceStep(run.steps, "claim", "", {}, note, cost, self.clock() - step_started)
                )
                if not failed:
                    run.output = plan.summary or run.output
                    return self._stop(run, metered, "succeeded", "every success check passed")
                run.history.append(
                    Message("user", f"Step {run.steps}: you claimed done, but {note}. Go on.")
                )
                continue
            observation = self._act(plan.tool, plan.arguments)
            run.output = observation
            run.trace.add(
                TraceStep(
                    run.steps,
                    "act",
                    plan.tool,
                    plan.arguments,
                    observation,
                    cost,
                    self.clock() - step_started,
                )
            )
            run.history.append(Message("user", _observed(run.steps, plan, observation)))
            if not self._failed_checks():
                return self._stop(run, metered, "succeeded", "every success check passed")
            state = self.state() if self.state is not None else observation
            loop_verdict = detector.observe(plan.tool, plan.arguments, state)
            if loop_verdict is not None:
                return self._stop(run, metered, loop_verdict.reason, loop_verdict.detail)

    def _act(self, name: str, arguments: Mapping[str, Any]) -> str:
        """The tool's observation; an unknown tool or a failing one is observed, not raised,
        so the model can correct itself."""
        tool = self.tools.get(name)
        if tool is None:
            return f"error: no tool named {name!r}; tools: {', '.join(self.tools)}"
        try:
            return tool.run(arguments)
        except Exception as error:  # a tool failure is something for the model to see
            return f"error: {type(error).__name__}: {error}"

    def _failed_checks(self) -> list[str]:
        return [check.name for check in self.checks if not check.passed()]

    def _request(self, run: _Run) -> ChatRequest:
        """System instructions and the goal always; past steps as far as the budget allows."""
        tools = "\n".join(tool.describe() for tool in self.tools.values())
        fitted = fit(
            [
                BudgetPart.keep("instructions", Message("system", INSTRUCTIONS + tools)),
                BudgetPart.keep("goal", Message("user", f"Goal: {run.goal}")),
                BudgetPart.history("steps", run.history),
            ],
            self.context_tokens,
            self.counter,
        )
        return ChatRequest(messages=fitted.messages)

    def _stop(
        self, run: _Run, metered: MeteredModel, reason: StopReason, detail: str
    ) -> AgentResult:
        run.trace.finish(reason, detail)
        return AgentResult(
            reason=reason,
            detail=detail,
            output=run.output,
            steps=run.steps,
            spent_usd=metered.spent_usd,
            elapsed_s=self.clock() - run.started,
            trace=run.trace,
        )


def _observed(number: int, plan: AgentStep, observation: str) -> str:
    arguments = json.dumps(plan.arguments, sort_keys=True, default=str)
    return f"Step {number}: you called {plan.tool} with {arguments}.\nObservation: {observation}"
