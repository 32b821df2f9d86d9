"""Graders: named functions that score one answer against one case.

A grader takes a `GradeInput` and returns a `Grade`, a bool or a float in [0, 1] (a float
passes at `threshold`, default 1.0), sync or async. Custom graders are plain functions
registered by name (`@grader("tone")` in a module listed in `[tool.copilot.bench] graders`);
other kit parts (the test plugin's structural checks, intent and guard suites) add theirs
the same way, so suites refer to every grader by name only.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import jsonschema

from scaffolder.errors import BenchError
from scaffolder.kit.bench.types import Grade, GradeInput
from scaffolder.kit.llm.repair import extract_json
from scaffolder.kit.retrieval.citations import check_citations

GraderResult = Grade | bool | float
Grader = Callable[[GradeInput], GraderResult | Awaitable[GraderResult]]
F = TypeVar("F", bound=Grader)

_REGISTRY: dict[str, Grader] = {}
_NUMBER = re.compile(r"[-+]?\d[\d,]*(?:\.\d+)?(?:[eE][-+]?\d+)?|[-+]?\.\d+")
_SPACES = re.compile(r"\s+")


def register_grader(name: str, function: Grader, *, replace: bool = False) -> None:
    if name in _REGISTRY and not replace and _REGISTRY[name] is not function:
        raise BenchError(f"a grader named {name!r} is already registered")
    _REGISTRY[name] = function


def grader(name: str) -> Callable[[F], F]:
    """Register the decorated function as the grader `name`."""

    def decorate(function: F) -> F:
        register_grader(name, function)
        return function

    return decorate


def known_graders() -> list[str]:
    return sorted(_REGISTRY)


def get_grader(name: str) -> Grader:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise BenchError(f"unknown grader {name!r} (known: {', '.join(known_graders())})") from None


async def run_grader(name: str, given: GradeInput) -> Grade:
    """Run a grader and normalise what it returned to a `Grade`."""
    result = get_grader(name)(given)
    if inspect.isawaitable(result):
        result = await result
    return as_grade(result, float(given.options.get("threshold", 1.0)))


def as_grade(result: object, threshold: float = 1.0) -> Grade:
    if isinstance(result, Grade):
        return result
    if isinstance(result, bool):
        return Grade(result, 1.0 if result else 0.0)
    if isinstance(result, int | float):
        score = min(max(float(result), 0.0), 1.0)
        return Grade(score >= threshold, score)
    raise BenchError(f"a grader returned {type(result).__name__}; expected Grade, bool or float")


def _normal(text: str, options: Any) -> str:
    text = _SPACES.sub(" ", text).strip()
    return text if options.get("case_sensitive", False) else text.casefold()


def _references(given: GradeInput) -> list[str]:
    if not given.case.references:
        raise BenchError(f"case {given.case.id!r}: this grader needs reference answers")
    return list(given.case.references)


@grader("exact")
def exact(given: GradeInput) -> Grade:
    """The answer equals one reference (whitespace and, by default, case ignored)."""
    answer = _normal(given.output.answer, given.options)
    matched = [r for r in _references(given) if _normal(r, given.options) == answer]
    return Grade(bool(matched), 1.0 if matched else 0.0, "" if matched else "no reference equal")


@grader("contains")
def contains(given: GradeInput) -> Grade:
    """Every reference (or, with `"any": true`, at least one) appears in the answer."""
    answer = _normal(given.output.answer, given.options)
    references = _references(given)
    found = [r for r in references if _normal(r, given.options) in answer]
    missing = [r for r in references if r not in found]
    passed = bool(found) if given.options.get("any") else not missing
    detail = "" if passed else f"missing: {', '.join(missing[:3])}"
    return Grade(passed, len(found) / len(references), detail)


@grader("regex")
def regex(given: GradeInput) -> Grade:
    """The answer matches the `pattern` option, or else every reference as a pattern."""
    patterns = [given.options["pattern"]] if "pattern" in given.options else _references(given)
    flags = 0 if given.options.get("case_sensitive", False) else re.IGNORECASE
    try:
        missing = [p for p in patterns if not re.search(p, given.output.answer, flags)]
    except re.error as error:
        raise BenchError(f"case {given.case.id!r}: bad regex: {error}") from error
    return Grade(not missing, 1 - len(missing) / len(patterns), f"no match: {missing[:1]}")


@grader("json_schema")
def json_schema(given: GradeInput) -> Grade:
    """The answer holds JSON valid against the `schema` option (an inline JSON Schema)."""
    schema = given.options.get("schema")
    if not isinstance(schema, dict):
        raise BenchError(f"case {given.case.id!r}: json_schema needs a 'schema' object option")
    try:
        value = extract_json(given.output.answer)
    except ValueError as error:
        return Grade(False, 0.0, f"not JSON: {error}")
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(value))
    detail = f"{errors[0].message}" if errors else ""
    return Grade(not errors, 0.0 if errors else 1.0, detail)


@grader("numeric")
def numeric(given: GradeInput) -> Grade:
    """The last number in the answer is within `tolerance` (absolute) or `relative` of a
    reference number."""
    numbers = [float(n.replace(",", "")) for n in _NUMBER.findall(given.output.answer)]
    if not numbers:
        return Grade(False, 0.0, "no number in the answer")
    got = numbers[-1]
    absolute = float(given.options.get("tolerance", 0.0))
    relative = float(given.options.get("relative", 0.0))
    for reference in _references(given):
        try:
            want = float(reference.replace(",", ""))
        except ValueError as exc:
            raise BenchError(
                f"case {given.case.id!r}: reference {reference!r} is no number"
            ) from exc
        if abs(got - want) <= max(absolute, relative * abs(want)):
            return Grade(True, 1.0)
    return Grade(False, 0.0, f"got {got:g}, want {', '.join(_references(given))}")


@grader("citations")
def citations(given: GradeInput) -> Grade:
    """Every citation points at a retrieved passage and every claim cites one; with expected
    `sources` on the case, at least one of them must be cited."""
    report = check_citations(given.output.answer, list(given.output.sources))
    problems = []
    if report.unknown:
        problems.append(f"unknown citations {list(report.unknown)}")
    if report.uncited_sentences:
        problems.append(f"{len(report.uncited_sentences)} uncited claim(s)")
    expected = set(given.case.sources)
    if expected and not report.dont_know and not set(report.cited) & expected:
        problems.append("cites none of the expected sources")
    return Grade(not problems, 0.0 if problems else 1.0, "; ".join(problems))


@grader("hit_at_k")
def hit_at_k(given: GradeInput) -> Grade:
    """An expected source is among the first `k` retrieved (default 5); score is 1/rank."""
    if not given.case.sources:
        raise BenchError(f"case {given.case.id!r}: hit_at_k needs expected 'sources'")
    k = int(given.options.get("k", 5))
    retrieved = list(given.output.sources)[:k]
    ranks = [i for i, source in enumerate(retrieved, 1) if source in given.case.sources]
    if not ranks:
        return Grade(False, 0.0, f"no expected source in the top {k}")
    return Grade(True, 1 / ranks[0], "", {"rank": ranks[0]})


@grader("intent")
def intent(given: GradeInput) -> Grade:
    """The target routed to the case's `intent`."""
    if given.case.intent is None:
        raise BenchError(f"case {given.case.id!r}: the intent grader needs an 'intent'")
    got = given.output.intent
    passed = got == given.case.intent
    return Grade(passed, float(passed), "" if passed else f"routed to {got!r}")


def _judge(given: GradeInput) -> Awaitable[Grade]:
    from scaffolder.kit.bench.judge import judge_grade

    return judge_grade(given)


def _judge_pairwise(given: GradeInput) -> Awaitable[Grade]:
    from scaffolder.kit.bench.judge import judge_pairwise_grade

    return judge_pairwise_grade(given)


register_grader("judge", _judge)
register_grader("judge_pairwise", _judge_pairwise)
