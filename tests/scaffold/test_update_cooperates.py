"""`copilot update` works with a team's everyday files: a derived `prompts.lock` is regenerated
after the merge, never conflict-marked, and an untracked `benchmarks/results/` is ignored."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from scaffolder.kit.prompts import PromptLibrary
from scaffolder.kit.prompts.versions import LockFile, compare, snapshot
from scaffolder.scaffold import NewProjectRequest, UpdateRequest, create_project, update_project
from tests.conftest import HistoryBuilder, Modifier, combine, replace_text

pytestmark = pytest.mark.usefixtures("git_identity")

RULES = "prompts/answer/rules.md"
TEMPLATE_RULES = f"qa_rag/{RULES}"


def git(project: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=project, check=True, capture_output=True, text=True
    ).stdout


def relock(root: Path) -> None:
    """What `copilot prompts lock` writes, for a project or a template folder."""
    LockFile.for_project(root).write(snapshot(PromptLibrary.for_project(root)))


def relock_template(templates: Path) -> None:
    relock(templates / "qa_rag")


def released_with_lock(change: Modifier) -> Modifier:
    """A template release that changes a prompt and, as a release does, its prompts.lock."""
    return combine(change, relock_template)


@pytest.fixture
def project(histories: HistoryBuilder, tmp_path: Path) -> Path:
    return create_project(
        NewProjectRequest("qa-rag", tmp_path / "bot"), histories.history()
    ).destination


def test_a_prompt_changed_on_both_sides_regenerates_the_lock(
    project: Path, histories: HistoryBuilder
) -> None:
    rules = project / RULES
    rules.write_text("- Answer in the language of the question.\n" + rules.read_text())
    relock(project)
    git(project, "commit", "-qam", "our prompt rule")
    newer = histories.release(
        "1.1.0",
        released_with_lock(
            replace_text(TEMPLATE_RULES, "at most five sentences", "at most four sentences")
        ),
    )
    result = update_project(UpdateRequest(project), newer)

    assert result.conflicts == [], "a derived file is regenerated, not conflict-marked"
    text = rules.read_text()
    assert "at most four sentences" in text and "language of the question" in text
    lock = project / "prompts.lock"
    assert "<<<<<<<" not in lock.read_text()
    merged = snapshot(PromptLibrary.for_project(project))
    assert compare(LockFile.for_project(project).read(), merged) == [], "the lock fits the merge"
    assert git(project, "ls-files", "-u") == ""
    assert "prompts.lock" in {change.path for change in result.changes}


def test_an_untracked_results_folder_does_not_block_an_update(
    project: Path, histories: HistoryBuilder
) -> None:
    results = project / "benchmarks" / "results"
    results.mkdir(parents=True, exist_ok=True)
    (results / "20261206T000000-abc1234.json").write_text("{}\n")
    assert git(project, "status", "--porcelain") == ""
    newer = histories.release(
        "1.1.0",
        released_with_lock(replace_text(TEMPLATE_RULES, "at most five", "at most four")),
    )
    result = update_project(UpdateRequest(project), newer)
    assert result.to_version == "v1.1.0"
    assert (results / "20261206T000000-abc1234.json").read_text() == "{}\n"
