"""What a benchmark target returns and what a grader says about it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scaffolder.kit.bench.suite import Case
    from scaffolder.kit.llm.client import LLM


@dataclass(frozen=True)
class TargetOutput:
    """A target's answer, plus what RAG and routing graders need when the app has it."""

    answer: str
    #: Retrieved passage ids, in the order the model saw them (for citations and hit@k).
    sources: tuple[str, ...] = ()
    #: The route a router picked (for intent match).
    intent: str | None = None

    @classmethod
    def of(cls, value: object) -> TargetOutput:
        """Accept what a project target may naturally return: a string, a mapping, or this."""
        if isinstance(value, TargetOutput):
            return value
        if isinstance(value, str):
            return cls(value)
        if isinstance(value, Mapping):
            sources = value.get("sources") or ()
            intent = value.get("intent")
            return cls(
                str(value.get("answer", "")),
                tuple(str(s) for s in sources),
                str(intent) if intent is not None else None,
            )
        raise TypeError(
            f"a bench target returns a str, a mapping or TargetOutput, not {type(value).__name__}"
        )


@dataclass(frozen=True)
class Grade:
    passed: bool
    score: float
    detail: str = ""
    #: Extra numbers a grader reports (judge agreement, hit rank...).
    extra: Mapping[str, Any] = field(default_factory=dict)
    #: The grader could not reach a verdict (a judge reply with no grade in it): the case is
    #: counted apart and left out of pass rates, never scored as a failure.
    ungraded: bool = False


@dataclass(frozen=True)
class GradeInput:
    """Everything a grader may look at; custom graders use what they need."""

    case: Case
    output: TargetOutput
    options: Mapping[str, Any]
    #: The unbound client, for graders that call a model (the judge pins its own model).
    llm: LLM | None = None
