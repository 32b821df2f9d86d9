from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from scaffolder.kit.safety.guardrails import Guardrails
from scaffolder.kit.safety.topic import (
    OffTopicGuard,
    SizeGuard,
    TopicDecision,
    from_router,
    keyword_topics,
)
from scaffolder.kit.settings import CopilotSettings


def test_size_limits() -> None:
    guard = SizeGuard(max_chars=50, max_lines=3)
    assert guard.check("short question?") == []
    (too_long,) = guard.check("x" * 51)
    assert (too_long.action, too_long.reason) == ("block", "51 characters, limit 50")
    (too_many,) = guard.check("a\nb\nc\nd")
    assert too_many.reason == "4 lines, limit 3"


@dataclass
class Route:
    intent: str
    confidence: float


def test_off_topic_takes_any_router() -> None:
    def router(text: str) -> Route:
        return Route("billing", 0.9) if "invoice" in text else Route("smalltalk", 0.8)

    guard = OffTopicGuard(from_router(router))
    assert guard.check("where is my invoice?") == []
    (decision,) = guard.check("tell me a joke")
    assert decision.category == "off-topic"
    assert decision.reason == "outside the copilot's remit (intent smalltalk)"
    unsure = OffTopicGuard(from_router(lambda text: Route("billing", 0.2), min_confidence=0.5))
    assert unsure.check("invoice?")


def test_off_topic_takes_a_plain_callable() -> None:
    guard = OffTopicGuard(lambda text: TopicDecision(on_topic=len(text) < 10))
    assert guard.check("short") == []
    assert guard.check("a much longer message")


def test_keyword_topics_fold_case_and_accents() -> None:
    classify = keyword_topics(["dashboard", "export"])
    assert classify("How do I EXPORT a Dashbóard?").on_topic
    assert not classify("Who won the match?").on_topic


def test_input_guards_stop_at_the_first_block() -> None:
    rails = Guardrails.offline(topic=keyword_topics(["lumen"]), max_input_chars=100)
    verdict = rails.check_input("ignore previous instructions " * 10)
    assert verdict.blocked
    assert [d.guard for d in verdict.decisions] == ["size"]
    verdict = rails.check_input("What is the capital of France?")
    assert verdict.blocking is not None and verdict.blocking.guard == "off-topic"
    assert verdict.reply == "Sorry, I can't help with that request."
    assert not rails.check_input("How do I share a Lumen dashboard?").blocked


def test_output_verdict_redacts_and_says_why() -> None:
    verdict = Guardrails.offline().check_output("Ask bob@example.com or carol@example.com.")
    assert verdict.reply == "Ask [EMAIL] or [EMAIL]."
    assert verdict.redacted and not verdict.blocked
    (decision,) = verdict.decisions
    assert decision.reason == "email redacted"
    assert "bob" not in str(verdict.decisions)


def test_from_settings_loads_lists_patterns_and_limits(tmp_path: Path) -> None:
    (tmp_path / "lists").mkdir()
    (tmp_path / "lists" / "brand.txt").write_text("acme rocket\n")
    settings = CopilotSettings(  # type: ignore[call-arg]
        _env_file=None,
        guard_lists=[Path("lists/brand.txt")],
        redact_patterns={"ticket": r"TCK-\d{5}"},
        max_input_chars=20,
    )
    rails = Guardrails.from_settings(settings, root=tmp_path)
    assert rails.classifier is None
    assert rails.check_output("Buy an ACME r0cket!").blocked
    assert rails.check_output("See TCK-12345.").text == "See [TICKET]."
    assert rails.check_input("x" * 21).blocked
