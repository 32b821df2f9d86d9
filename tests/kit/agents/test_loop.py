"""The guarded agent loop: loops, false claims of success, and every limit stop a run."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from scaffolder.kit.agents import AgentLoop, Limits, SuccessCheck, Tool
from scaffolder.kit.llm.cost import CostLedger, Price, PriceTable
from tests.kit.agents.scripted import MODEL, FakeClock, ScriptedModel, call, done


@pytest.fixture
def ledger() -> CostLedger:
    # $1 per 1M tokens both ways: each scripted call (1000 in, 100 out) costs $0.0011.
    return CostLedger("agent", prices=PriceTable({MODEL: Price(1.0, 1.0)}))


class Files:
    """A tiny workspace the tools act on; its contents are the agent's state."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def read(self, arguments: Mapping[str, Any]) -> str:
        path = self.root / str(arguments["path"])
        return path.read_text() if path.exists() else "(no such file)"

    def write(self, arguments: Mapping[str, Any]) -> str:
        (self.root / str(arguments["path"])).write_text(str(arguments["text"]))
        return f"wrote {arguments['path']}"

    def state(self) -> str:
        return repr(sorted((p.name, p.read_text()) for p in self.root.iterdir()))

    def tools(self) -> list[Tool]:
        return [
            Tool("read", "read a file: {path}", self.read),
            Tool("write", "write a file: {path, text}", self.write),
        ]

    def has(self, name: str, text: str) -> SuccessCheck:
        path = self.root / name
        return SuccessCheck(
            f"{name} says {text}", lambda: path.exists() and path.read_text() == text
        )


@pytest.fixture
def files(tmp_path: Path) -> Files:
    root = tmp_path / "work"
    root.mkdir()
    (root / "notes.txt").write_text("draft")
    return Files(root)


def agent(model: ScriptedModel, files: Files, ledger: CostLedger, **options: Any) -> AgentLoop:
    return AgentLoop(
        model,
        tools=files.tools(),
        checks=[files.has("answer.txt", "42")],
        ledger=ledger,
        state=files.state,
        **options,
    )


def test_success_is_judged_by_the_checks(files: Files, ledger: CostLedger) -> None:
    model = ScriptedModel(
        [call("read", path="notes.txt"), call("write", path="answer.txt", text="42")]
    )
    result = agent(model, files, ledger).run("write the answer")
    assert result.succeeded and result.reason == "succeeded"
    assert result.steps == 2
    assert result.output == "wrote answer.txt"
    assert result.spent_usd == pytest.approx(0.0022)
    assert ledger.total_usd == pytest.approx(0.0022)
    # The second request carried the first observation back to the model.
    assert "Observation: draft" in model.requests[1].messages[-1].content


def test_repeating_the_same_tool_call_is_stopped_as_a_loop(
    files: Files, ledger: CostLedger
) -> None:
    model = ScriptedModel([call("read", path="notes.txt")])
    result = agent(model, files, ledger, limits=Limits(max_steps=50, repeat_limit=3)).run("go")
    assert result.reason == "repeated_action"
    assert result.steps == 3
    assert result.detail == "read was called with the same arguments 3 times in a row"
    assert result.output == "draft"  # the partial result: what it last saw


def test_steps_that_change_nothing_are_stopped_as_no_progress(
    files: Files, ledger: CostLedger
) -> None:
    reads = [call("read", path=name) for name in ("a", "b", "c", "d", "e", "f")]
    result = agent(ScriptedModel(reads), files, ledger, limits=Limits(stall_limit=4)).run("go")
    assert result.reason == "no_progress"
    assert result.steps == 4
    assert result.detail == "the state did not change over 4 steps"


def test_saying_done_without_meeting_the_check_is_not_accepted(
    files: Files, ledger: CostLedger
) -> None:
    model = ScriptedModel([done("all good")])
    result = agent(model, files, ledger, limits=Limits(max_steps=3)).run("write the answer")
    assert not result.succeeded
    assert result.reason == "step_limit"
    claims = [step for step in result.trace.steps if step.kind == "claim"]
    assert len(claims) == 3
    assert claims[0].observation == "rejected, failing: answer.txt says 42"
    assert "you claimed done, but rejected" in model.requests[1].messages[-1].content


def test_a_claim_is_accepted_once_the_checks_pass(files: Files, ledger: CostLedger) -> None:
    (files.root / "answer.txt").write_text("41")
    model = ScriptedModel(
        [done("premature"), call("write", path="answer.txt", text="42"), done("really done")]
    )
    loop = agent(model, files, ledger)
    # The write passes the check, so the run ends there: the model's words are never needed.
    result = loop.run("fix the answer")
    assert result.succeeded and result.steps == 2


def test_the_step_limit_stops_a_run(files: Files, ledger: CostLedger) -> None:
    answers = [call("write", path="notes.txt", text=str(n)) for n in range(10)]
    result = agent(ScriptedModel(answers), files, ledger, limits=Limits(max_steps=4)).run("go")
    assert result.reason == "step_limit"
    assert result.steps == 4
    assert result.detail == "reached the limit of 4 steps"
    assert result.output == "wrote notes.txt"


def test_the_cost_limit_stops_a_run(files: Files, ledger: CostLedger) -> None:
    answers = [call("write", path="notes.txt", text=str(n)) for n in range(10)]
    limits = Limits(max_cost_usd=0.003)
    result = agent(ScriptedModel(answers), files, ledger, limits=limits).run("go")
    assert result.reason == "cost_limit"
    assert result.steps == 3  # $0.0033 after three calls
    assert result.spent_usd == pytest.approx(0.0033)
    assert "over the limit of $0.0030" in result.detail


def test_a_ledger_that_refuses_to_spend_more_stops_the_run(files: Files) -> None:
    strict = CostLedger("strict", limit_usd=0.002, prices=PriceTable({MODEL: Price(1.0, 1.0)}))
    answers = [call("write", path="notes.txt", text=str(n)) for n in range(10)]
    result = agent(ScriptedModel(answers), files, strict).run("go")
    assert result.reason == "cost_limit"
    assert "over its $0.0020 limit" in result.detail


def test_the_time_limit_stops_a_run(files: Files, ledger: CostLedger) -> None:
    clock = FakeClock()
    answers = [call("write", path="notes.txt", text=str(n)) for n in range(10)]
    model = ScriptedModel(answers, clock=clock, seconds_per_call=20.0)
    limits = Limits(max_seconds=50)
    result = agent(model, files, ledger, limits=limits, clock=clock).run("go")
    assert result.reason == "time_limit"
    assert result.steps == 3
    assert result.elapsed_s == 60.0
    assert result.detail == "ran 60.0 s, over the limit of 50 s"


def test_unknown_tools_and_failing_tools_are_observed_not_raised(
    files: Files, ledger: CostLedger
) -> None:
    model = ScriptedModel(
        [
            call("delete", path="x"),
            call("write", path="notes.txt"),
            call("write", path="answer.txt", text="42"),
        ]
    )
    result = agent(model, files, ledger).run("go")
    assert result.succeeded
    first, second, _ = result.trace.steps
    assert first.observation == "error: no tool named 'delete'; tools: read, write"
    assert second.observation == "error: KeyError: 'text'"


def test_unusable_model_output_stops_the_run(files: Files, ledger: CostLedger) -> None:
    result = agent(ScriptedModel(["I refuse to answer in JSON"]), files, ledger).run("go")
    assert result.reason == "invalid_output"
    assert result.steps == 0


def test_the_trace_shows_every_step_and_why_it_stopped(files: Files, ledger: CostLedger) -> None:
    model = ScriptedModel([done(), call("read", path="notes.txt")])
    result = agent(model, files, ledger, limits=Limits(repeat_limit=2)).run("go")
    assert result.trace.render().splitlines() == [
        "step  1  claims done -> rejected, failing: answer.txt says 42  [$0.0011, 0.0 s]",
        'step  2  read(path="notes.txt") -> "draft"  [$0.0011, 0.0 s]',
        'step  3  read(path="notes.txt") -> "draft"  [$0.0011, 0.0 s]',
        "stopped (repeated_action): read was called with the same arguments 2 times in a row",
    ]
    assert str(result.trace) == result.trace.render()


def test_an_agent_needs_a_success_check(files: Files) -> None:
    with pytest.raises(ValueError, match="at least one success check"):
        AgentLoop(ScriptedModel([done()]), tools=files.tools(), checks=[])
    with pytest.raises(ValueError, match="tool names must be unique"):
        AgentLoop(
            ScriptedModel([done()]),
            tools=files.tools() * 2,
            checks=[files.has("a", "b")],
        )
    with pytest.raises(ValueError, match="max_steps"):
        Limits(max_steps=0)
