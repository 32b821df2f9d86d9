"""Input guards that do not read for harm: staying on topic, and staying within size limits.

Off-topic detection belongs to routing (the router already decides what a message is about),
so the guard here is only an interface: give it any callable that maps a message to a
`TopicDecision`, or adapt a router with `from_router`. `keyword_topics` is a stand-in for
projects (and the example safety suite) that have no router yet.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from typing import Any

from scaffolder.kit.safety.decisions import GuardDecision
from scaffolder.kit.safety.normalize import fold


@dataclass(frozen=True)
class TopicDecision:
    """Whether a message is within the copilot's remit; `intent` names what it was taken for."""

    on_topic: bool
    intent: str | None = None
    confidence: float | None = None


TopicClassifier = Callable[[str], TopicDecision]


class OffTopicGuard:
    name = "off-topic"

    def __init__(self, classify: TopicClassifier) -> None:
        self.classify = classify

    def check(self, text: str) -> list[GuardDecision]:
        decision = self.classify(text)
        if decision.on_topic:
            return []
        intent = f" (intent {decision.intent})" if decision.intent else ""
        return [
            GuardDecision(
                self.name, "block", "off-topic", 4, f"outside the copilot's remit{intent}"
            )
        ]


def from_router(
    route: Callable[[str], Any],
    *,
    off_topic_intents: Collection[str] = ("off_topic", "off-topic", "smalltalk", "other"),
    min_confidence: float = 0.0,
) -> TopicClassifier:
    """Adapt a router: anything returning an object with an `intent` (and optionally a
    `confidence`) attribute. A message is off topic when its intent is one of
    `off_topic_intents`, or when the router's confidence is below `min_confidence`."""

    def classify(text: str) -> TopicDecision:
        decision = route(text)
        intent = getattr(decision, "intent", None)
        confidence = getattr(decision, "confidence", None)
        unsure = confidence is not None and confidence < min_confidence
        return TopicDecision(
            on_topic=intent not in off_topic_intents and not unsure,
            intent=intent,
            confidence=confidence,
        )

    return classify


def keyword_topics(keywords: Iterable[str]) -> TopicClassifier:
    """On topic when the message mentions one of `keywords` (whole words, any case or accent).
    Crude: a stand-in until a router decides."""
    words = sorted({fold(word) for word in keywords}, key=len, reverse=True)
    pattern = re.compile(r"\b(" + "|".join(re.escape(word) for word in words) + r")")

    def classify(text: str) -> TopicDecision:
        match = pattern.search(fold(text))
        return TopicDecision(on_topic=match is not None, intent="keyword" if match else None)

    return classify


class SizeGuard:
    """Refuses inputs too long to be a question: pasted dumps, token-stuffing attacks."""

    name = "size"

    def __init__(self, max_chars: int = 8000, max_lines: int = 400) -> None:
        self.max_chars = max_chars
        self.max_lines = max_lines

    def check(self, text: str) -> list[GuardDecision]:
        if len(text) > self.max_chars:
            reason = f"{len(text)} characters, limit {self.max_chars}"
        elif text.count("\n") >= self.max_lines:
            reason = f"{text.count(chr(10)) + 1} lines, limit {self.max_lines}"
        else:
            return []
        return [GuardDecision(self.name, "block", "size", 4, reason)]
