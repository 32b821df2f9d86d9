from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.cli.conftest import Invoke, NextRelease
from tests.conftest import HistoryBuilder, UseHistory, append_line, replace_text, snapshot

pytestmark = pytest.mark.usefixtures("git_identity")


@pytest.fixture
def project(copilot: Invoke, installed: HistoryBuilder, tmp_path: Path) -> Path:
    destination = tmp_path / "bot"
    assert copilot("new", "qa-rag", str(destination), "--defaults").exit_code == 0
    return destination


def commit(project: Path) -> None:
    subprocess.run(["git", "add", "-A"], cwd=project, check=True)
    subprocess.run(["git", "commit", "-qm", "mine"], cwd=project, check=True)


def test_up_to_date(copilot: Invoke, project: Path) -> None:
    result = copilot("update", str(project))
    assert result.exit_code == 0
    assert "up to date" in result.stdout


def test_update_lists_changed_files(
    copilot: Invoke,
    project: Path,
    next_release: NextRelease,
) -> None:
    next_release(append_line("base/.gitignore.jinja", "# 1.1"))
    result = copilot("update", str(project))
    assert result.exit_code == 0, result.output
    assert "from templates v1.0.0 to v1.1.0" in result.stdout
    assert "~ .gitignore" in result.stdout
    assert "git diff" in result.stdout


def test_pretend(
    copilot: Invoke,
    project: Path,
    next_release: NextRelease,
) -> None:
    next_release(append_line("base/.gitignore.jinja", "# 1.1"))
    before = snapshot(project)
    result = copilot("update", str(project), "--pretend")
    assert result.exit_code == 0
    assert "Would update" in result.stdout
    assert snapshot(project) == before


def test_conflicts_exit_1_with_a_listing(
    copilot: Invoke,
    project: Path,
    next_release: NextRelease,
) -> None:
    readme = project / "README.md"
    readme.write_text(readme.read_text().replace("## Where things live", "## Our map"))
    commit(project)
    next_release(replace_text("base/README.md.jinja", "## Where things live", "## Their map"))
    result = copilot("update", str(project))
    assert result.exit_code == 1
    assert "1 file(s) conflict" in result.stderr
    assert "README.md" in result.stderr
    assert "~ README.md" in result.stdout


def test_data_changes_an_answer(copilot: Invoke, project: Path) -> None:
    result = copilot("update", str(project), "-d", "ci=none")
    assert result.exit_code == 0, result.output
    assert "- .github/workflows/ci.yml" in result.stdout
    assert not (project / ".github").exists()


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("dirty", "uncommitted changes"),
        ("not-a-project", "not a generated project"),
        ("bad-data", "is not KEY=VALUE"),
        ("unknown-answer", "no answer 'colour'"),
    ],
)
def test_refusals_exit_2_and_touch_nothing(
    copilot: Invoke, project: Path, tmp_path: Path, setup: str, message: str
) -> None:
    target, extra = project, []
    if setup == "dirty":
        (project / "scratch.txt").write_text("wip")
    elif setup == "not-a-project":
        target = tmp_path / "elsewhere"
        target.mkdir()
    elif setup == "bad-data":
        extra = ["-d", "oops"]
    else:
        extra = ["-d", "colour=blue"]
    before = snapshot(project)
    result = copilot("update", str(target), *extra)
    assert result.exit_code == 2
    assert message in result.stderr
    assert snapshot(project) == before


def test_newer_project_needs_a_newer_copilot(
    copilot: Invoke,
    project: Path,
    next_release: NextRelease,
    installed: HistoryBuilder,
    use_history: UseHistory,
) -> None:
    next_release(append_line("base/.gitignore.jinja", "# 1.1"))
    assert copilot("update", str(project)).exit_code == 0
    commit(project)
    use_history(installed.history("1.0.0"))
    result = copilot("update", str(project))
    assert result.exit_code == 2
    assert "upgrade copilot first" in result.stderr


def test_failed_update_exits_1_and_leaves_the_project(
    copilot: Invoke,
    project: Path,
    next_release: NextRelease,
) -> None:
    next_release(append_line("base/README.md.jinja", "{{ undefined_thing }}"))
    before = snapshot(project)
    result = copilot("update", str(project))
    assert result.exit_code == 1
    assert "the project is unchanged" in result.stderr
    assert snapshot(project) == before


@pytest.mark.parametrize("answer", ["ci=bogus", "hosting=nowhere", "colour=blue", "=x", "ci"])
def test_a_bad_answer_exits_2_with_one_line(copilot: Invoke, project: Path, answer: str) -> None:
    before = snapshot(project)
    result = copilot("update", str(project), "-d", answer)
    assert result.exit_code == 2, result.output
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output
    assert snapshot(project) == before


def test_a_deleted_file_the_user_changed_is_a_conflict(
    copilot: Invoke, project: Path, next_release: NextRelease
) -> None:
    doc = project / "data" / "lumen-overview.md"
    doc.write_text(doc.read_text() + "\nOurs.\n")
    commit(project)

    def drop(templates: Path) -> None:
        (templates / "qa_rag" / "data" / "lumen-overview.md").unlink()

    next_release(drop)
    result = copilot("update", str(project))
    assert result.exit_code == 1, result.output
    assert "data/lumen-overview.md" in result.stderr
    assert "kept" in result.stderr
    assert doc.read_text().endswith("Ours.\n")
