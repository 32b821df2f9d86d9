"""`copilot prompts lint` and `copilot prompts review` through Typer: output, exit codes,
one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner, Result

from scaffolder.cli.prompts_lint import register
from tests.conftest import ChangeDir
from tests.kit.prompts.conftest import write_library
from tests.kit.prompts.test_lint import BASE


def run(*args: str) -> Result:
    app = typer.Typer()

    @app.callback()
    def prompts() -> None:
        """The `copilot prompts` group, as the real CLI builds it."""

    register(app)
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


@pytest.fixture
def project(tmp_path: Path, chdir: ChangeDir) -> Path:
    (tmp_path / "pyproject.toml").write_text('[tool.copilot]\ntemplate = "qa-rag"\n')
    write_library(tmp_path / "prompts", BASE)
    chdir(tmp_path)
    return tmp_path


def change(project: Path, name: str, text: str) -> None:
    write_library(project / "prompts", {name: text})


@pytest.mark.usefixtures("project")
def test_a_clean_library_exits_0() -> None:
    result = run("lint")
    assert result.exit_code == 0
    assert result.stdout == ""
    assert result.stderr == "no problems in 1 prompt(s)\n"


def test_errors_exit_1_with_one_finding_per_line(project: Path) -> None:
    change(project, "answer/question.md", BASE["answer/question.md"] + "For {{ product }}.\n")
    result = run("lint")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "prompts/answer/question.md:9:8 P001 'product' is not an input of prompt answer: "
        "declare it under inputs: in prompt.yaml"
    ]
    assert result.stderr == "1 error(s), 0 warning(s) in 1 prompt(s)\n"


def test_warnings_exit_0_unless_strict(project: Path) -> None:
    change(project, "answer/rules.md", BASE["answer/rules.md"] + "- TODO\n")
    assert run("lint").exit_code == 0
    assert run("lint", "answer", "--strict").exit_code == 1


def test_json_output_for_ci(project: Path) -> None:
    change(project, "answer/rules.md", BASE["answer/rules.md"] + "- password=hunter22\n")
    result = run("lint", "--format", "json")
    assert result.exit_code == 1
    assert json.loads(result.stdout) == [
        {
            "file": "prompts/answer/rules.md",
            "line": 3,
            "column": 3,
            "rule_id": "P008",
            "severity": "error",
            "message": "looks like a hard-coded credential: keep secrets out of prompts",
        }
    ]


@pytest.mark.parametrize(
    ("setup", "args", "message"),
    [
        (None, ("lint", "nope"), "error: no prompt named 'nope' in prompts/ (prompts: answer)\n"),
        ("rules: [\n", ("lint",), "error: prompts/lint.yaml:2: "),
        ("disable: [P042]\n", ("lint",), "error: prompts/lint.yaml:1: disable: no rule 'P042'\n"),
        (None, ("review", "nope"), "error: no prompt named 'nope'"),
    ],
)
def test_usage_errors_exit_2_with_one_line(
    project: Path, setup: str | None, args: tuple[str, ...], message: str
) -> None:
    if setup is not None:
        change(project, "lint.yaml", setup)
    result = run(*args)
    assert result.exit_code == 2
    assert result.stderr.startswith(message)
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.output


def test_no_prompts_folder_is_a_usage_error(tmp_path: Path, chdir: ChangeDir) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.copilot]\n")
    chdir(tmp_path)
    result = run("lint")
    assert result.exit_code == 2
    assert (
        result.stderr
        == f"error: no prompts/ folder in {tmp_path} (each prompt is prompts/<name>/)\n"
    )


def test_outside_a_project_is_a_usage_error(tmp_path: Path, chdir: ChangeDir) -> None:
    chdir(tmp_path)
    result = run("lint")
    assert result.exit_code == 2
    assert "`copilot prompts lint` runs inside a copilot project" in result.stderr


def test_review_runs_offline_and_says_so(project: Path) -> None:
    change(project, "answer/rules.md", "- Cite some sources.\n")
    result = run("review", "answer")
    assert result.exit_code == 0
    first, *points = result.stdout.splitlines()
    assert first.startswith("Review of answer@") and "ran offline (" in first
    assert "- prompts/answer/rules.md:1: vague wording 'some': say exactly what is meant, " in (
        "\n".join(points)
    )
    data = json.loads(run("review", "answer", "--format", "json").stdout)
    assert data["offline"] is True
    assert {point["by"] for point in data["points"]} == {"R001", "R002", "R003"}
