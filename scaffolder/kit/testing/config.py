"""Where the `llm_flaky` settings come from, strongest first: the marker's keyword arguments,
the command line, `[tool.copilot.testing]` in pyproject.toml, then the defaults below.

Why this order: a marker states what one test needs; the command line and pyproject.toml only
move the defaults every unconfigured marker gets, so a CI job can, say, raise `max_runs` for
the whole suite without editing tests.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any, Literal

from scaffolder.errors import UsageError
from scaffolder.kit.testing.sequential import CAP_RULES, DecisionRule, FixedRule, SequentialRule
from scaffolder.project import read_copilot_table

InconclusivePolicy = Literal["fail", "warn"]
INCONCLUSIVE_POLICIES: tuple[InconclusivePolicy, ...] = ("fail", "warn")
DEFAULT_HISTORY = Path(".copilot") / "test-history.sqlite"
#: Marker arguments that select the fixed k-of-n rule instead of the sequential one.
FIXED_KEYS = frozenset({"runs", "min_passes"})
SEQUENTIAL_KEYS = frozenset({"p_good", "p_bad", "alpha", "beta", "max_runs", "at_cap"})


@dataclass(frozen=True)
class TestingSettings:
    """Suite-wide defaults for `llm_flaky` tests and the run history."""

    # The sequential rule's own defaults, so the two can never disagree.
    p_good: float = SequentialRule.p_good
    p_bad: float = SequentialRule.p_bad
    alpha: float = SequentialRule.alpha
    beta: float = SequentialRule.beta
    max_runs: int = SequentialRule.max_runs
    at_cap: str = SequentialRule.at_cap
    #: What an INCONCLUSIVE verdict does to the test: fail it, or pass it with a warning.
    inconclusive: str = "fail"
    #: The history database, relative to the rootdir; empty to keep no history.
    history: str = str(DEFAULT_HISTORY)
    #: Significance level of the one-sided test that flags a drop against history.
    drift_alpha: float = 0.01

    def __post_init__(self) -> None:
        if self.inconclusive not in INCONCLUSIVE_POLICIES:
            raise UsageError(
                f"inconclusive must be one of {INCONCLUSIVE_POLICIES}, got {self.inconclusive!r}"
            )
        if self.at_cap not in CAP_RULES:
            raise UsageError(f"at_cap must be one of {CAP_RULES}, got {self.at_cap!r}")
        if not 0 < self.drift_alpha < 1:
            raise UsageError(f"drift_alpha must be in (0, 1), got {self.drift_alpha}")

    @classmethod
    def from_pyproject(cls, pyproject: Path) -> TestingSettings:
        """The defaults with `[tool.copilot.testing]` of `pyproject` over them, if it has one."""
        table = read_copilot_table(pyproject) if pyproject.is_file() else None
        section = (table or {}).get("testing", {})
        if not isinstance(section, dict):
            raise UsageError(f"{pyproject}: [tool.copilot.testing] must be a table")
        return cls().with_overrides(section, where=f"{pyproject} [tool.copilot.testing]")

    def with_overrides(self, values: Mapping[str, Any], *, where: str) -> TestingSettings:
        """These settings with `values` over them; unknown keys and wrong types are errors."""
        known = {field.name for field in fields(self)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise UsageError(f"{where}: unknown keys {unknown}; known: {sorted(known)}")
        checked = {
            name: _checked(name, value, getattr(self, name), where)
            for name, value in values.items()
        }
        return replace(self, **checked)

    @property
    def inconclusive_policy(self) -> InconclusivePolicy:
        return "warn" if self.inconclusive == "warn" else "fail"


@dataclass(frozen=True)
class MarkerPlan:
    """What one marked test runs: its decision rule and what INCONCLUSIVE does."""

    rule: DecisionRule
    inconclusive: InconclusivePolicy

    @property
    def mode(self) -> str:
        return "fixed" if isinstance(self.rule, FixedRule) else "sequential"


def plan_for(
    marker_args: tuple[Any, ...], marker_kwargs: Mapping[str, Any], settings: TestingSettings
) -> MarkerPlan:
    """The plan for a test marked `llm_flaky(*marker_args, **marker_kwargs)`."""
    where = "@pytest.mark.llm_flaky"
    if marker_args:
        raise UsageError(f"{where} takes keyword arguments only, got {marker_args!r}")
    allowed = FIXED_KEYS | SEQUENTIAL_KEYS | {"inconclusive"}
    unknown = sorted(set(marker_kwargs) - allowed)
    if unknown:
        raise UsageError(f"{where}: unknown arguments {unknown}; known: {sorted(allowed)}")
    fixed = FIXED_KEYS & set(marker_kwargs)
    if fixed:
        if fixed != FIXED_KEYS:
            raise UsageError(f"{where}: fixed mode needs both runs and min_passes")
        mixed = sorted(SEQUENTIAL_KEYS & set(marker_kwargs))
        if mixed:
            raise UsageError(f"{where}: {mixed} belong to sequential mode, not runs/min_passes")
        runs = _checked("runs", marker_kwargs["runs"], 0, where)
        min_passes = _checked("min_passes", marker_kwargs["min_passes"], 0, where)
        return MarkerPlan(FixedRule(runs=runs, min_passes=min_passes), settings.inconclusive_policy)
    merged = settings.with_overrides(marker_kwargs, where=where)
    rule = SequentialRule(
        p_good=merged.p_good,
        p_bad=merged.p_bad,
        alpha=merged.alpha,
        beta=merged.beta,
        max_runs=merged.max_runs,
        at_cap="llr-sign" if merged.at_cap == "llr-sign" else "inconclusive",
    )
    return MarkerPlan(rule, merged.inconclusive_policy)


def _checked(name: str, value: Any, like: Any, where: str) -> Any:
    """`value` if it has the type of the default `like` (ints are fine where floats are)."""
    if isinstance(value, bool):
        raise UsageError(f"{where}: {name} must not be a boolean, got {value!r}")
    if isinstance(like, int):
        if isinstance(value, int):
            return value
        raise UsageError(f"{where}: {name} must be an integer, got {value!r}")
    if isinstance(like, float):
        if isinstance(value, int | float):
            return float(value)
        raise UsageError(f"{where}: {name} must be a number, got {value!r}")
    if isinstance(value, str):
        return value
    raise UsageError(f"{where}: {name} must be a string, got {value!r}")
