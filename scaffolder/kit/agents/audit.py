"""An append-only JSONL audit log of every proposal, decision and execution.

Why a plain file: it must survive the process, be readable with `cat`/`jq` by whoever has to
explain later why something ran, and never be rewritten. Each event is one JSON object on
one line, written with a single `write` on a file opened in append mode and flushed, so
events from concurrent writers do not interleave within a line and a crash loses at most
the event being written.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

AuditEvent = Literal["proposed", "approved", "rejected", "executed", "failed"]


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class AuditLog:
    """Appends events to `path` (created with its folder on first write)."""

    def __init__(self, path: Path, *, now: Callable[[], str] = utc_now) -> None:
        self.path = path
        self._now = now
        self._lock = threading.Lock()

    def append(self, event: AuditEvent, proposal_id: str, **details: Any) -> dict[str, Any]:
        """Write one event and return it as written."""
        record = {"at": self._now(), "event": event, "proposal": proposal_id, **details}
        line = json.dumps(record, ensure_ascii=False, sort_keys=True, default=str) + "\n"
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(line)
                handle.flush()
        return record

    def events(self) -> Iterator[dict[str, Any]]:
        """Every event so far, oldest first (nothing when the log was never written)."""
        if not self.path.is_file():
            return
        with self.path.open(encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    yield json.loads(line)
