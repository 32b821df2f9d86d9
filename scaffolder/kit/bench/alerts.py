"""Cost alerts: a run whose cost per case jumps past a threshold against the last stored run.

Why: a prompt that doubles in length, or a model switch, can double the bill without failing
any case. After each run, every variant's list cost per case (cache replays count at list
price, so a cached re-run is not a "saving") is compared with the same variant in the last
stored run of the suite; a jump over `cost_alert` gives a warning and, when a webhook URL is
set, a JSON POST (`{"text": ...}`, which Slack and Teams incoming webhooks accept).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from scaffolder.kit.bench.results import RunResult, load_run, stored_runs
from scaffolder.kit.telemetry.webhook import post_json


@dataclass(frozen=True)
class CostAlert:
    suite: str
    variant: str
    previous: float
    current: float
    previous_run: str

    @property
    def increase(self) -> float:
        return float("inf") if self.previous == 0 else self.current / self.previous - 1

    @property
    def message(self) -> str:
        rise = "from zero" if self.previous == 0 else f"+{self.increase:.0%}"
        return (
            f"bench {self.suite} [{self.variant}]: cost per case ${self.current:.6f}, "
            f"{rise} against ${self.previous:.6f} in {self.previous_run}"
        )


def cost_alerts(
    run: RunResult, previous: RunResult, previous_name: str, threshold: float
) -> list[CostAlert]:
    alerts = []
    before = {summary.label: summary for summary in previous.summaries()}
    for summary in run.summaries():
        old = before.get(summary.label)
        if old is None or old.cost_per_case is None or summary.cost_per_case is None:
            continue
        alert = CostAlert(
            run.suite, summary.label, old.cost_per_case, summary.cost_per_case, previous_name
        )
        if summary.cost_per_case > old.cost_per_case and alert.increase > threshold:
            alerts.append(alert)
    return alerts


def last_run(root: Path, suite: str, exclude: Path | None = None) -> tuple[RunResult, str] | None:
    """The newest stored run of `suite` other than `exclude`, with its file name."""
    for path in reversed(stored_runs(root, suite)):
        if exclude is not None and path.resolve() == exclude.resolve():
            continue
        return load_run(path), path.name
    return None


def post_webhook(url: str, alerts: list[CostAlert]) -> str | None:
    """POST the alerts; returns a one-line problem when the hook could not be reached."""
    body = {
        "text": "\n".join(alert.message for alert in alerts),
        "alerts": [
            {
                "suite": a.suite,
                "variant": a.variant,
                "previous_cost_per_case": a.previous,
                "cost_per_case": a.current,
                "previous_run": a.previous_run,
            }
            for a in alerts
        ],
    }
    return post_json(url, body)
