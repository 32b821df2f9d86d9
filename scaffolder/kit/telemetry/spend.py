"""The production cost alert: spend over a rolling window past a threshold.

Why: a prompt that grows, a retry storm or a chatty user can multiply the bill long before a
monthly invoice says so. Every model call whose cost is known adds to a rolling window
(`cost_alert_window_minutes`); when the window's spend passes `cost_alert_usd`, one warning
is logged and posted to the benchmark cost alerts' webhook (`COPILOT_BENCH_WEBHOOK` or
`[tool.copilot.bench] webhook_url`), then nothing more until a whole window has passed, so a
burst gives one alert, not one per call.

The window is kept in memory per process: each server worker watches its own spend (set the
threshold per worker). The webhook is posted from a background thread, so a slow hook never
delays a turn; a hook that fails is one logged line.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CostAlertConfig:
    threshold_usd: float
    window_seconds: float = 3600.0
    webhook_url: str | None = None

    def __post_init__(self) -> None:
        if self.threshold_usd <= 0 or self.window_seconds <= 0:
            raise ValueError("a cost alert needs a positive threshold and window")


@dataclass(frozen=True)
class SpendAlert:
    spent_usd: float
    threshold_usd: float
    window_seconds: float
    service: str

    @property
    def message(self) -> str:
        return (
            f"{self.service}: model spend ${self.spent_usd:.4f} in the last "
            f"{_duration(self.window_seconds)}, over the ${self.threshold_usd:.4f} alert threshold"
        )

    def body(self) -> dict[str, Any]:
        return {
            "text": self.message,
            "production_cost": {
                "service": self.service,
                "spent_usd": round(self.spent_usd, 6),
                "threshold_usd": self.threshold_usd,
                "window_seconds": self.window_seconds,
            },
        }


class SpendAlarm:
    """Adds up call costs over a rolling window and alerts at most once per window."""

    def __init__(
        self,
        config: CostAlertConfig,
        *,
        service: str = "copilot",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`clock` gives seconds (monotonic): the window is measured with it."""
        self.config = config
        self.service = service
        self._clock = clock
        self._lock = threading.Lock()
        self._spends: deque[tuple[float, float]] = deque()
        self._total = 0.0
        self._alerted_at: float | None = None
        self._posts: list[threading.Thread] = []
        #: Every alert raised, newest last (what a status page or a test can read).
        self.alerts: list[SpendAlert] = []

    def spent(self, cost_usd: float) -> SpendAlert | None:
        """Count one call's cost; the alert it raised, if it raised one."""
        now = self._clock()
        window = self.config.window_seconds
        with self._lock:
            self._spends.append((now, cost_usd))
            self._total += cost_usd
            while self._spends and self._spends[0][0] <= now - window:
                self._total -= self._spends.popleft()[1]
            if not self._spends:
                self._total = 0.0  # no float drift survives an empty window
            if self._total <= self.config.threshold_usd:
                return None
            if self._alerted_at is not None and now - self._alerted_at < window:
                return None
            self._alerted_at = now
            alert = SpendAlert(self._total, self.config.threshold_usd, window, self.service)
            self.alerts.append(alert)
        logger.warning("cost alert: %s", alert.message)
        if self.config.webhook_url:
            thread = threading.Thread(
                target=self._deliver, args=(self.config.webhook_url, alert), daemon=True
            )
            with self._lock:
                self._posts = [t for t in self._posts if t.is_alive()]
                self._posts.append(thread)
            thread.start()
        return alert

    def wait(self, timeout: float | None = None) -> None:
        """Wait for the webhook posts under way (at shutdown, and in tests)."""
        with self._lock:
            posts = list(self._posts)
        for thread in posts:
            thread.join(timeout)

    def _deliver(self, url: str, alert: SpendAlert) -> None:
        from scaffolder.kit.telemetry.webhook import post_json

        problem = post_json(url, alert.body())
        if problem is not None:
            logger.warning("%s", problem)


def _duration(seconds: float) -> str:
    if seconds % 3600 == 0:
        hours = int(seconds // 3600)
        return f"{hours} hour{'s' if hours != 1 else ''}"
    if seconds % 60 == 0:
        return f"{int(seconds // 60)} min"
    return f"{seconds:g} s"
