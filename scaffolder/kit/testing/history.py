"""Every `llm_flaky` test's past runs, in one SQLite file, and the drift check against them.

Why: a test that still passes its SPRT can have become worse than it was (a prompt edit, a
model update), and one run says little on its own. Comparing this run with the same test's
recorded runs turns "it passed 6 of 6 for weeks and now 3 of 7" into a visible flag.

The drift rule: this run is compared with the test's previous `DRIFT_WINDOW` recorded runs,
pooled, once those hold at least `MIN_HISTORY_ATTEMPTS` attempts. The test is flagged when a
one-sided Fisher exact test finds this run's success rate lower than the pooled one with a
p-value below `drift_alpha` (default 0.01). Fisher's test is exact for the small counts a
sequential test produces. Caveat: a sequential test stops early on streaks, which biases any
single run's rate; pooling many runs and a strict alpha keep false flags rare, and a flag is
a prompt to look, never a failure by itself.

Each record is one short autocommit transaction on a fresh connection with a busy timeout, so
pytest-xdist workers can share the file.
"""

from __future__ import annotations

import math
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

DRIFT_WINDOW = 30
MIN_HISTORY_ATTEMPTS = 20
_BUSY_TIMEOUT_S = 30.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    test_id TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    mode TEXT NOT NULL,
    verdict TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    passes INTEGER NOT NULL,
    cost_usd REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_by_test ON runs (test_id, recorded_at);
"""


@dataclass(frozen=True)
class Drift:
    """This run against the pooled history of the same test."""

    history_runs: int
    history_passes: int
    history_attempts: int
    passes: int
    attempts: int
    #: One-sided Fisher exact p-value for "this run's rate is lower than history's".
    p_value: float
    flagged: bool

    def describe(self) -> str:
        past = self.history_passes / self.history_attempts
        now = self.passes / self.attempts
        return (
            f"success rate dropped: {self.passes}/{self.attempts} ({now:.0%}) now vs "
            f"{self.history_passes}/{self.history_attempts} ({past:.0%}) over the last "
            f"{self.history_runs} runs (Fisher p={self.p_value:.4f})"
        )


@dataclass(frozen=True)
class RunRecord:
    test_id: str
    mode: str
    verdict: str
    attempts: int
    passes: int
    cost_usd: float


class TestHistory:
    """The history file at `path` (created on the first record)."""

    __test__ = False  # not a test class, whatever pytest's name rules say

    def __init__(self, path: Path) -> None:
        self.path = path

    def past(self, test_id: str, window: int = DRIFT_WINDOW) -> list[tuple[int, int]]:
        """(passes, attempts) of the test's last `window` recorded runs, newest first."""
        if not self.path.is_file():
            return []
        with closing(self._connect()) as connection:
            rows = connection.execute(
                "SELECT passes, attempts FROM runs WHERE test_id = ? "
                "ORDER BY recorded_at DESC, rowid DESC LIMIT ?",
                (test_id, window),
            ).fetchall()
        return [(int(passes), int(attempts)) for passes, attempts in rows]

    def record(self, run: RunRecord) -> None:
        with closing(self._connect()) as connection:
            connection.execute(
                "INSERT INTO runs (test_id, recorded_at, mode, verdict, attempts, passes, "
                "cost_usd) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    run.test_id,
                    datetime.now(UTC).isoformat(timespec="microseconds"),
                    run.mode,
                    run.verdict,
                    run.attempts,
                    run.passes,
                    run.cost_usd,
                ),
            )

    def check_and_record(self, run: RunRecord, drift_alpha: float) -> Drift | None:
        """The drift of `run` against the history so far (None while history is too short),
        then `run` added to the history."""
        drift = drift_against(self.past(run.test_id), run.passes, run.attempts, drift_alpha)
        self.record(run)
        return drift

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(self.path, timeout=_BUSY_TIMEOUT_S, isolation_level=None)
        connection.executescript(_SCHEMA)
        return connection


def drift_against(
    past: list[tuple[int, int]], passes: int, attempts: int, drift_alpha: float
) -> Drift | None:
    """The drift check of the module docstring; None when there is too little to compare."""
    history_passes = sum(run_passes for run_passes, _ in past)
    history_attempts = sum(run_attempts for _, run_attempts in past)
    if attempts < 1 or history_attempts < MIN_HISTORY_ATTEMPTS:
        return None
    p_value = fisher_lower_tail(passes, attempts, history_passes, history_attempts)
    return Drift(
        history_runs=len(past),
        history_passes=history_passes,
        history_attempts=history_attempts,
        passes=passes,
        attempts=attempts,
        p_value=p_value,
        flagged=p_value < drift_alpha,
    )


def fisher_lower_tail(passes: int, attempts: int, other_passes: int, other_attempts: int) -> float:
    """P(X <= passes) for X hypergeometric: `attempts` drawn from all attempts pooled, of which
    `passes + other_passes` passed. Small when this sample passed less than the other."""
    total = attempts + other_attempts
    total_passes = passes + other_passes
    denominator = math.comb(total, attempts)
    lowest = max(0, attempts - (total - total_passes))
    tail = sum(
        math.comb(total_passes, drawn) * math.comb(total - total_passes, attempts - drawn)
        for drawn in range(lowest, passes + 1)
    )
    return min(1.0, tail / denominator)
