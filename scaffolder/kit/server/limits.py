"""Per-client rate limits: one token bucket per API key or client address.

A bucket holds up to `per_minute` tokens and refills continuously, so a client may burst up to
its minute's allowance and then proceeds at the steady rate. The clock is injectable so tests
can advance time instead of sleeping.
"""

from __future__ import annotations

import time
from collections.abc import Callable


class RateLimiter:
    """Not thread-safe: the server calls it from its event loop only."""

    def __init__(
        self,
        per_minute: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_clients: int = 10_000,
    ) -> None:
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self.clock = clock
        self.max_clients = max_clients
        self._buckets: dict[str, tuple[float, float]] = {}

    def __len__(self) -> int:
        """How many clients have a bucket."""
        return len(self._buckets)

    def take(self, client: str) -> float:
        """Spend one token for `client`: 0.0 when allowed, else the seconds until one is free."""
        now = self.clock()
        tokens = self._level(client, now)
        if tokens >= 1.0:
            self._buckets[client] = (tokens - 1.0, now)
            self._forget_idle(now)
            return 0.0
        self._buckets[client] = (tokens, now)
        return (1.0 - tokens) / self.rate

    def _level(self, client: str, now: float) -> float:
        tokens, last = self._buckets.get(client, (self.capacity, now))
        return min(self.capacity, tokens + max(now - last, 0.0) * self.rate)

    def _forget_idle(self, now: float) -> None:
        """Keep at most `max_clients` buckets, or every address ever seen would stay in memory.
        Full buckets go first (a full bucket is the same as none); if that is not enough, the
        oldest clients go, down to 90%, so the sweep runs rarely even under a flood of
        addresses."""
        if len(self._buckets) <= self.max_clients:
            return
        for client in [c for c in self._buckets if self._level(c, now) >= self.capacity]:
            del self._buckets[client]
        excess = len(self._buckets) - int(self.max_clients * 0.9)
        for client in list(self._buckets)[: max(excess, 0)]:
            del self._buckets[client]
