from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from tests.cli.conftest import Invoke
from tests.conftest import ChangeDir, HistoryBuilder, UseHistory

pytestmark = pytest.mark.usefixtures("installed")


def test_new_with_defaults(copilot: Invoke, tmp_path: Path, chdir: ChangeDir) -> None:
    chdir(tmp_path)
    result = copilot("new", "qa-rag", "mybot", "--defaults")
    assert result.exit_code == 0, result.output
    assert "Created" in result.stdout and "v1.0.0" in result.stdout
    assert "Next steps" in result.stdout and "cd mybot" in result.stdout
    assert (tmp_path / "mybot" / "src" / "mybot" / "config.py").is_file()
    assert (tmp_path / "mybot" / ".git").is_dir()


def test_new_takes_data_and_an_answers_file(copilot: Invoke, tmp_path: Path) -> None:
    answers = tmp_path / "answers.yml"
    answers.write_text("hosting: kubernetes\nci: none\nauthor: Answers File\n")
    result = copilot(
        "new",
        "code_assistant",
        str(tmp_path / "x"),
        "--defaults",
        "--answers-file",
        str(answers),
        "-d",
        "author=Data Flag",
        "--data",
        "project_name=helper",
    )
    assert result.exit_code == 0, result.output
    recorded = yaml.safe_load((tmp_path / "x" / ".copier-answers.yml").read_text())
    assert recorded["hosting"] == "kubernetes"
    assert recorded["author"] == "Data Flag"
    assert recorded["project_name"] == "helper"
    assert recorded["template"] == "code_assistant"


def test_destination_defaults_to_the_project_name(
    copilot: Invoke, tmp_path: Path, chdir: ChangeDir
) -> None:
    chdir(tmp_path)
    result = copilot("new", "qa-rag", "--defaults", "-d", "project_name=Support_Bot")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "support-bot" / "src" / "support_bot").is_dir()


def test_no_git(copilot: Invoke, tmp_path: Path) -> None:
    result = copilot("new", "qa-rag", str(tmp_path / "bot"), "--defaults", "--no-git")
    assert result.exit_code == 0
    assert not (tmp_path / "bot" / ".git").exists()
    assert "git init" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["new", "qa-rag", "bot"], "no terminal for the wizard"),
        (["new", "nope", "bot", "--defaults"], "unknown template 'nope'"),
        (["new", "qa-rag", "--defaults"], "name the new directory"),
        (["new", "qa-rag", "bot", "--defaults", "-d", "project_name=my bot"], "no spaces"),
        (["new", "qa-rag", "bot", "--defaults", "-d", "project_name="], "empty"),
        (["new", "qa-rag", "bot", "--defaults", "-d", "project_name=9lives"], "invalid"),
        (["new", "qa-rag", "bot", "--defaults", "-d", "project_name=def"], "keyword"),
        (["new", "qa-rag", "bot", "--defaults", "-d", "project_name=../x"], "is a path"),
        (["new", "qa-rag", "bot", "--defaults", "-d", "project_name=/tmp/x"], "is a path"),
        (["new", "qa-rag", "bot", "--defaults", "-d", "_src_path=/x"], "copier's own"),
        (["new", "qa-rag", "bot", "--defaults", "-d", "ci=travis"], "Invalid choice"),
        (["new", "qa-rag", "bot", "--defaults", "-d", "openai_api_key=sk-1"], "asks no question"),
        (["new", "qa-rag", "bot", "--defaults", "--answers-file", "missing.yml"], "does not exist"),
    ],
)
def test_bad_input_exits_2_and_writes_nothing(
    copilot: Invoke,
    tmp_path: Path,
    chdir: ChangeDir,
    args: list[str],
    message: str,
) -> None:
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    chdir(workspace)
    result = copilot(*args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stderr.count("\n") == 1, "one line, no traceback"
    assert list(workspace.iterdir()) == []


def test_existing_project_is_not_overwritten(copilot: Invoke, tmp_path: Path) -> None:
    destination = tmp_path / "bot"
    assert copilot("new", "qa-rag", str(destination), "--defaults").exit_code == 0
    (destination / "README.md").write_text("my own readme")
    result = copilot("new", "qa-rag", str(destination), "--defaults", "-d", "ci=none")
    assert result.exit_code == 2
    assert "not empty" in result.stderr
    assert (destination / "README.md").read_text() == "my own readme"


def test_unreleased_templates_are_announced(
    copilot: Invoke,
    tmp_path: Path,
    histories: HistoryBuilder,
    use_history: UseHistory,
) -> None:
    from scaffolder.scaffold import TemplateHistory

    (histories.templates / "_shared" / "gitignore.jinja").write_text("wip/\n")
    use_history(
        TemplateHistory(
            bundle=histories.bundle,
            lock=histories.lock,
            version="1.0.0",
            checkout=histories.templates,
        )
    )
    result = copilot("new", "qa-rag", str(tmp_path / "bot"), "--defaults")
    assert result.exit_code == 0
    assert "cannot be updated" in result.stderr
    assert "unreleased templates" in result.stdout
    assert (tmp_path / "bot" / ".gitignore").read_text() == "wip/\n"


@pytest.mark.parametrize("spelling", [".", "absolute"])
def test_new_fills_the_empty_folder_you_stand_in(
    copilot: Invoke, tmp_path: Path, chdir: ChangeDir, spelling: str
) -> None:
    here = tmp_path / "mybot"
    here.mkdir()
    inode = here.stat().st_ino
    chdir(here)
    result = copilot("new", "qa-rag", "." if spelling == "." else str(here), "--defaults")
    assert result.exit_code == 0, result.output
    assert Path.cwd() == here and here.stat().st_ino == inode, "the folder was replaced"
    assert (here / "src" / "mybot" / "config.py").is_file()
    assert "cd ." not in result.stdout
    log = subprocess.run(["git", "log", "--oneline"], cwd=here, capture_output=True, text=True)
    assert len(log.stdout.splitlines()) == 1
    assert sorted(p.name for p in here.iterdir() if p.name.startswith(".copilot")) == []


@pytest.mark.parametrize(
    ("name", "owner"),
    [("httpx", "httpx"), ("fastapi", "fastapi"), ("starlette", "starlette"), ("yaml", "PyYAML")],
)
def test_a_name_that_shadows_a_dependency_exits_2_naming_it(
    copilot: Invoke, tmp_path: Path, chdir: ChangeDir, name: str, owner: str
) -> None:
    chdir(tmp_path)
    result = copilot("new", "qa-rag", "--defaults", "-d", f"project_name={name}")
    assert result.exit_code == 2
    assert f"of {owner}" in result.stderr and result.stderr.count("\n") == 1
    assert not (tmp_path / name).exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"project_name: caf\xe9\n", "is not UTF-8"),
        (b"\xff\xfep\x00r\x00", "is not UTF-8"),
        (b"- one\n- two\n", "must hold a mapping"),
        (b"just words\n", "must hold a mapping"),
    ],
)
def test_a_bad_answers_file_is_one_line_exit_2_and_nothing_created(
    copilot: Invoke, tmp_path: Path, chdir: ChangeDir, content: bytes, message: str
) -> None:
    answers = tmp_path / "answers.yml"
    answers.write_bytes(content)
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    chdir(workspace)
    result = copilot("new", "qa-rag", "bot", "--defaults", "--answers-file", str(answers))
    assert result.exit_code == 2
    assert message in result.stderr and result.stderr.count("\n") == 1
    assert list(workspace.iterdir()) == []


def test_a_parent_that_is_a_file_is_one_line_exit_2(copilot: Invoke, tmp_path: Path) -> None:
    (tmp_path / "plain").write_text("x")
    result = copilot("new", "qa-rag", str(tmp_path / "plain" / "bot"), "--defaults")
    assert result.exit_code == 2
    assert "cannot write in" in result.stderr and result.stderr.count("\n") == 1
    assert (tmp_path / "plain").read_text() == "x"
