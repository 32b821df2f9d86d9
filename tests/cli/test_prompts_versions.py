"""`copilot prompts lock` and `copilot prompts diff`, run through a Typer app of their own."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner, Result

from scaffolder.cli.prompts_versions import register
from tests.conftest import ChangeDir
from tests.kit.prompts.conftest import write_library
from tests.kit.prompts.test_versions import LIBRARY, commit_all, git, manifest, replace


def run(*args: str) -> Result:
    app = typer.Typer()
    register(app)
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


@pytest.fixture
def project(
    tmp_path: Path, chdir: ChangeDir, monkeypatch: pytest.MonkeyPatch, git_identity: None
) -> Path:
    """A project with the library, committed in git, as the working directory."""
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    project = tmp_path / "project"
    write_library(project / "prompts", LIBRARY)
    (project / "pyproject.toml").write_text('[tool.copilot]\ntemplate = "qa-rag"\n')
    git(project, "init", "-q")
    commit_all(project, "prompts")
    chdir(project)
    return project


def prompts(project: Path) -> Path:
    return project / "prompts"


def soften_tone(project: Path) -> None:
    """A one-word change in the component `answer` and `explain` share, not `summarize`."""
    replace(prompts(project), "_shared/tone.md", "kind", "warm")


# -- lock ------------------------------------------------------------------------------------
def test_lock_writes_the_lock_and_says_what_it_recorded(project: Path) -> None:
    result = run("lock")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "Wrote prompts.lock: 3 prompt(s) added."
    assert lines[1].startswith("answer  (new) -> ")
    assert lines[2:6] == [
        "  + _shared/footer.md",
        "  + _shared/tone.md",
        "  + answer/prompt.yaml",
        "  + answer/rules.md",
    ]
    assert "[prompts.summarize]" in (project / "prompts.lock").read_text()


def test_locking_twice_changes_nothing(project: Path) -> None:
    run("lock")
    first = (project / "prompts.lock").read_bytes()
    result = run("lock")
    assert result.stdout == "Nothing changed in prompts.lock (3 prompt(s)).\n"
    assert (project / "prompts.lock").read_bytes() == first


def test_lock_says_which_prompts_changed_and_how(project: Path) -> None:
    run("lock")
    before = (project / "prompts.lock").read_text()
    soften_tone(project)
    shutil.rmtree(prompts(project) / "summarize")
    result = run("lock")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "Wrote prompts.lock: 1 prompt(s) removed, 2 prompt(s) changed."
    assert [line.split("  ")[0] for line in lines[1:] if not line.startswith(" ")] == [
        "answer",
        "explain",
        "summarize",
    ]
    assert lines.count("  ~ _shared/tone.md") == 2
    assert "  - summarize/prompt.yaml" in lines
    assert (project / "prompts.lock").read_text() != before


def test_check_passes_while_the_lock_is_current(project: Path) -> None:
    run("lock")
    result = run("lock", "--check")
    assert result.exit_code == 0
    assert result.stdout == "prompts.lock is up to date (3 prompt(s)).\n"


def test_check_fails_with_one_line_per_affected_prompt(project: Path) -> None:
    run("lock")
    locked = (project / "prompts.lock").read_bytes()
    soften_tone(project)
    result = run("lock", "--check")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert [line.split("  ")[0] for line in lines] == ["answer", "explain"]
    assert all(line.endswith("  ~ _shared/tone.md") for line in lines)
    assert result.stderr.startswith("error: prompts.lock is out of date for 2 prompt(s)")
    assert (project / "prompts.lock").read_bytes() == locked  # --check writes nothing


def test_check_reports_added_prompts_and_components(project: Path) -> None:
    run("lock")
    write_library(
        prompts(project),
        {
            "greet/prompt.yaml": manifest("greet", "hello.md"),
            "greet/hello.md": "Hi.\n",
            "summarize/prompt.yaml": manifest("summarize", "instructions.md", "../_shared/tone.md"),
        },
    )
    result = run("lock", "--check")
    assert result.exit_code == 1
    greet, summarize = result.stdout.splitlines()
    assert greet.startswith("greet  (new) -> ")
    assert greet.endswith("  + greet/hello.md, + greet/prompt.yaml")
    assert summarize.endswith("  + _shared/tone.md, ~ summarize/prompt.yaml")


def test_check_without_a_lock_fails_clearly(project: Path) -> None:
    result = run("lock", "--check")
    assert result.exit_code == 1
    assert result.stderr == (
        "error: prompts.lock is missing: run `copilot prompts lock` and commit the file\n"
    )
    assert not (project / "prompts.lock").exists()


def test_an_unreadable_lock_fails_the_check_and_is_rewritten_by_lock(project: Path) -> None:
    (project / "prompts.lock").write_text("format = 1\n<<<<<<< HEAD\n")
    check = run("lock", "--check")
    assert check.exit_code == 2
    assert check.stderr.startswith("error: prompts.lock:2: ")
    result = run("lock")
    assert result.exit_code == 0
    assert "note: prompts.lock:2: " in result.stderr
    assert run("lock", "--check").exit_code == 0


# -- diff ------------------------------------------------------------------------------------
def test_diff_names_exactly_the_prompts_a_shared_change_affects(project: Path) -> None:
    soften_tone(project)
    result = run("diff")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "2 prompt(s) changed since HEAD:"
    assert [line.split("  ")[0] for line in lines[1::2]] == ["answer", "explain"]
    assert lines[2::2] == ["  ~ _shared/tone.md", "  ~ _shared/tone.md"]
    assert "summarize" not in result.stdout


def test_diff_shows_old_and_new_versions(project: Path) -> None:
    run("lock")
    old = (project / "prompts.lock").read_text()
    soften_tone(project)
    run("lock")
    new = (project / "prompts.lock").read_text()
    result = run("diff")
    answer = result.stdout.splitlines()[1]
    old_version, new_version = answer.removeprefix("answer  ").split(" -> ")
    assert f'[prompts.answer]\nversion = "{old_version}"' in old
    assert f'[prompts.answer]\nversion = "{new_version}"' in new


def test_diff_against_an_older_commit(project: Path) -> None:
    soften_tone(project)
    commit_all(project, "warmer")
    shutil.rmtree(prompts(project) / "summarize")
    write_library(
        prompts(project),
        {
            "answer/prompt.yaml": manifest("answer", "rules.md"),
            "greet/prompt.yaml": manifest("greet", "hello.md"),
            "greet/hello.md": "Hi.\n",
        },
    )
    commit_all(project, "regroup")

    assert run("diff").stdout == "No prompt changed since HEAD.\n"
    result = run("diff", "HEAD~2")
    assert result.exit_code == 0
    assert re.sub(r"\b[0-9a-f]{12}\b", "V", result.stdout) == (
        "1 prompt(s) added, 1 prompt(s) removed, 2 prompt(s) changed since HEAD~2:\n"
        "answer  V -> V\n"
        "  - _shared/tone.md\n"
        "  ~ answer/prompt.yaml\n"
        "explain  V -> V\n"
        "  ~ _shared/tone.md\n"
        "greet  (new) -> V\n"
        "  + greet/hello.md\n"
        "  + greet/prompt.yaml\n"
        "summarize  V -> (removed)\n"
        "  - summarize/instructions.md\n"
        "  - summarize/prompt.yaml\n"
    )
    one_back = run("diff", "HEAD~1").stdout
    assert "explain" not in one_back and "answer  " in one_back


def test_diff_as_json(project: Path) -> None:
    soften_tone(project)
    (prompts(project) / "summarize" / "prompt.yaml").unlink()
    result = run("diff", "--format", "json")
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert report["revision"] == "HEAD"
    assert [(c["prompt"], c["status"]) for c in report["changes"]] == [
        ("answer", "changed"),
        ("explain", "changed"),
        ("summarize", "removed"),
    ]
    answer = report["changes"][0]
    assert answer["files"] == {"added": [], "removed": [], "changed": ["_shared/tone.md"]}
    assert answer["old_version"] != answer["new_version"]
    assert report["changes"][2]["new_version"] is None
    assert json.loads(run("diff", "--format", "json").stdout)["changes"] == report["changes"]


@pytest.mark.usefixtures("project")
def test_diff_with_nothing_changed_is_a_quiet_success() -> None:
    for args in (["diff"], ["diff", "--exit-code"]):
        result = run(*args)
        assert result.exit_code == 0
        assert result.stdout == "No prompt changed since HEAD.\n"
    assert json.loads(run("diff", "--format", "json").stdout) == {
        "revision": "HEAD",
        "changes": [],
    }


def test_diff_exit_code_reports_a_change(project: Path) -> None:
    soften_tone(project)
    assert run("diff", "--exit-code").exit_code == 1
    assert run("diff", "--exit-code", "--format", "json").exit_code == 1
    assert run("diff").exit_code == 0


@pytest.mark.usefixtures("project")
def test_diff_against_a_bad_revision_is_one_line() -> None:
    result = run("diff", "no-such-branch")
    assert result.exit_code == 2
    assert result.stderr == (
        "error: unknown git revision 'no-such-branch' (no such commit in this repository)\n"
    )


def test_diff_outside_git_is_one_line(project: Path) -> None:
    shutil.rmtree(project / ".git")
    result = run("diff")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ")
    assert result.stderr.rstrip().endswith(
        "is not in a git repository: prompt diffs compare with a git revision"
    )
    assert len(result.stderr.splitlines()) == 1


def test_diff_without_git_installed_is_one_line(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(project / "no-bin"))
    result = run("diff")
    assert result.exit_code == 2
    assert result.stderr == "error: git is not installed or not on PATH; prompt diffs need it\n"


@pytest.mark.parametrize("args", [["lock"], ["lock", "--check"], ["diff"]])
def test_a_broken_prompt_is_one_line_naming_file_and_line(project: Path, args: list[str]) -> None:
    (prompts(project) / "explain" / "prompt.yaml").write_text(
        "name: explain\nmessages:\n  - role: narrator\n    components: [{file: instructions.md}]\n"
    )
    result = run(*args)
    assert result.exit_code == 2
    assert result.stderr.startswith("error: explain/prompt.yaml:3: messages.0.role: ")
    assert len(result.stderr.splitlines()) == 1


@pytest.mark.parametrize("args", [["lock"], ["diff"]])
def test_outside_a_project_is_one_line(tmp_path: Path, chdir: ChangeDir, args: list[str]) -> None:
    chdir(tmp_path)
    result = run(*args)
    assert result.exit_code == 2
    assert f"`copilot prompts {args[0]}` runs inside a copilot project" in result.stderr
