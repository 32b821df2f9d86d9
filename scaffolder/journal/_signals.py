"""Signals around a transaction: SIGTERM and SIGHUP raised like Ctrl-C, so a rollback runs,
and all three held back while a rollback restores files (package doc)."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType

_HANDLED = (signal.SIGTERM, signal.SIGHUP)


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP, raised like Ctrl-C so every `finally` and rollback runs."""

    def __init__(self, signum: int) -> None:
        super().__init__(f"terminated by {signal.Signals(signum).name}")
        self.signum = signum


@contextlib.contextmanager
def handle_termination() -> Iterator[None]:
    """Turn SIGTERM and SIGHUP into `Terminated` for the duration of the block.

    By default both end Python without running `finally` blocks, so a rollback in one would
    never happen. Python runs signal handlers only in the main thread; elsewhere this does
    nothing (the journal still covers the kill at the next start)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def raise_terminated(signum: int, frame: FrameType | None) -> None:
        raise Terminated(signum)

    previous = {number: signal.signal(number, raise_terminated) for number in _HANDLED}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler if handler is not None else signal.SIG_DFL)


@contextlib.contextmanager
def signals_deferred() -> Iterator[None]:
    """Hold Ctrl-C, SIGTERM and SIGHUP back while a rollback restores files: a second
    signal must not stop the repair of the first (it is delivered right after)."""
    held = {signal.SIGINT, *_HANDLED}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
