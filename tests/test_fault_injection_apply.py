"""`copilot apply` killed at its crash points: after the next apply's recovery, the project is
exactly as before the apply or exactly as after it, never a mix.

The operation is the real command (`copilot apply ID --yes --root ...`, in-process in a forked
child, `handle_termination` included), on a proposal that edits six files, creates two (one in
a new folder) and marks itself applied: nine files in one transaction. Every crash point is
killed with SIGKILL and with SIGTERM, plus a few seeded SIGHUP kills; recovery is what every
apply does first (`recover_interrupted`).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from scaffolder.kit.code.apply import JOURNAL_DIR, recover_interrupted
from scaffolder.kit.code.proposals import PROPOSALS_DIR, Edit, propose, save_proposal
from tests.cli.conftest import Invoke
from tests.faults_harness import (
    check_all_or_nothing,
    choose_cases,
    count_points,
    fresh_copy,
    run_killed,
    snapshot,
)

EDITED = [f"pkg/mod{n}.py" for n in range(6)]
CREATED = ["pkg/new.py", "newdir/deep/created.py"]


@pytest.fixture
def template(tmp_path: Path, git_identity: None) -> tuple[Path, str]:
    """A git project with six modules and a saved proposal touching eight files."""
    root = tmp_path / "template"
    (root / "pkg").mkdir(parents=True)
    (root / "pyproject.toml").write_text('[tool.copilot]\ntemplate = "code-assistant"\n')
    for number, file in enumerate(EDITED):
        (root / file).write_text(f"def f{number}() -> int:\n    return {number}\n")
    (root / EDITED[0]).chmod(0o755)  # modes survive the round trip too
    for argv in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "start"]):
        subprocess.run(["git", *argv], cwd=root, check=True, capture_output=True)
    edits = [Edit(file, "insert_below", f"# edited {file}\n", 2, 2) for file in EDITED]
    edits += [Edit(file, "create_file", f"CREATED = {file!r}\n") for file in CREATED]
    proposal = propose(root, edits, rationale="eight files", source="test")
    save_proposal(proposal, root)
    # The journal keeps its (empty) lock file; let both BEFORE and AFTER have it.
    (root / JOURNAL_DIR).mkdir(parents=True)
    (root / JOURNAL_DIR / "lock").touch(mode=0o600)
    return root, proposal.id


def apply_command(proposal_id: str) -> Callable[[Path], object]:
    def operation(root: Path) -> object:
        result = Invoke()("apply", proposal_id, "--yes", "--root", str(root))
        if result.exit_code != 0:
            raise SystemExit(result.exit_code)
        return result

    return operation


@pytest.mark.slow
def test_a_killed_apply_is_all_or_nothing_after_recovery(
    template: tuple[Path, str], tmp_path: Path
) -> None:
    source, proposal_id = template
    work = tmp_path / "work"

    def prepare() -> Path:
        return fresh_copy(source, work)

    operation = apply_command(proposal_id)
    points = count_points(lambda: operation(prepare()))
    assert len(points) == 2 + 2 * 9 + 1, points  # journal written, complete; 9 files; removed
    cases = [(point, name) for point in range(1, len(points) + 1) for name in ("KILL", "TERM")]
    cases += choose_cases(len(points), 4, seed=15, signals=("HUP",))

    report = check_all_or_nothing(
        prepare, operation, recover_interrupted, cases, points=len(points)
    )

    assert report.runs == 2 * 21 + 4 and not report.mixed
    assert report.states["before"] > 0 and report.states["after"] > 0, report.states
    # A handled signal rolls back at once; only kills after the journal is complete need the
    # next start: those are the recoveries.
    assert report.recovered > 0


def test_the_check_sees_a_mix(template: tuple[Path, str], tmp_path: Path) -> None:
    """Without recovery, a kill between two file moves leaves a mixed tree: the check above
    would fail if recovery did not work."""
    source, proposal_id = template
    work = tmp_path / "work"
    operation = apply_command(proposal_id)
    points = count_points(lambda: operation(fresh_copy(source, work)))
    middle = points.index(f"journal: replaced {EDITED[2]}") + 1
    report = check_all_or_nothing(
        lambda: fresh_copy(source, work),
        operation,
        lambda root: None,
        [(middle, "KILL")],
        points=len(points),
        collect=True,
    )
    assert len(report.mixed) == 1, report


def test_a_killed_recovery_is_finished_by_the_next_one(
    template: tuple[Path, str], tmp_path: Path
) -> None:
    source, proposal_id = template
    work = fresh_copy(source, tmp_path / "work")
    before = snapshot(work)
    operation = apply_command(proposal_id)
    killed = run_killed(lambda: operation(work), 2 + 2 * 5, "KILL")  # five files replaced
    assert killed.killed_by is not None
    assert snapshot(work) != before
    restore_points = count_points(lambda: recover_interrupted(fresh_copy(work, tmp_path / "x")))
    assert len(restore_points) >= 9, restore_points
    interrupted = run_killed(lambda: recover_interrupted(work), 4, "KILL")
    assert interrupted.killed_by is not None
    assert recover_interrupted(work) is not None
    assert snapshot(work) == before


def test_sigterm_is_one_line_and_the_next_apply_says_it_rolled_back(
    template: tuple[Path, str], tmp_path: Path
) -> None:
    source, proposal_id = template
    work = fresh_copy(source, tmp_path / "work")
    before = snapshot(work)
    env_point = 2 + 2 * 3  # after three files were replaced
    termed = subprocess.run(
        [sys.executable, "-m", "scaffolder", "apply", proposal_id, "--yes", "--root", str(work)],
        env={**_environ(), "COPILOT_CRASH_AT": f"{env_point}:TERM"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert termed.returncode == 130, termed.stderr
    assert termed.stderr.strip().splitlines() == ["error: interrupted"]
    assert snapshot(work) == before

    run_killed(lambda: apply_command(proposal_id)(work), env_point, "KILL")
    assert snapshot(work) != before
    result = Invoke()("apply", proposal_id, "--yes", "--root", str(work))
    assert result.exit_code == 0, result.output
    assert result.stderr.strip().splitlines() == [
        f"note: rolled back an interrupted apply: restored 3 file(s) from the journal in "
        f"{work / JOURNAL_DIR}"
    ]
    assert f"Applied {proposal_id}: edited " in result.stdout
    done = json.loads((work / PROPOSALS_DIR / f"{proposal_id}.json").read_text())
    assert done["status"] == "applied"


def _environ() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("COPILOT_CRASH")}
