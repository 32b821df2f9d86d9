"""What the router decided for one turn, and why: recorded on every turn of a conversation.

Why a record rather than a label: when a follow-up lands in the wrong skill, the fix depends
on whether the embedding match, the follow-up rule or the LLM fallback chose it, on what
scores, so the decision keeps all three, in words and in numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scaffolder.kit.retrieval.evidence import Evidence
from scaffolder.kit.turn import RouteMethod

#: The intent of a request no skill handles; every router has it.
OUT_OF_SCOPE = "out_of_scope"


@dataclass(frozen=True)
class RoutingContext:
    """What the router needs to know of the conversation so far."""

    #: The skill the latest in-scope turn went to.
    active_skill: str | None = None
    #: The previous user turn, given to the LLM fallback so it can resolve references.
    previous_text: str | None = None


@dataclass(frozen=True)
class RouteDecision:
    intent: str
    method: RouteMethod
    #: The winning intent's best example similarity (for `llm`, still the embedding score).
    confidence: float
    reason: str
    #: The best few intents by example similarity, best first.
    scores: tuple[tuple[str, float], ...] = ()
    #: What the index holds for the request, when it was consulted (routes into or away from
    #: a skill that answers from the index).
    evidence: Evidence | None = None

    @property
    def in_scope(self) -> bool:
        return self.intent != OUT_OF_SCOPE

    def to_dict(self) -> dict[str, Any]:
        return {
            "intent": self.intent,
            "method": self.method,
            "confidence": self.confidence,
            "reason": self.reason,
            "scores": [[name, score] for name, score in self.scores],
            "evidence": self.evidence.to_dict() if self.evidence else None,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RouteDecision:
        return cls(
            intent=data["intent"],
            method=data["method"],
            confidence=float(data["confidence"]),
            reason=data["reason"],
            scores=tuple((str(name), float(score)) for name, score in data.get("scores", ())),
            evidence=Evidence.from_dict(data["evidence"]) if data.get("evidence") else None,
        )
