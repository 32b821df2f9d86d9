"""Fault injection: kill an operation at its crash points and check it was all or nothing.

Commands that change several files call `scaffolder.faults.crash_point(label)` between their
steps. This harness runs such an operation in a *forked* child (milliseconds per run, no new
Python), kills the child at a chosen point, and lets the test check what is left on disk.

How to use it for a command of your own (`new`, `ingest`, `apply`...):

1. Write `prepare() -> Path`, which builds a fresh copy of the BEFORE tree each time (copy a
   template folder with `fresh_copy`, `.git` included, into a `fast_folder`: tmpfs spares
   the fsyncs), and `operation(root)`, which runs the
   real code path on it (the same function the command calls, with `handle_termination()`
   active, as in the command).
2. `points = count_points(lambda: operation(prepare()))` runs it once with
   `COPILOT_CRASH_TRACE` and returns the labels of its crash points, in order.
3. `before = snapshot(prepare())`; `after` is the snapshot after one undisturbed run
   (`run_killed(fn, 0)` never kills: point 0 is never reached).
4. For each `(point, signal)` from `choose_cases(len(points), ...)`: `root = prepare()`,
   `outcome = run_killed(lambda: operation(root), point, signal)`, then run your recovery (what
   the next command does at its start) and `check_state(snapshot(root), before, after)`, which
   returns `"before"` or `"after"` and fails the test with the differing paths on a mix.

`check_all_or_nothing` does steps 3-4 in one call and returns a `Report` (how many points
ran, how many recoveries restored something, which states were seen).

A snapshot holds every path under the root with its kind, bytes (or link target) and mode;
`exclude` names top-level entries to leave out (`.git` by default: git internals and the
journal inside them are not the user's files). Stray temporary files and backups count as
differences, so a leftover `*.copilot-tx` makes a run "mixed".

Children end with `os._exit`, so pytest's own exit handlers and buffered output never run
twice. A child that outlives `timeout` seconds is killed and reported.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import stat
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from scaffolder import faults

Snapshot = dict[str, tuple[str, bytes, int]]
State = Literal["before", "after"]
SIGNALS = ("KILL", "TERM", "HUP")


def snapshot(root: Path, exclude: Iterable[str] = (".git",)) -> Snapshot:
    """Every path under `root` (top-level names in `exclude` aside): kind, bytes, mode."""
    skipped = set(exclude)
    taken: Snapshot = {}
    for directory, subdirs, files in os.walk(root):
        here = Path(directory)
        if here == root:
            subdirs[:] = [name for name in subdirs if name not in skipped]
            files = [name for name in files if name not in skipped]
        for name in sorted(subdirs):
            path = here / name
            if path.is_symlink():
                taken[str(path.relative_to(root))] = ("symlink", str(path.readlink()).encode(), 0)
            else:
                taken[str(path.relative_to(root)) + "/"] = ("dir", b"", 0)
        for name in files:
            path = here / name
            info = path.lstat()
            relative = str(path.relative_to(root))
            if stat.S_ISLNK(info.st_mode):
                taken[relative] = ("symlink", str(path.readlink()).encode(), 0)
            else:
                taken[relative] = ("file", path.read_bytes(), stat.S_IMODE(info.st_mode))
    return dict(sorted(taken.items()))


def differences(left: Snapshot, right: Snapshot) -> list[str]:
    """Paths whose kind, bytes or mode differ, or that only one side has."""
    return sorted(path for path in left.keys() | right.keys() if left.get(path) != right.get(path))


def check_state(now: Snapshot, before: Snapshot, after: Snapshot, context: str = "") -> State:
    """ "before" or "after"; an AssertionError naming the mixed paths otherwise."""
    if now == before:
        return "before"
    if now == after:
        return "after"
    from_before, from_after = differences(now, before), differences(now, after)
    raise AssertionError(
        f"{context}: a mixed tree: differs from BEFORE in {from_before[:8]}, "
        f"from AFTER in {from_after[:8]}"
    )


def fresh_copy(source: Path, destination: Path) -> Path:
    """A copy of `source` (symlinks as links, `.git` included) at `destination`."""
    if destination.exists():
        shutil.rmtree(destination)
    shutil.copytree(source, destination, symlinks=True)
    return destination


def fast_folder(fallback: Path) -> Path:
    """A fresh folder on tmpfs (`/dev/shm`) when there is one, else under `fallback`.

    Journaled writes fsync every file; on a disk that is milliseconds each, hundreds of
    kills become minutes. Where the copies live does not change what a kill leaves behind
    (a kill is not a power cut: the kernel keeps what was written either way). The caller
    removes the folder (`shutil.rmtree`) when done."""
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK):
        return Path(tempfile.mkdtemp(prefix="copilot-faults-", dir=shm))
    fallback.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix="copilot-faults-", dir=fallback))


@dataclass(frozen=True)
class Outcome:
    """How a forked run ended: the signal that killed it, or its exit code."""

    point: int
    signal: str
    killed_by: int | None
    exit_code: int | None

    @property
    def completed(self) -> bool:
        return self.exit_code == 0


def run_killed(
    fn: Callable[[], object], point: int, signal_name: str = "KILL", timeout: float = 60.0
) -> Outcome:
    """Run `fn` in a forked child that sends itself `signal_name` at crash point `point`
    (1-based; 0 never fires). The child exits 0 when `fn` returns, 130 on KeyboardInterrupt
    (a handled SIGTERM/SIGHUP included), 1 on any other exception."""
    return _fork(fn, {faults.CRASH_AT_VARIABLE: f"{point}:{signal_name}"}, timeout, point)


def count_points(fn: Callable[[], object], timeout: float = 120.0) -> list[str]:
    """The labels of the crash points `fn` passes, in order (one undisturbed forked run)."""
    with tempfile.TemporaryDirectory(prefix="crash-trace-") as scratch:
        trace = Path(scratch, "trace")
        outcome = _fork(fn, {faults.CRASH_TRACE_VARIABLE: str(trace)}, timeout, 0)
        assert outcome.completed, f"the undisturbed run failed: {outcome}"
        lines = trace.read_text(encoding="utf-8").splitlines() if trace.exists() else []
    return [line.split("\t", 1)[1] for line in lines]


def choose_cases(
    total: int, count: int, seed: int, signals: Iterable[str] = SIGNALS
) -> list[tuple[int, str]]:
    """`count` (point, signal) pairs over points 1..total, seeded: every point is used
    before any repeats, each with a signal drawn from `signals`."""
    chooser = random.Random(seed)
    names = list(signals)
    cases: list[tuple[int, str]] = []
    while len(cases) < count and total > 0:
        points = list(range(1, total + 1))
        chooser.shuffle(points)
        cases += [(point, chooser.choice(names)) for point in points[: count - len(cases)]]
    return sorted(cases)


@dataclass
class Report:
    """What a run of `check_all_or_nothing` saw."""

    points: int
    runs: int = 0
    recovered: int = 0
    states: dict[str, int] = field(default_factory=lambda: {"before": 0, "after": 0})
    mixed: list[str] = field(default_factory=list)


def check_all_or_nothing(
    prepare: Callable[[], Path],
    operation: Callable[[Path], object],
    recover: Callable[[Path], object],
    cases: Iterable[tuple[int, str]],
    *,
    points: int,
    exclude: Iterable[str] = (".git",),
    collect: bool = False,
    verify: Callable[[Path, State], object] | None = None,
) -> Report:
    """Kill `operation` at each case, run `recover` (the next command's start), and check
    the tree is BEFORE or AFTER. A mixed tree fails at once, or, with `collect=True`, is
    recorded in the report (how a test proves the check can fail). `verify(root, state)`
    checks what a snapshot leaves out (a git index, a journal folder)."""
    excluded = tuple(exclude)
    before = snapshot(prepare(), excluded)
    root = prepare()
    assert run_killed(lambda: operation(root), 0).completed, "the undisturbed run failed"
    after = snapshot(root, excluded)
    assert after != before, "the operation changed nothing: nothing to test"
    report = Report(points)
    for point, signal_name in cases:
        root = prepare()
        outcome = run_killed(lambda: operation(root), point, signal_name)  # noqa: B023
        if recover(root) is not None:
            report.recovered += 1
        context = f"killed at point {point} with {signal_name} ({outcome})"
        report.runs += 1
        try:
            state = check_state(snapshot(root, excluded), before, after, context)
        except AssertionError as mixed:
            if not collect:
                raise
            report.mixed.append(str(mixed))
            continue
        report.states[state] += 1
        if verify is not None:
            verify(root, state)
    return report


def _fork(
    fn: Callable[[], object], environment: dict[str, str], timeout: float, point: int
) -> Outcome:
    pid = os.fork()
    if pid == 0:  # the child: run, never return into pytest
        code = 1
        try:
            faults.reset_crash_points()
            for name in (faults.CRASH_AT_VARIABLE, faults.CRASH_TRACE_VARIABLE):
                os.environ.pop(name, None)
            os.environ.update(environment)
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            os.dup2(devnull, 2)
            fn()
            code = 0
        except KeyboardInterrupt:
            code = 130
        except BaseException:
            code = 1
        finally:
            os._exit(code)
    deadline = time.monotonic() + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            raise AssertionError(f"the forked run (point {point}) took over {timeout} s")
        time.sleep(0.002)
    name = environment.get(faults.CRASH_AT_VARIABLE, "0:-").partition(":")[2]
    if os.WIFSIGNALED(status):
        return Outcome(point, name, os.WTERMSIG(status), None)
    return Outcome(point, name, None, os.WEXITSTATUS(status))
