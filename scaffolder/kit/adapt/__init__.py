"""Adapting a qa-rag project to the team's own documents (`copilot adapt`, `new --docs`)."""

from scaffolder.kit.adapt.docs import (
    DocsPlan,
    StagedAdaptation,
    adapt_new_project,
    copy_docs,
    plan_docs,
    suggested_topic,
    suggested_topic_of,
)
from scaffolder.kit.adapt.plan import Plan, apply_plan, plan_adaptation

__all__ = [
    "DocsPlan",
    "Plan",
    "StagedAdaptation",
    "adapt_new_project",
    "apply_plan",
    "copy_docs",
    "plan_adaptation",
    "plan_docs",
    "suggested_topic",
    "suggested_topic_of",
]
