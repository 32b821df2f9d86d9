"""The production cost alert: spend over a rolling window past a threshold posts to the
benchmark cost alerts' webhook (a real loopback receiver), at most once per window."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from scaffolder.kit.llm.client import LLM
from scaffolder.kit.llm.cost import CostLedger, PriceTable
from scaffolder.kit.llm.providers.openai_provider import OpenAIConfig, OpenAIProvider
from scaffolder.kit.llm.types import ChatRequest, Message
from scaffolder.kit.settings import CopilotSettings
from scaffolder.kit.telemetry.setup import Telemetry
from scaffolder.kit.telemetry.spend import CostAlertConfig, SpendAlarm
from tests.kit.llm.fault_server import FaultServer
from tests.kit.telemetry.webhook import Webhook


@pytest.fixture
def hook() -> Iterator[Webhook]:
    running = Webhook()
    try:
        yield running
    finally:
        running.stop()


class Clock:
    """Seconds, moved by the test: the window is an input like the costs."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_one_alert_per_window_while_spend_stays_over(hook: Webhook) -> None:
    clock = Clock()
    alarm = SpendAlarm(
        CostAlertConfig(threshold_usd=1.0, window_seconds=60, webhook_url=hook.url),
        service="lumenbot",
        clock=clock,
    )
    steps = [(0, 0.6), (10, 0.6), (20, 0.6), (65, 0.01), (75, 0.6)]
    raised = []
    for at, cost in steps:
        clock.now = 1000.0 + at
        raised.append(alarm.spent(cost) is not None)
        alarm.wait()  # posts arrive in order
    # t=10 crosses $1 (1.2); t=20 and t=65 are still inside the window of the first alert;
    # t=75 is a whole window later, and the last 60 s (t=20, 65, 75) hold $1.21.
    assert raised == [False, True, False, False, True]
    alarm.wait()
    assert len(hook.bodies) == 2
    first = hook.bodies[0]
    assert first["text"] == (
        "lumenbot: model spend $1.2000 in the last 1 min, over the $1.0000 alert threshold"
    )
    assert first["production_cost"] == {
        "service": "lumenbot", "spent_usd": 1.2, "threshold_usd": 1.0, "window_seconds": 60,
    }  # fmt: skip
    assert hook.bodies[1]["production_cost"]["spent_usd"] == pytest.approx(1.21)


def test_spend_that_left_the_window_does_not_count(hook: Webhook) -> None:
    clock = Clock()
    config = CostAlertConfig(threshold_usd=1.0, window_seconds=60, webhook_url=hook.url)
    alarm = SpendAlarm(config, clock=clock)
    alarm.spent(0.9)
    clock.now += 61
    assert alarm.spent(0.9) is None
    alarm.wait()
    assert hook.bodies == [] and alarm.alerts == []


def test_a_webhook_that_cannot_be_reached_is_one_logged_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    dead = Webhook()
    url = dead.url
    dead.stop()
    alarm = SpendAlarm(CostAlertConfig(threshold_usd=0.5, webhook_url=url))
    assert alarm.spent(0.6) is not None  # the alert stands even if the hook is down
    alarm.wait()
    problems = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert problems[0].startswith("cost alert: copilot: model spend $0.6000")
    assert len(problems) == 2 and problems[1].startswith("cost alert webhook failed:")
    assert "\n" not in problems[1]


def test_turns_over_the_threshold_post_once_to_the_bench_webhook(
    tmp_path: Path,
    server: FaultServer,
    hook: Webhook,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """From the project's settings: `cost_alert_usd` and `[tool.copilot.bench] webhook_url`
    (the benchmark alerts' hook); real priced calls to the loopback model server."""
    monkeypatch.delenv("COPILOT_BENCH_WEBHOOK", raising=False)
    (tmp_path / "pyproject.toml").write_text(
        "[tool.copilot]\n"
        'telemetry_exporters = ["jsonl"]\n'
        "cost_alert_usd = 0.000001\n"
        "cost_alert_window_minutes = 30\n"
        f'[tool.copilot.bench]\nwebhook_url = "{hook.url}"\n'
    )
    settings = CopilotSettings.load(tmp_path, env_file=None)
    telemetry = Telemetry.from_settings(settings, tmp_path)
    assert telemetry.config.cost_alert == CostAlertConfig(0.000001, 1800.0, hook.url)
    config = OpenAIConfig("openai-compatible", "gpt-4o-mini", "x", base_url=server.url)
    llm = LLM(OpenAIProvider(config), ledger=CostLedger(prices=PriceTable.bundled()))
    costs = []
    for question in ("first question here", "second question here"):
        with telemetry.turn("qa") as turn:
            llm.complete(ChatRequest((Message("user", question),)))
        costs.append(turn.cost_usd)
    telemetry.flush()
    assert len(hook.bodies) == 1  # the second turn is inside the first alert's window
    alert = hook.bodies[0]["production_cost"]
    assert alert["spent_usd"] == round(costs[0], 6) and costs[0] > 0.000001
    assert alert["window_seconds"] == 1800
    assert "in the last 30 min" in hook.bodies[0]["text"]
    assert "question" not in str(hook.bodies)  # costs only, never what users asked


def test_no_threshold_no_alarm(tmp_path: Path) -> None:
    settings = CopilotSettings.load(tmp_path, env_file=None)
    assert Telemetry.from_settings(settings, tmp_path).spend is None
