"""Cost alerts against the last stored run, posted to a real loopback webhook."""

from __future__ import annotations

import json
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from scaffolder.kit.bench.alerts import cost_alerts, last_run, post_webhook
from scaffolder.kit.bench.results import CaseResult, RunResult
from tests.loopback import LoopbackHTTP


class Hook:
    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers["content-length"])
                hook.bodies.append(json.loads(self.rfile.read(length)))
                self.send_response(200)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet."""

        self.http = LoopbackHTTP(Handler)
        self.url = f"http://127.0.0.1:{self.http.port}/hook"


@pytest.fixture
def hook() -> Iterator[Hook]:
    running = Hook()
    try:
        yield running
    finally:
        running.http.stop()


def run_costing(cost: float, when: str) -> RunResult:
    cases = [
        CaseResult("m", f"c{i}", 0, [], "i", "o", True, 1.0, cost_usd=cost, list_cost_usd=cost)
        for i in range(3)
    ]
    return RunResult("qa", "v", "answer", when, "abc", [{"label": "m"}], 1, 1, cases)


def test_cost_jump_alerts_and_posts(tmp_path: Path, hook: Hook) -> None:
    old = run_costing(0.001, "2026-11-26T10:00:00.000+00:00")
    old_path = old.save(tmp_path)
    new = run_costing(0.0015, "2026-11-27T10:00:00.000+00:00")
    found = last_run(tmp_path, "qa")
    assert found is not None and found[1] == old_path.name
    alerts = cost_alerts(new, found[0], found[1], threshold=0.2)
    assert len(alerts) == 1 and alerts[0].increase == pytest.approx(0.5)
    assert "+50%" in alerts[0].message
    assert post_webhook(hook.url, alerts) is None
    assert hook.bodies[0]["alerts"][0]["cost_per_case"] == pytest.approx(0.0015)
    assert "+50%" in hook.bodies[0]["text"]
    assert cost_alerts(new, found[0], found[1], threshold=0.6) == []


def test_unreachable_webhook_is_a_warning_not_a_crash() -> None:
    problem = post_webhook("http://127.0.0.1:9/nothing", [])
    assert problem is not None and problem.startswith("cost alert webhook failed")
