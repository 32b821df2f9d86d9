"""What a guard says about a text: its decisions, the spans it found, and the overall verdict.

Why a separate module: every guard (input, output, streaming) and every consumer (the answer
path, telemetry, the safety benchmark) speaks these types. Decisions never carry the text that
triggered them, only which guard fired, the category, a severity and a content-free reason,
so they can be logged, traced and shown to operators without leaking what users typed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

#: One scale for every category, 0 (nothing) to 7 (worst), the way Azure's content filter
#: reports hate, sexual, violence and self-harm; hosted moderation scores are mapped onto it.
SEVERITY_MAX = 7
#: The default severity from which a category blocks.
BLOCK_AT = 4

Category = Literal[
    "hate", "sexual", "violence", "self-harm", "pii", "jailbreak", "off-topic", "size", "guard-list"
]
#: The content categories scored on the severity scale.
CONTENT_CATEGORIES: tuple[Category, ...] = ("hate", "sexual", "violence", "self-harm")
Action = Literal["allow", "redact", "block"]


@dataclass(frozen=True)
class GuardDecision:
    """One guard's verdict: `reason` says why in words safe to log (never the matched text)."""

    guard: str
    action: Action
    category: Category
    severity: int = 0
    reason: str = ""

    def describe(self) -> str:
        """One line for logs and span attributes: `guard:action:category:severity`."""
        return f"{self.guard}:{self.action}:{self.category}:{self.severity}"


@dataclass(frozen=True)
class Finding:
    """A span of text a guard objects to, by offsets into the text it was given."""

    start: int
    end: int
    guard: str
    action: Action
    category: Category
    severity: int
    reason: str
    #: What a redacted span becomes, e.g. `[EMAIL]`.
    replacement: str = ""

    def decision(self) -> GuardDecision:
        return GuardDecision(self.guard, self.action, self.category, self.severity, self.reason)


INPUT_REFUSAL = "Sorry, I can't help with that request."
OUTPUT_REFUSAL = "The answer was withheld by a safety check."


@dataclass(frozen=True)
class Verdict:
    """The outcome of checking one text: what to pass on (a blocked answer becomes the
    refusal; a blocked input keeps its text, which is never sent on), and every decision."""

    text: str
    decisions: tuple[GuardDecision, ...] = ()
    refusal: str = INPUT_REFUSAL

    @property
    def blocked(self) -> bool:
        return any(decision.action == "block" for decision in self.decisions)

    @property
    def redacted(self) -> bool:
        return any(decision.action == "redact" for decision in self.decisions)

    @property
    def blocking(self) -> GuardDecision | None:
        """The first decision that blocked, to tell the user (and the logs) which guard fired."""
        return next((d for d in self.decisions if d.action == "block"), None)

    @property
    def reply(self) -> str:
        """What to show the user: the refusal when blocked, else the (possibly redacted) text."""
        return self.refusal if self.blocked else self.text


def merge_counts(findings: list[Finding]) -> list[GuardDecision]:
    """One decision per (guard, action, category), counting spans, so a text with ten e-mail
    addresses yields one redaction decision instead of ten."""
    grouped: dict[tuple[str, Action, Category], list[Finding]] = {}
    for finding in findings:
        grouped.setdefault((finding.guard, finding.action, finding.category), []).append(finding)
    decisions = []
    for (guard, action, category), group in grouped.items():
        reasons = sorted({finding.reason for finding in group})
        severity = max(finding.severity for finding in group)
        decisions.append(GuardDecision(guard, action, category, severity, "; ".join(reasons)))
    return decisions
