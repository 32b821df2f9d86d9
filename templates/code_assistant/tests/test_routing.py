"""Routing on the shipped suite (benchmarks/routing.jsonl), follow-ups ("now add a test for it")
included. Add a conversation there whenever a request goes to the wrong skill."""

from collections.abc import Callable
from pathlib import Path

from scaffolder.kit.copilot import Copilot
from scaffolder.kit.routing import evaluate_routing, load_routing_suite

SUITE = Path(__file__).resolve().parent.parent / "benchmarks" / "routing.jsonl"
MIN_ACCURACY = 0.9


def test_the_routing_suite_routes_accurately(
    new_project: Callable[[], tuple[Path, Copilot]],
) -> None:
    _, copilot = new_project()
    report = evaluate_routing(copilot.router, load_routing_suite(SUITE))
    assert report.accuracy >= MIN_ACCURACY, report.render()
    assert report.followup_accuracy >= MIN_ACCURACY, report.render()
