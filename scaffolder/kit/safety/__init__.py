"""Guardrails for copilots: input guards (size, topic, prompt injection), output guards (team
guard lists, identifier redaction, a content filter) that also work on streams, fencing for
retrieved documents, a safety benchmark, and local feedback.

Everything here runs offline; the OpenAI moderation endpoint is used only when configured.
"""

from typing import TYPE_CHECKING, Any

from scaffolder.kit.safety.content_filter import OfflineContentFilter
from scaffolder.kit.safety.decisions import Finding, GuardDecision, Verdict
from scaffolder.kit.safety.feedback import FeedbackRecord, FeedbackStore, feedback_to_cases
from scaffolder.kit.safety.fencing import DATA_NOTICE, fence_document, fence_passages
from scaffolder.kit.safety.guardlist import GuardList
from scaffolder.kit.safety.guardrails import Guardrails
from scaffolder.kit.safety.injection import InjectionGuard
from scaffolder.kit.safety.redaction import Redactor
from scaffolder.kit.safety.streaming import StreamGuard
from scaffolder.kit.safety.suite import (
    SafetyReport,
    SafetyThresholds,
    evaluate_safety,
    load_suite,
    thresholds_from_settings,
)
from scaffolder.kit.safety.topic import (
    OffTopicGuard,
    SizeGuard,
    TopicDecision,
    from_router,
    keyword_topics,
)

if TYPE_CHECKING:
    from scaffolder.kit.safety.moderation import OpenAIModeration


def __getattr__(name: str) -> Any:
    """`OpenAIModeration` on first use: it imports the `openai` SDK (about 0.4 s), which
    every command that merely records feedback or checks text would otherwise pay."""
    if name == "OpenAIModeration":
        from scaffolder.kit.safety.moderation import OpenAIModeration

        return OpenAIModeration
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "DATA_NOTICE",
    "FeedbackRecord",
    "FeedbackStore",
    "Finding",
    "GuardDecision",
    "GuardList",
    "Guardrails",
    "InjectionGuard",
    "OffTopicGuard",
    "OfflineContentFilter",
    "OpenAIModeration",
    "Redactor",
    "SafetyReport",
    "SafetyThresholds",
    "SizeGuard",
    "StreamGuard",
    "TopicDecision",
    "Verdict",
    "evaluate_safety",
    "feedback_to_cases",
    "fence_document",
    "fence_passages",
    "from_router",
    "keyword_topics",
    "load_suite",
    "thresholds_from_settings",
]
