from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.conftest import Invoke
from tests.conftest import ChangeDir
from tests.kit.prompts.conftest import write_library


@pytest.fixture
def project(tmp_path: Path, chdir: ChangeDir) -> Path:
    (tmp_path / "pyproject.toml").write_text('[tool.copilot]\ntemplate = "qa-rag"\n')
    write_library(tmp_path / "prompts")
    chdir(tmp_path)
    return tmp_path


@pytest.mark.usefixtures("project")
def test_list(copilot: Invoke) -> None:
    result = copilot("prompts", "list")
    assert result.exit_code == 0
    assert result.stdout.startswith("answer ")
    assert "Answer a question from passages." in result.stdout


@pytest.mark.usefixtures("project")
def test_show_annotates_every_line(copilot: Invoke) -> None:
    result = copilot(
        "prompts", "show", "answer", "--var", "product=Lumen", "--var", "question=Why?"
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("── system ── answer@")
    assert (
        "You answer questions about Lumen.  # answer/instructions.md:1, {{ product }}" in lines[1]
    )
    assert "Be kind.  # _shared/tone.md:2" in result.stdout
    assert "Question: Why?  # answer/question.md:7, {{ question }} at answer/question.md:7" in (
        result.stdout
    )


def test_show_reads_list_inputs_from_a_file(copilot: Invoke, project: Path) -> None:
    values = project / "values.yaml"
    values.write_text("product: Lumen\nquestion: Q\npassages:\n  - {id: '7', text: Seven.}\n")
    result = copilot("prompts", "show", "answer", "--vars", str(values), "--json")
    data = json.loads(result.stdout)
    user = data["messages"][1]
    assert "[7] Seven." in user["content"]
    seven = next(s for s in user["spans"] if user["content"][s["start"] : s["end"]] == "Seven.")
    assert seven == {
        "start": seven["start"], "end": seven["end"], "file": "answer/question.md", "line": 4,
        "variable": "p.text", "source": "passages", "step": "retrieval", "separator": False,
    }  # fmt: skip


@pytest.mark.usefixtures("project")
def test_missing_inputs_show_as_placeholders(copilot: Invoke) -> None:
    result = copilot("prompts", "show", "answer")
    assert result.exit_code == 0
    assert "questions about <product>." in result.stdout


@pytest.mark.usefixtures("project")
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["prompts", "show", "nope"], "no prompt named 'nope'"),
        (["prompts", "show", "answer", "--var", "oops"], "is not KEY=VALUE"),
        (["prompts", "show", "answer", "--var", "colour=red"], "undeclared input 'colour'"),
        (["prompts", "show", "answer", "--vars", "missing.yaml"], "cannot read missing.yaml"),
    ],
)
def test_bad_input_is_one_line(copilot: Invoke, args: list[str], message: str) -> None:
    result = copilot(*args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stderr.count("\n") == 1


def test_outside_a_project(copilot: Invoke, tmp_path: Path, chdir: ChangeDir) -> None:
    chdir(tmp_path)
    result = copilot("prompts", "list")
    assert result.exit_code == 2
    assert "runs inside a copilot project" in result.stderr
