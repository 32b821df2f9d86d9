"""`copilot new` killed at its crash points: the folder ends with nothing of the project or the
complete committed project, once the next `copilot new` has cleaned up what the kill left.

Rendering takes most of a second, so the placing phase (where files land in the user's folder)
is killed through the same `build_and_place` the command uses, with a build step that copies a
project rendered and committed once per test; a few kills of the whole command, render
included, check the rest.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from scaffolder.scaffold import NewProjectRequest, create_project
from scaffolder.scaffold._staging import STAGING_PREFIX, build_and_place, clean_leftovers
from tests.cli.conftest import Invoke
from tests.conftest import HistoryBuilder, UseHistory
from tests.faults_harness import (
    Snapshot,
    check_state,
    choose_cases,
    count_points,
    run_killed,
    snapshot,
)

SIGNALS = ("KILL", "TERM")
COMMIT_MESSAGE = "Generate project from copilot template qa-rag v1.0.0"


def git_out(project: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=project, capture_output=True, text=True, check=True
    ).stdout


@pytest.fixture
def rendered(histories: HistoryBuilder, tmp_path: Path) -> Path:
    """One project named `bot`, rendered and committed by the real command."""
    result = create_project(
        NewProjectRequest("qa-rag", tmp_path / "reference" / "bot"), histories.history()
    )
    return result.destination


def copy_of(project: Path) -> Callable[[Path], None]:
    """A build step that lays down a copy of a finished project (instead of rendering it)."""

    def build(target: Path) -> None:
        shutil.copytree(project, target, symlinks=True)

    return build


def no_notes(message: str) -> None:
    return None


def check_outcome(destination: Path, after: Snapshot, context: str) -> str:
    """Nothing of the project in `destination`, or all of it, committed, with a clean tree."""
    if not destination.exists():
        return "before"
    state = check_state(snapshot(destination), {}, after, context)
    if state == "after":
        assert git_out(destination, "log", "--format=%s").splitlines() == [COMMIT_MESSAGE], context
        assert git_out(destination, "status", "--porcelain") == "", context
    return state


def run_cases(
    operation: Callable[[], object],
    reset: Callable[[], None],
    destination: Path,
    workspace: Path,
    after: Snapshot,
    cases: list[tuple[int, str]],
) -> dict[str, int]:
    seen = {"before": 0, "after": 0}
    for point, signal_name in cases:
        reset()
        outcome = run_killed(operation, point, signal_name)
        messages = clean_leftovers(destination)  # what the next `copilot new` does first
        context = f"killed at point {point} with {signal_name} ({outcome}); cleanup: {messages}"
        leftovers = [p.name for p in workspace.rglob(f"{STAGING_PREFIX}*")]
        assert leftovers == [], context
        if outcome.killed_by is not None and outcome.killed_by != 0:
            assert all("interrupted `copilot new`" in m for m in messages), context
        seen[check_outcome(destination, after, context)] += 1
    return seen


def test_a_kill_while_placing_a_new_folder_leaves_nothing_or_the_project(
    rendered: Path, tmp_path: Path
) -> None:
    workspace = tmp_path / "workspace"
    destination = workspace / "bot"
    after = snapshot(rendered)

    def reset() -> None:
        shutil.rmtree(workspace, ignore_errors=True)
        workspace.mkdir()

    def operation() -> None:
        build_and_place(destination, copy_of(rendered), no_notes)

    reset()
    points = count_points(operation)
    assert "new: placed" in points
    cases = choose_cases(len(points), 2 * len(points), seed=20261, signals=SIGNALS)
    seen = run_cases(operation, reset, destination, workspace, after, cases)
    assert seen["before"] and seen["after"], seen


def test_a_kill_while_filling_the_current_folder_leaves_nothing_or_the_project(
    rendered: Path, tmp_path: Path
) -> None:
    destination = tmp_path / "bot"
    after = snapshot(rendered)

    def reset() -> None:
        shutil.rmtree(destination, ignore_errors=True)
        destination.mkdir()

    def operation() -> None:
        build_and_place(destination, copy_of(rendered), no_notes)

    reset()
    points = count_points(operation)
    placed = [label for label in points if label.startswith("new: placed ")]
    assert placed[-2:] == ["new: placed .copier-answers.yml", "new: placed .git"], points
    cases = choose_cases(len(points), 32, seed=20262, signals=SIGNALS)
    seen = run_cases(operation, reset, destination, destination, after, cases)
    assert seen["before"] and seen["after"], seen


def test_a_killed_half_placed_project_is_taken_back_and_said_so(
    rendered: Path, tmp_path: Path
) -> None:
    destination = tmp_path / "bot"
    destination.mkdir()

    def operation() -> None:
        build_and_place(destination, copy_of(rendered), no_notes)

    points = count_points(operation)
    shutil.rmtree(destination)
    destination.mkdir()
    middle = points.index("new: placing") + 3
    outcome = run_killed(operation, middle, "KILL")
    assert outcome.killed_by is not None
    assert [p.name for p in destination.iterdir() if not p.name.startswith(".copilot-new.")]
    messages = clean_leftovers(destination)
    assert len(messages) == 1 and "entries of its half-placed project" in messages[0]
    assert list(destination.iterdir()) == []


@pytest.mark.slow
@pytest.mark.parametrize(
    ("into", "label", "signal_name"),
    [
        ("new folder", "new: rendered", "TERM"),
        ("new folder", "new: committed", "KILL"),
        ("current folder", "new: rendered", "KILL"),
        ("current folder", "new: committing", "TERM"),
        ("current folder", "new: placed README.md", "KILL"),
    ],
)
def test_the_whole_command_killed_then_run_again(
    histories: HistoryBuilder, tmp_path: Path, into: str, label: str, signal_name: str
) -> None:
    history = histories.history()
    workspace = tmp_path / "workspace"
    destination = workspace / "bot"

    def reset() -> None:
        shutil.rmtree(workspace, ignore_errors=True)
        workspace.mkdir()
        if into == "current folder":
            destination.mkdir()

    def command() -> None:
        create_project(NewProjectRequest("qa-rag", destination), history)

    reset()
    points = count_points(command)
    reset()
    outcome = run_killed(command, points.index(label) + 1, signal_name)
    assert outcome.exit_code != 0, outcome
    notes: list[str] = []
    result = create_project(NewProjectRequest("qa-rag", destination), history, notes.append)
    if signal_name == "KILL":
        assert len(notes) == 1 and "interrupted `copilot new`" in notes[0], notes
    else:
        assert notes == [], "a handled SIGTERM cleans up before the process ends"
    assert git_out(result.destination, "log", "--format=%s").splitlines() == [COMMIT_MESSAGE]
    assert git_out(result.destination, "status", "--porcelain") == ""
    assert [p.name for p in workspace.iterdir()] == ["bot"]


def test_the_next_new_says_in_one_line_what_it_cleaned_up(
    rendered: Path, histories: HistoryBuilder, use_history: UseHistory, tmp_path: Path
) -> None:
    destination = tmp_path / "bot"
    destination.mkdir()

    def operation() -> None:
        build_and_place(destination, copy_of(rendered), no_notes)

    points = count_points(operation)
    shutil.rmtree(destination)
    destination.mkdir()
    run_killed(operation, points.index("new: placing") + 2, "KILL")
    use_history(histories.history())
    result = Invoke()("new", "qa-rag", str(destination), "--defaults")
    assert result.exit_code == 0, result.output
    notes = [line for line in result.stderr.splitlines() if "interrupted `copilot new`" in line]
    assert len(notes) == 1 and "half-placed project" in notes[0]
    assert git_out(destination, "log", "--format=%s").splitlines() == [COMMIT_MESSAGE]
