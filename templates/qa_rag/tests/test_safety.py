"""The guards on the shipped safety suite (benchmarks/safety.jsonl): detection and
false-positive rates per category against the thresholds in [tool.copilot]
(`safety_min_detection`, `safety_max_false_positive`)."""

from pathlib import Path

from scaffolder.kit.copilot import Copilot
from scaffolder.kit.safety.suite import evaluate_safety, load_suite, thresholds_from_settings
from scaffolder.kit.settings import CopilotSettings

SUITE = Path(__file__).resolve().parent.parent / "benchmarks" / "safety.jsonl"


def test_the_guards_meet_the_projects_thresholds(
    copilot: Copilot, settings: CopilotSettings
) -> None:
    report = evaluate_safety(
        copilot.services.guardrails,
        load_suite(SUITE).cases,
        thresholds_from_settings(settings),
    )
    assert report.passed, report.format_text()
