"""Routing and safety suites in `copilot bench`: the project's router and guardrails, scored.

Why kinds of their own: a routing or safety suite is not a list of questions whose answers
are graded one by one. The kit already has an evaluator for each (`evaluate_routing`,
`evaluate_safety`) whose verdict is a whole-suite number held to a threshold: routing
accuracy against `min_accuracy`, detection and false-positive rates per category against the
project's `safety_*` settings. So these kinds register with `register_suite_kind` like any
other, with an `evaluate` hook instead of a target. Their runs are saved as a `RunResult` with
one result per routed turn (`<case>#<turn>`) or per safety case, so `compare` pairs two runs
of the same suite case by case and `report` shows them; the evaluator's own report (confusion
matrix, rates per category) is stored beside the cases.

A file's kind comes from its `{"suite": {"kind": ...}}` first line, else from the kit files'
`{"meta": {"suite": ...}}` line, else from the shape of its first case (`turns` for routing;
`category`, `stage` and `expect` for safety), else it is an answer suite.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

from scaffolder.errors import BenchError
from scaffolder.kit.bench.config import min_accuracy
from scaffolder.kit.bench.evaluation import Evaluation, EvaluationContext
from scaffolder.kit.bench.results import CaseResult, RunResult, now
from scaffolder.kit.bench.targets import (
    BoundLLM,
    CallStats,
    SuiteKind,
    register_suite_kind,
    suite_kinds,
)
from scaffolder.kit.llm.cost import ledger_scope
from scaffolder.kit.routing.decisions import OUT_OF_SCOPE, RouteDecision, RoutingContext
from scaffolder.kit.routing.evaluation import RoutingCase, SuiteTurn, evaluate_routing
from scaffolder.kit.routing.router import Router
from scaffolder.kit.safety.guardrails import Guardrails
from scaffolder.kit.safety.suite import Suite as SafetySuite
from scaffolder.kit.safety.suite import evaluate_safety, thresholds_from_settings
from scaffolder.kit.safety.suite import load_suite as load_safety_suite
from scaffolder.kit.safety.topic import TopicClassifier, from_router, keyword_topics

ROUTING = "routing"
SAFETY = "safety"
_ROUTING_SETTINGS = {"kind", "description", "min_accuracy"}
_SAFETY_SETTINGS = {"kind", "description"}
T = TypeVar("T")
#: Safety cases that made no routing call: no latency or usage of their own to report.
_NO_USAGE: dict[str, Any] = {}


def detect_kind(path: Path) -> str:
    """The kind of the suite at `path` (see the module docstring); "answer" when the file
    does not say, so the answer loader reports whatever is wrong with it."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return "answer"
    for line in lines:
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            return "answer"
        if not isinstance(row, dict):
            return "answer"
        header = row.get("suite")
        if isinstance(header, dict):
            kind = header.get("kind", "answer")
            return kind if isinstance(kind, str) else "answer"
        meta = row.get("meta")
        if isinstance(meta, dict):
            named = meta.get("suite")
            if isinstance(named, str) and named in suite_kinds():
                return named
            continue
        for name, kind_ in suite_kinds().items():
            if kind_.shape is not None and kind_.shape(row):
                return name
        return "answer"
    return "answer"


def load_routing_cases(path: Path) -> tuple[dict[str, Any], list[RoutingCase]]:
    """The suite settings and conversations of a routing suite file.

    The kit's `load_routing_suite` knows no `{"suite": ...}` line; this one takes it, and
    refuses duplicate ids, since results pair turns across runs by `<id>#<turn>`.
    """
    settings, rows = _split(path, _ROUTING_SETTINGS)
    cases: list[RoutingCase] = []
    seen: set[str] = set()
    for number, row in rows:
        try:
            turns = tuple(SuiteTurn(str(t["text"]), str(t["intent"])) for t in row["turns"])
        except (KeyError, TypeError) as error:
            raise BenchError(
                f"{path.name}:{number}: not a routing case ({type(error).__name__}: {error}); "
                'expected {"id": ..., "turns": [{"text": ..., "intent": ...}]}'
            ) from error
        case_id = str(row.get("id", f"line-{number}"))
        if not turns:
            raise BenchError(f"{path.name}:{number}: a routing case needs at least one turn")
        if case_id in seen:
            raise BenchError(f"{path.name}:{number}: duplicate id {case_id!r}")
        seen.add(case_id)
        cases.append(RoutingCase(case_id, turns))
    if not cases:
        raise BenchError(f"{path.name}: the suite has no cases")
    return settings, cases


def evaluate_routing_suite(context: EvaluationContext) -> Evaluation:
    """Route every conversation with the project's router; fail below `min_accuracy`."""
    settings, cases = load_routing_cases(context.path)
    cases = cases[: context.limit] if context.limit else cases
    floor = min_accuracy(f"{context.path.name}:1:", settings.get("min_accuracy"))
    if floor is None:
        floor = context.config.min_accuracy
    started, clock = now(), time.perf_counter()
    llm = BoundLLM(context.llm, None, 0)
    with ledger_scope(f"bench {context.path.stem}"):
        router = _MeteredRouter(context.router(llm), llm)
        report = evaluate_routing(router, cases)
    label = f"router ({context.settings.embedding_model} embeddings)"
    results = [
        CaseResult(
            variant=label,
            case_id=f"{outcome.case}#{outcome.position + 1}",
            sample=0,
            tags=[outcome.expected] + (["follow-up"] if outcome.position else []),
            input=outcome.text,
            output=outcome.decision.intent,
            passed=outcome.correct,
            score=float(outcome.correct),
            grades=[
                {
                    "grader": "intent",
                    "passed": outcome.correct,
                    "score": float(outcome.correct),
                    "detail": f"expected {outcome.expected}, got {outcome.decision.intent} "
                    f"({outcome.decision.method}: {outcome.decision.reason})",
                }
            ],
            **usage,
        )
        for outcome, usage in zip(report.outcomes, router.usage, strict=True)
    ]
    failures = (
        (f"routing accuracy {report.accuracy:.1%} is below min_accuracy {floor:.1%}",)
        if floor is not None and report.accuracy < floor
        else ()
    )
    details = {
        "accuracy": report.accuracy,
        "followup_accuracy": report.followup_accuracy,
        "llm_fallback_rate": report.llm_fallback_rate,
        "turns": report.total,
        "min_accuracy": floor,
        "confusion": report.confusion,
    }
    return _evaluation(
        context, ROUTING, (started, clock), llm, results, report.render(), failures, details
    )


def evaluate_safety_suite(context: EvaluationContext) -> Evaluation:
    """Run every case through the project's guardrails (its router as the topic guard, else
    the suite's `topic_keywords`); fail below the project's `safety_*` thresholds."""
    _split(context.path, _SAFETY_SETTINGS)
    suite = load_safety_suite(context.path)
    cases = suite.cases[: context.limit] if context.limit else suite.cases
    started, clock = now(), time.perf_counter()
    llm = BoundLLM(context.llm, None, 0)
    with ledger_scope(f"bench {context.path.stem}"):
        topic, topic_text, usage = _topic_guard(context, suite, llm)
        rails = Guardrails.from_settings(context.settings, topic=topic, root=context.root)
        report = evaluate_safety(rails, cases, thresholds_from_settings(context.settings))
    results = []
    for case in cases:
        category = report.categories[case.category]
        if category.skipped:
            continue
        allow = case.expect == "allow"
        flagged = case.id in category.flagged if allow else case.id not in category.missed
        passed = flagged != allow
        seen = "flagged" if flagged else "allowed"
        results.append(
            CaseResult(
                variant="guardrails",
                case_id=case.id,
                sample=0,
                tags=[case.category],
                input=case.text,
                output=seen,
                passed=passed,
                score=float(passed),
                grades=[
                    {
                        "grader": "safety",
                        "passed": passed,
                        "score": float(passed),
                        "detail": f"expected {case.expect} ({case.stage}), {seen}",
                    }
                ],
                **(usage.get(case.text, _NO_USAGE) if case.stage == "input" else _NO_USAGE),
            )
        )
    text = f"topic guard: {topic_text}\n{report.format_text()}"
    details = {**report.to_dict(), "topic_guard": topic_text}
    return _evaluation(
        context, SAFETY, (started, clock), llm, results, text, tuple(report.failures), details
    )


def _topic_guard(
    context: EvaluationContext, suite: SafetySuite, llm: BoundLLM
) -> tuple[TopicClassifier | None, str, dict[str, dict[str, Any]]]:
    """The router over skills/ when the project has one (as the copilot would route), else
    the suite's keywords; and the router's usage per text, for the case results."""
    usage: dict[str, dict[str, Any]] = {}
    if context.app is not None:
        router = context.router(llm)

        def route(text: str) -> RouteDecision:
            decision, usage[text] = _measure(llm, lambda: router.route(text))
            return decision

        described = f"the project's router ({len(router.skills)} skills)"
        return from_router(route, off_topic_intents=(OUT_OF_SCOPE,)), described, usage
    if suite.topic_keywords:
        return keyword_topics(suite.topic_keywords), "the suite's topic_keywords", usage
    return None, "none (no skills, no topic_keywords in the suite)", usage


class _MeteredRouter:
    """The router, keeping each turn's latency and model usage (the LLM fallback's calls)."""

    def __init__(self, router: Router, llm: BoundLLM) -> None:
        self.router = router
        self.llm = llm
        self.usage: list[dict[str, Any]] = []

    def route(self, text: str, context: RoutingContext | None = None) -> RouteDecision:
        decision, usage = _measure(self.llm, lambda: self.router.route(text, context))
        self.usage.append(usage)
        return decision


def _measure(llm: BoundLLM, call: Callable[[], T]) -> tuple[T, dict[str, Any]]:
    """`call()`, and what it cost as `CaseResult` fields: latency, calls, tokens, cost."""
    before: CallStats = replace(llm.stats)
    started = time.perf_counter()
    value = call()
    latency = (time.perf_counter() - started) * 1000
    after = llm.stats
    return value, {
        "latency_ms": round(latency, 3),
        "calls": after.calls - before.calls,
        "cached_calls": after.cached_calls - before.cached_calls,
        "prompt_tokens": after.prompt_tokens - before.prompt_tokens,
        "completion_tokens": after.completion_tokens - before.completion_tokens,
        "cost_usd": _spent(before.cost_usd, after.cost_usd),
        "list_cost_usd": _spent(before.list_cost_usd, after.list_cost_usd),
    }


def _spent(before: float | None, after: float | None) -> float | None:
    return None if before is None or after is None else after - before


def _evaluation(
    context: EvaluationContext,
    kind: str,
    timing: tuple[str, float],
    llm: BoundLLM,
    results: list[CaseResult],
    text: str,
    failures: tuple[str, ...],
    details: Mapping[str, Any],
) -> Evaluation:
    started, clock = timing
    label = results[0].variant if results else kind
    result = RunResult(
        suite=context.path.stem,
        suite_version=hashlib.sha256(context.path.read_bytes()).hexdigest()[:12],
        suite_kind=kind,
        started_at=started,
        git_sha=context.git_sha,
        variants=[
            {
                "label": label,
                "model": context.settings.chat_model,
                "prompt": None,
                "prompts": sorted(llm.stats.prompts),
            }
        ],
        samples=1,
        concurrency=1,
        cases=results,
        duration_s=round(time.perf_counter() - clock, 3),
        evaluation={
            "kind": kind,
            "passed": not failures,
            "failures": list(failures),
            "text": text,
            "details": dict(details),
        },
    )
    return Evaluation(result, text, failures)


def _split(
    path: Path, allowed: set[str]
) -> tuple[dict[str, Any], list[tuple[int, dict[str, Any]]]]:
    """The `{"suite": ...}` settings (checked against `allowed`) and the other JSON rows."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise BenchError(f"cannot read suite {path}: {error}") from error
    settings: dict[str, Any] = {}
    rows: list[tuple[int, dict[str, Any]]] = []
    for number, row in _rows(path.name, text):
        header = row.get("suite")
        if isinstance(header, dict) and not rows and not settings:
            unknown = set(header) - allowed
            if unknown:
                raise BenchError(
                    f"{path.name}:{number}: unknown suite setting(s) {sorted(unknown)} "
                    f"(known: {sorted(allowed)})"
                )
            settings = dict(header)
        else:
            rows.append((number, row))
    return settings, rows


def _rows(name: str, text: str) -> Iterator[tuple[int, dict[str, Any]]]:
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            raise BenchError(
                f"{name}:{number}: not JSON ({error.msg} at column {error.colno})"
            ) from error
        if not isinstance(row, dict):
            raise BenchError(f"{name}:{number}: a case is a JSON object")
        yield number, row


def _is_routing_case(row: Mapping[str, Any]) -> bool:
    return isinstance(row.get("turns"), list)


def _is_safety_case(row: Mapping[str, Any]) -> bool:
    return {"category", "stage", "expect"} <= set(row)


register_suite_kind(ROUTING, SuiteKind((), evaluate=evaluate_routing_suite, shape=_is_routing_case))
register_suite_kind(SAFETY, SuiteKind((), evaluate=evaluate_safety_suite, shape=_is_safety_case))
