"""Running a suite: every case, for every variant and sample, concurrently and graded.

Why it is built this way: a benchmark of 1000 cases against a model with one second of
latency must not take 1000 seconds, and an unchanged re-run must not cost anything. Units
of work (variant x case x sample) run as asyncio tasks behind a semaphore (`concurrency`);
synchronous targets run on a thread pool of the same size. Model calls go through the
project's `LLM`, so the record/replay cache answers repeated calls and retries follow the
usual policy. When a case still ends in a rate-limit error, the run closes a shared gate for
the wait the server asked for, so every worker backs off, not just the one that was told,
and the case is tried again.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import inspect
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from scaffolder.errors import BenchError, CopilotError, RateLimitedError, first_line
from scaffolder.kit.bench.graders import run_grader
from scaffolder.kit.bench.results import CaseResult, RunResult, Variant, now
from scaffolder.kit.bench.suite import Case, GraderSpec, Suite
from scaffolder.kit.bench.targets import BoundLLM, CaseInput, Target, suite_kind
from scaffolder.kit.bench.types import GradeInput, TargetOutput
from scaffolder.kit.llm.client import LLM
from scaffolder.kit.llm.cost import ledger_scope

JUDGE_GRADERS = ("judge", "judge_pairwise")
#: Rate-limited attempts per case before it is recorded as an error.
RATE_LIMIT_ATTEMPTS = 4
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class RunOptions:
    samples: int = 1
    concurrency: int = 8
    judge_model: str | None = None
    git_sha: str = "nogit"


class RateGate:
    """A shared pause: closed for a while after a rate limit, checked before every unit."""

    def __init__(self) -> None:
        self._open_at = 0.0

    async def wait(self) -> None:
        delay = self._open_at - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)

    def close_for(self, seconds: float) -> None:
        self._open_at = max(self._open_at, time.monotonic() + seconds)


async def run_suite(
    llm: LLM,
    suite: Suite,
    targets: Sequence[tuple[Variant, Target]],
    options: RunOptions,
    on_progress: Progress | None = None,
) -> RunResult:
    """Run every case of `suite` for every (variant, target) and `options.samples` samples."""
    if options.samples < 1 or options.concurrency < 1:
        raise BenchError("--samples and --concurrency must be at least 1")
    runner = _Runner(llm, suite, options, on_progress)
    started, clock = now(), time.perf_counter()
    units = [
        (variant, target, case, sample)
        for variant, target in targets
        for case in suite.cases
        for sample in range(options.samples)
    ]
    runner.total = len(units)
    with (
        ledger_scope(f"bench {suite.name}"),
        ThreadPoolExecutor(options.concurrency, thread_name_prefix="bench") as pool,
    ):
        runner.pool = pool
        results = await asyncio.gather(*(runner.unit(*unit) for unit in units))
    return RunResult(
        suite=suite.name,
        suite_version=suite.version,
        suite_kind=suite.kind,
        started_at=started,
        git_sha=options.git_sha,
        variants=[
            {
                "label": variant.label,
                "model": variant.model,
                "prompt": variant.prompt,
                "prompts": sorted(
                    {p for r in results if r.variant == variant.label for p in r.prompts}
                ),
            }
            for variant, _ in targets
        ],
        samples=options.samples,
        concurrency=options.concurrency,
        cases=list(results),
        duration_s=round(time.perf_counter() - clock, 3),
    )


class _Runner:
    def __init__(
        self, llm: LLM, suite: Suite, options: RunOptions, on_progress: Progress | None
    ) -> None:
        self.llm = llm
        self.suite = suite
        self.options = options
        self.on_progress = on_progress
        self.semaphore = asyncio.Semaphore(options.concurrency)
        self.gate = RateGate()
        self.default_graders = suite.graders or suite_kind(suite.kind).graders
        self.done = 0
        self.total = 0
        self.pool: ThreadPoolExecutor | None = None

    async def unit(self, variant: Variant, target: Target, case: Case, sample: int) -> CaseResult:
        async with self.semaphore:
            bound = BoundLLM(self.llm, variant.model, sample)
            started = time.perf_counter()
            output, error = await self._attempt(target, case, bound)
            latency = (time.perf_counter() - started) * 1000
            grades: list[dict[str, Any]] = []
            if output is not None:
                grades, error = await self._grade(case, output)
        self.done += 1
        if self.on_progress is not None:
            self.on_progress(self.done, self.total)
        passed = error is None and bool(grades) and all(g["passed"] for g in grades)
        ungraded = error is None and any(g.get("ungraded") for g in grades)
        stats = bound.stats
        return CaseResult(
            variant=variant.label,
            case_id=case.id,
            sample=sample,
            tags=list(case.tags),
            input=case.text,
            output=output.answer if output is not None else "",
            passed=passed,
            score=sum(g["score"] for g in grades) / len(grades) if grades and not error else 0.0,
            grades=grades,
            latency_ms=round(latency, 3),
            calls=stats.calls,
            cached_calls=stats.cached_calls,
            prompt_tokens=stats.prompt_tokens,
            completion_tokens=stats.completion_tokens,
            cost_usd=stats.cost_usd,
            list_cost_usd=stats.list_cost_usd,
            prompts=sorted(stats.prompts),
            error=error,
            ungraded=ungraded,
        )

    async def _attempt(
        self, target: Target, case: Case, llm: BoundLLM
    ) -> tuple[TargetOutput | None, str | None]:
        for attempt in range(1, RATE_LIMIT_ATTEMPTS + 1):
            await self.gate.wait()
            try:
                return TargetOutput.of(await self._call(target, CaseInput.of(case), llm)), None
            except RateLimitedError as error:
                if attempt == RATE_LIMIT_ATTEMPTS:
                    return None, first_line(error)
                self.gate.close_for(error.retry_after or 2.0**attempt)
            except CopilotError as error:
                return None, first_line(error)
            except Exception as error:  # a bug in the project's target: record it, go on
                return None, f"{type(error).__name__}: {first_line(error)}"
        raise AssertionError("unreachable")  # pragma: no cover

    async def _call(self, target: Target, case: CaseInput, llm: LLM) -> object:
        call = getattr(target, "__call__", target)  # noqa: B004 (instances with async __call__)
        if inspect.iscoroutinefunction(target) or inspect.iscoroutinefunction(call):
            return await target(case, llm)  # type: ignore[misc]
        context = contextvars.copy_context()
        loop = asyncio.get_running_loop()
        result = await loop.run_in_executor(
            self.pool, functools.partial(context.run, target, case, llm)
        )
        return await result if inspect.isawaitable(result) else result

    async def _grade(
        self, case: Case, output: TargetOutput
    ) -> tuple[list[dict[str, Any]], str | None]:
        grades: list[dict[str, Any]] = []
        for spec in case.graders or self.default_graders:
            given = GradeInput(case, output, self._options(spec), self.llm)
            try:
                grade = await run_grader(spec.name, given)
            except CopilotError as error:
                return grades, f"grader {spec.name}: {first_line(error)}"
            grades.append(
                {
                    "grader": spec.name,
                    "passed": grade.passed,
                    "score": round(grade.score, 4),
                    "detail": grade.detail,
                    **({"extra": dict(grade.extra)} if grade.extra else {}),
                    **({"ungraded": True} if grade.ungraded else {}),
                }
            )
        return grades, None

    def _options(self, spec: GraderSpec) -> dict[str, Any]:
        options = dict(spec.options)
        if spec.name in JUDGE_GRADERS and self.options.judge_model:
            options.setdefault("model", self.options.judge_model)
        return options
