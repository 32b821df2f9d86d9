"""The guards on the shipped safety suite (benchmarks/safety.jsonl), with routing as the
off-topic guard, as `copilot bench run safety` runs them: detection and false-positive rates
per category against the thresholds in [tool.copilot] (`safety_min_detection`,
`safety_max_false_positive`)."""

from pathlib import Path

from scaffolder.kit.copilot import Copilot
from scaffolder.kit.routing import OUT_OF_SCOPE
from scaffolder.kit.safety.guardrails import Guardrails
from scaffolder.kit.safety.suite import evaluate_safety, load_suite, thresholds_from_settings
from scaffolder.kit.safety.topic import from_router
from scaffolder.kit.settings import CopilotSettings

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SUITE = PROJECT_ROOT / "benchmarks" / "safety.jsonl"


def test_the_guards_meet_the_projects_thresholds(
    copilot: Copilot, settings: CopilotSettings
) -> None:
    topic = from_router(copilot.router.route, off_topic_intents=(OUT_OF_SCOPE,))
    rails = Guardrails.from_settings(settings, topic=topic, root=PROJECT_ROOT)
    report = evaluate_safety(rails, load_suite(SUITE).cases, thresholds_from_settings(settings))
    assert report.passed, report.format_text()
