"""Crash points: where the fault-injection tests stop a command that is changing files.

Commands that change several files (`update`, `new`, `ingest`, `apply`) call `crash_point()`
between their steps: after a journal is written, between two file moves, before the answers file
is replaced. Normally it does nothing but count. When the environment variable
`COPILOT_CRASH_AT` is `N:SIGNAL` (for example `7:KILL` or `3:TERM`), the N-th crash point this
process reaches sends SIGNAL to the process itself, so the test sees exactly what a user who
pressed Ctrl-C, closed the terminal or lost power at that moment would see. SQLite's crash
tests and git's lock-file-and-rename are the model: the tests kill at every point, then check
that the tree is exactly the old one or exactly the new one.

The variable is read at every call (a test process sets it per run); counting costs a dict
lookup, nothing more. `COPILOT_CRASH_TRACE=FILE` appends each point's label to FILE, which is
how a test learns how many points an operation has before it chooses where to kill.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

CRASH_AT_VARIABLE = "COPILOT_CRASH_AT"
CRASH_TRACE_VARIABLE = "COPILOT_CRASH_TRACE"

_SIGNALS = {
    "KILL": signal.SIGKILL,
    "TERM": signal.SIGTERM,
    "HUP": signal.SIGHUP,
    "INT": signal.SIGINT,
}

_reached = 0


def crash_point(label: str) -> None:
    """Count one step of a multi-file change; stop here if a test asked for it."""
    global _reached
    setting = os.environ.get(CRASH_AT_VARIABLE)
    trace = os.environ.get(CRASH_TRACE_VARIABLE)
    if setting is None and trace is None:
        return
    _reached += 1
    if trace:
        with Path(trace).open("a", encoding="utf-8") as out:
            out.write(f"{_reached}\t{label}\n")
    if setting is None:
        return
    number, _, name = setting.partition(":")
    if number.isdigit() and int(number) == _reached:
        os.kill(os.getpid(), _SIGNALS.get(name.upper(), signal.SIGKILL))


def reset_crash_points() -> None:
    """Start counting from zero again (a forked test child calls this before it runs)."""
    global _reached
    _reached = 0
