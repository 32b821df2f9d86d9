"""Run results: `benchmarks/results/<time>-<git sha>.json`, and their summaries.

A results file cites everything needed to trust or redo a number: the suite and its
version (a hash of the suite file), the git commit, each variant's model and the prompt
versions (`name@version`) its calls actually used, and every case's output, grades,
latency, tokens and cost.

A case whose grader reached no verdict (a judge reply with no grade in it) is "ungraded": it
is counted apart and left out of pass rates and intervals, since scoring it as a failure
would blame the answer for the judge's format. A run with more than `max_ungraded` of its
results ungraded fails (`ungraded_failures`): its pass rate stands on too few verdicts.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scaffolder.errors import BenchError
from scaffolder.kit.bench.stats import percentile, wilson
from scaffolder.kit.bench.suite import SUITES_DIR

RESULTS_DIR = Path(SUITES_DIR) / "results"
SCHEMA = 1


@dataclass
class CaseResult:
    variant: str
    case_id: str
    sample: int
    tags: list[str]
    input: str
    output: str
    passed: bool
    score: float
    grades: list[dict[str, Any]] = field(default_factory=list)
    latency_ms: float = 0.0
    calls: int = 0
    cached_calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float | None = 0.0
    list_cost_usd: float | None = 0.0
    prompts: list[str] = field(default_factory=list)
    error: str | None = None
    #: A grader reached no verdict: neither passed nor failed, out of the pass rate.
    ungraded: bool = False


@dataclass(frozen=True)
class Variant:
    """One column of a side-by-side: a model and/or a prompt (None: the configured one)."""

    model: str | None = None
    prompt: str | None = None

    @property
    def label(self) -> str:
        parts = [self.model or "default model"]
        if self.prompt:
            parts.append(f"prompt {self.prompt}")
        return ", ".join(parts)


@dataclass
class VariantSummary:
    label: str
    results: int
    passed: int
    interval: tuple[float, float]
    cost_usd: float | None
    list_cost_usd: float | None
    latency_p50_ms: float
    latency_p95_ms: float
    tokens: int
    errors: int
    calls: int
    cached_calls: int
    prompts: list[str]
    ungraded: int = 0

    @property
    def graded(self) -> int:
        """Results with a verdict (errors count as failures): what pass rates are out of."""
        return self.results - self.ungraded

    @property
    def pass_rate(self) -> float:
        return self.passed / self.graded if self.graded else 0.0

    @property
    def ungraded_share(self) -> float:
        return self.ungraded / self.results if self.results else 0.0

    @property
    def cost_per_case(self) -> float | None:
        """List cost per result: the cost of the configuration, whether cached or not."""
        if self.list_cost_usd is None or not self.results:
            return None
        return self.list_cost_usd / self.results


@dataclass
class RunResult:
    suite: str
    suite_version: str
    suite_kind: str
    started_at: str
    git_sha: str
    variants: list[dict[str, Any]]
    samples: int
    concurrency: int
    cases: list[CaseResult]
    duration_s: float = 0.0
    schema: int = SCHEMA
    #: Whole-suite kinds (routing, safety): their own report, `{"kind", "passed", "failures",
    #: "text", "details"}`, since their verdict is not a pass rate over cases.
    evaluation: dict[str, Any] | None = None

    def labels(self) -> list[str]:
        return [variant["label"] for variant in self.variants]

    def for_variant(self, label: str) -> list[CaseResult]:
        return [case for case in self.cases if case.variant == label]

    def summary(self, label: str) -> VariantSummary:
        return summarize(label, self.for_variant(label))

    def summaries(self) -> list[VariantSummary]:
        return [self.summary(label) for label in self.labels()]

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    def save(self, root: Path) -> Path:
        folder = root / RESULTS_DIR
        folder.mkdir(parents=True, exist_ok=True)
        stamp = self.started_at.replace("-", "").replace(":", "").split(".")[0]
        path = folder / f"{stamp}-{self.git_sha}.json"
        counter = 1
        while path.exists():
            counter += 1
            path = folder / f"{stamp}-{self.git_sha}-{counter}.json"
        path.write_text(json.dumps(self.as_json(), indent=1, ensure_ascii=False), "utf-8")
        return path


def summarize(label: str, results: Iterable[CaseResult]) -> VariantSummary:
    rows = list(results)
    passed = sum(row.passed for row in rows)
    ungraded = sum(row.ungraded for row in rows)
    latencies = [row.latency_ms for row in rows if row.error is None]
    return VariantSummary(
        label=label,
        results=len(rows),
        passed=passed,
        interval=wilson(passed, len(rows) - ungraded),
        cost_usd=_total(row.cost_usd for row in rows),
        list_cost_usd=_total(row.list_cost_usd for row in rows),
        latency_p50_ms=percentile(latencies, 0.5),
        latency_p95_ms=percentile(latencies, 0.95),
        tokens=sum(row.prompt_tokens + row.completion_tokens for row in rows),
        errors=sum(row.error is not None for row in rows),
        calls=sum(row.calls for row in rows),
        cached_calls=sum(row.cached_calls for row in rows),
        prompts=sorted({prompt for row in rows for prompt in row.prompts}),
        ungraded=ungraded,
    )


def ungraded_failures(run: RunResult, max_share: float) -> list[str]:
    """One line per variant with more than `max_share` of its results ungraded (empty: fine)."""
    return [
        f"{s.label}: {s.ungraded} of {s.results} results ({s.ungraded_share:.0%}) ungraded, "
        f"over the allowed {max_share:.0%} (max_ungraded): the judge's replies had no grade "
        "it could read; the pass rate stands on too few verdicts"
        for s in run.summaries()
        if s.ungraded_share > max_share
    ]


def _total(costs: Iterable[float | None]) -> float | None:
    """A sum that stays unknown when any part is: unknown costs are never reported as 0."""
    total = 0.0
    for cost in costs:
        if cost is None:
            return None
        total += cost
    return total


def load_run(path: Path) -> RunResult:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise BenchError(f"cannot read results {path}: {error}") from error
    except json.JSONDecodeError as error:
        raise BenchError(
            f"{path} is not a results file: {error.msg} at line {error.lineno}"
        ) from error
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise BenchError(f"{path} is not a copilot bench results file (schema {SCHEMA})")
    try:
        cases = [CaseResult(**case) for case in data.pop("cases")]
        return RunResult(cases=cases, **data)
    except (TypeError, KeyError) as error:
        raise BenchError(f"{path} is damaged: {error}") from error


def resolve_run(root: Path, name: str) -> Path:
    """A results file by path, by file name under benchmarks/results, or `latest`."""
    folder = root / RESULTS_DIR
    if name == "latest":
        runs = stored_runs(root)
        if not runs:
            raise BenchError(f"no results in {RESULTS_DIR}/ yet: run `copilot bench run` first")
        return runs[-1]
    for candidate in (Path(name), folder / name, folder / f"{name}.json"):
        if candidate.is_file():
            return candidate
    raise BenchError(f"no results file {name!r} (looked in {RESULTS_DIR}/)")


def stored_runs(root: Path, suite: str | None = None) -> list[Path]:
    """Results files, oldest first (names start with the UTC time), optionally of one suite."""
    folder = root / RESULTS_DIR
    paths = sorted(folder.glob("*.json"), key=_run_order) if folder.is_dir() else []
    if suite is None:
        return paths
    return [path for path in paths if _suite_of(path) == suite]


def _run_order(path: Path) -> tuple[str, int, str]:
    """Time first; within one second, `<time>-<sha>-2` after `<time>-<sha>` (by name alone
    "-" sorts before ".", and routing runs take milliseconds, so this happens)."""
    stamp, _, rest = path.stem.partition("-")
    return stamp, len(rest), rest


def _suite_of(path: Path) -> str | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data.get("suite") if isinstance(data, Mapping) else None


def git_sha(root: Path) -> str:
    """The short commit of the project, `nogit` outside a repository (read-only git call)."""
    try:
        found = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return "nogit"
    return found.stdout.strip() if found.returncode == 0 and found.stdout.strip() else "nogit"


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")
