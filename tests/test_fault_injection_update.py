"""`copilot update` killed at its crash points (KILL, TERM, HUP) is all or nothing.

Copier's merge is slow (seconds) and deterministic, so it runs once per test; the kills land
in the journaled copy-back through `apply_update`, the function `update_project` calls, on a
fresh copy of the project each time (forked children, milliseconds each). A few kills also
land in the whole command. After each kill, `recover_interrupted_update` (what the next
`copilot update` or `copilot doctor` runs first) must leave the project exactly as before the
update or exactly as after it, git index included, with no stray files.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from scaffolder.journal import FileTransaction
from scaffolder.scaffold import NewProjectRequest, UpdateRequest, create_project, update_project
from scaffolder.scaffold._update import apply_update, prepare_update, recover_interrupted_update
from scaffolder.scaffold._update_apply import MergedUpdate
from tests.conftest import HistoryBuilder, Modifier, append_line, combine, replace_text
from tests.faults_harness import (
    SIGNALS,
    State,
    check_all_or_nothing,
    choose_cases,
    count_points,
    fast_folder,
    fresh_copy,
)

pytestmark = pytest.mark.usefixtures("git_identity")

SHARED = (
    "base/.gitignore.jinja",
    "base/Makefile.jinja",
    "base/Dockerfile.jinja",
    "base/.env.example.jinja",
    "base/.dockerignore.jinja",
    "base/{% if hosting == 'docker-compose' %}compose.yaml{% endif %}.jinja",
    "base/{% if hosting == 'docker-compose' %}otel-collector.yaml{% endif %}.jinja",
    "base/src/{{ package_name }}/config.py.jinja",
    "qa_rag/tests/test_prompts.py.jinja",
    "base/pyproject.toml.jinja",
    "base/{% if ci == 'github-actions' %}.github{% endif %}/workflows/ci.yml.jinja",
)


def git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=root, check=True, capture_output=True, text=True
    ).stdout


def drop(relative: str) -> Modifier:
    def modify(templates: Path) -> None:
        (templates / relative).unlink()

    return modify


def add(relative: str) -> Modifier:
    def modify(templates: Path) -> None:
        (templates / relative).parent.mkdir(parents=True, exist_ok=True)
        (templates / relative).write_text("new in 1.1.0\n")

    return modify


@pytest.fixture
def scenario(histories: HistoryBuilder, tmp_path: Path) -> tuple[Path, HistoryBuilder]:
    """A project with a user edit that conflicts, and a 1.1.0 that modifies many files,
    adds two (one in a new folder), deletes one and changes the README the user changed."""
    project = create_project(
        NewProjectRequest("qa-rag", tmp_path / "bot"), histories.history()
    ).destination
    readme = project / "README.md"
    readme.write_text(readme.read_text().replace("## Updating", "## Updating (ours)"))
    git(project, "commit", "-qam", "ours")
    histories.release(
        "1.1.0",
        combine(
            *(append_line(relative, "# 1.1.0") for relative in SHARED),
            replace_text("base/README.md.jinja", "## Updating", "## Updating (theirs)"),
            add("qa_rag/NOTES.md"),
            add("qa_rag/docs/new/deep.md"),
            drop("qa_rag/data/lumen-warranty.md"),
        ),
    )
    return project, histories


@pytest.fixture
def runs(tmp_path: Path) -> Iterator[Path]:
    """Where each kill's copy of the project lives (tmpfs when there is one)."""
    folder = fast_folder(tmp_path)
    yield folder / "run"
    shutil.rmtree(folder, ignore_errors=True)


def verify_git(root: Path, state: State) -> None:
    """What the snapshot leaves out: the index's conflict marks, and no leftovers in
    `.git/copilot` (the journal folder holds only its lock once recovered)."""
    unmerged = git(root, "ls-files", "-u")
    assert bool(unmerged) == (state == "after"), f"index does not match the {state} tree"
    leftovers = sorted(p.name for p in (root / ".git" / "copilot").rglob("*"))
    assert leftovers in (["lock", "update-journal"], []), leftovers


def test_every_kill_point_in_the_copy_back_leaves_old_or_new(
    scenario: tuple[Path, HistoryBuilder], tmp_path: Path, runs: Path
) -> None:
    project, histories = scenario
    prepared = prepare_update(
        UpdateRequest(project), tmp_path / "scratch", histories.history("1.1.0")
    )
    merged = prepared.merged
    assert merged is not None and merged.conflicts
    assert {c.kind for c in merged.changes} == {"added", "modified", "deleted"}

    def prepare() -> Path:
        return fresh_copy(project, runs)

    def operation(root: Path) -> None:
        apply_update(root, merged)

    points = count_points(lambda: operation(prepare()))
    cases = [(point, name) for point in range(1, len(points) + 1) for name in SIGNALS]
    report = check_all_or_nothing(
        prepare,
        operation,
        recover_interrupted_update,
        cases,
        points=len(points),
        verify=verify_git,
    )
    print(f"copy-back: {len(points)} crash points, {report.runs} kills, {report.states}, "
          f"{report.recovered} rolled back at the next start")  # fmt: skip
    assert report.runs >= 100
    assert report.states["before"] and report.states["after"]
    assert report.recovered > 0


def naive_commit(tx: FileTransaction) -> None:
    """What update did without a journal: write each file in turn, nothing to roll back."""
    from scaffolder.faults import crash_point

    for change in tx._staged.values():
        target = tx.root / change.path
        if change.content is None:
            target.unlink(missing_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(change.content)
        crash_point(f"naive: wrote {change.path}")


def test_the_check_finds_mixed_trees_when_the_journal_is_off(
    scenario: tuple[Path, HistoryBuilder], tmp_path: Path, runs: Path
) -> None:
    project, histories = scenario
    prepared = prepare_update(
        UpdateRequest(project), tmp_path / "scratch", histories.history("1.1.0")
    )
    merged = prepared.merged
    assert merged is not None

    def prepare() -> Path:
        return fresh_copy(project, runs)

    def unjournaled(root: Path, merged: MergedUpdate = merged) -> None:
        FileTransaction.commit = naive_commit  # type: ignore[method-assign,assignment]  # child only
        apply_update(root, merged)

    points = count_points(lambda: unjournaled(prepare()))
    report = check_all_or_nothing(
        prepare,
        unjournaled,
        recover_interrupted_update,
        choose_cases(len(points), len(points), seed=7, signals=("KILL",)),
        points=len(points),
        collect=True,
    )
    print(f"journal off: {len(report.mixed)} of {report.runs} kills left a mixed tree")
    assert FileTransaction.commit is not naive_commit  # the parent was never patched
    assert len(report.mixed) >= len(points) - 2


@pytest.mark.slow
def test_kills_in_the_whole_command(scenario: tuple[Path, HistoryBuilder], runs: Path) -> None:
    project, histories = scenario
    newer = histories.history("1.1.0")

    def prepare() -> Path:
        return fresh_copy(project, runs)

    def command(root: Path) -> None:
        update_project(UpdateRequest(root), newer)

    points = count_points(lambda: command(prepare()))
    assert points[:2] == ["update: clone ready", "update: merged in the clone"]
    journal = [i for i, label in enumerate(points, 1) if label.startswith("journal:")]
    cases = [(1, "TERM"), (2, "KILL"), (journal[3], "KILL")]
    report = check_all_or_nothing(
        prepare, command, recover_interrupted_update, cases, points=len(points), verify=verify_git
    )
    print(f"whole command: {len(points)} crash points, {report.runs} kills, {report.states}")
    assert report.states["before"] == len(cases)
    assert report.recovered >= 1
