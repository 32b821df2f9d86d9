"""The content-filter step: one severity (0-7) per category, from the hosted moderation
endpoint when configured, from the transparent offline rules (`lexicon.RULES`) otherwise.

Both classifiers answer the same question, `classify(text) -> {category: severity}`, on the
same scale (Azure's 0-7 for hate, sexual, violence and self-harm), so thresholds are set once
per project whichever runs. The offline filter also reports spans, which lets it run on
streamed output chunk by chunk; see `lexicon` for what it can and cannot see.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Protocol

from scaffolder.kit.safety.decisions import (
    BLOCK_AT,
    CONTENT_CATEGORIES,
    Category,
    Finding,
    GuardDecision,
)
from scaffolder.kit.safety.lexicon import RULES
from scaffolder.kit.safety.normalize import fold

GUARD = "content-filter"
#: The longest span a rule can match across words: what a stream holds back.
STREAM_WINDOW = 160


class ContentClassifier(Protocol):
    """Anything that scores a text per content category on the 0-7 scale."""

    name: str

    def classify(self, text: str) -> dict[str, int]: ...


class OfflineContentFilter:
    """Rule-based, offline, deterministic; blocks a category at `thresholds[category]`."""

    name = "offline"
    guard = GUARD
    window = STREAM_WINDOW

    def __init__(self, thresholds: Mapping[str, int] | None = None) -> None:
        self.thresholds: dict[str, int] = {c: BLOCK_AT for c in CONTENT_CATEGORIES}
        self.thresholds.update(thresholds or {})
        self._rules = [
            (category, severity, name, re.compile(pattern))
            for category, severity, name, pattern in RULES
        ]

    def find(self, text: str) -> list[Finding]:
        """The rule matches at or above their category's threshold, as blocking spans."""
        folded = fold(text)
        findings = []
        for category, severity, name, pattern in self._rules:
            if severity < self.thresholds[category]:
                continue
            for match in pattern.finditer(folded):
                findings.append(
                    Finding(
                        match.start(),
                        match.end(),
                        f"{GUARD}:{self.name}",
                        "block",
                        _category(category),
                        severity,
                        f"{category} rule {name} (severity {severity})",
                    )
                )
        return findings

    def classify(self, text: str) -> dict[str, int]:
        folded = fold(text)
        scores: dict[str, int] = {category: 0 for category in CONTENT_CATEGORIES}
        for category, severity, _name, pattern in self._rules:
            if severity > scores[category] and pattern.search(folded):
                scores[category] = severity
        return scores

    def hold_from(self, text: str) -> int:
        return max(0, len(text) - STREAM_WINDOW)


def _category(name: str) -> Category:
    for category in CONTENT_CATEGORIES:
        if category == name:
            return category
    raise ValueError(f"not a content category: {name}")


def decisions_for(
    scores: Mapping[str, int], thresholds: Mapping[str, int], classifier: str
) -> list[GuardDecision]:
    """One blocking decision per category at or above its threshold."""
    return [
        GuardDecision(
            f"{GUARD}:{classifier}",
            "block",
            _category(category),
            severity,
            f"{category} severity {severity} >= {thresholds.get(category, BLOCK_AT)}",
        )
        for category, severity in scores.items()
        if category in CONTENT_CATEGORIES and severity >= thresholds.get(category, BLOCK_AT)
    ]
