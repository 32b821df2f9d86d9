"""One question-length limit (`max_input_chars`) at every exit of the CLI: a question too long
for it is refused up front in one line, and one within it reaches the answer prompt, which
takes it. In `copilot chat` a failed turn says one line and the conversation goes on."""

from __future__ import annotations

from pathlib import Path

import pytest

from scaffolder.kit.settings import CopilotSettings
from tests.cli.conftest import Invoke
from tests.conftest import ChangeDir
from tests.kit.llm.fault_server import FaultServer, status

QUESTION = "How do I reset the lamp to factory settings? "


def question_of(length: int) -> str:
    text = (QUESTION * (length // len(QUESTION) + 1))[:length]
    return text[:-1] + "?"


def limit() -> int:
    return CopilotSettings.model_fields["max_input_chars"].default  # type: ignore[no-any-return]


def test_ask_refuses_a_question_over_the_limit_in_one_line(
    copilot: Invoke, qa_project: Path, chdir: ChangeDir
) -> None:
    chdir(qa_project)
    result = copilot("ask", question_of(limit() + 1))
    assert result.exit_code == 2
    [line] = [line for line in result.stderr.splitlines() if line.startswith("error")]
    assert f"{limit() + 1} characters" in line and f"limit is {limit()}" in line
    assert "max_input_chars" in line and "prompt" not in line
    assert "Traceback" not in result.output


def test_a_question_at_the_limit_reaches_the_prompt_and_is_answered(
    copilot: Invoke, qa_project: Path, chdir: ChangeDir
) -> None:
    """The prompts take whatever the setting lets through: no second, smaller limit."""
    chdir(qa_project)
    result = copilot("ask", "--json", question_of(limit()))
    assert result.exit_code == 0, result.output
    assert "longer than" not in result.output


def test_the_setting_moves_the_limit(
    copilot: Invoke, qa_project: Path, chdir: ChangeDir, monkeypatch: pytest.MonkeyPatch
) -> None:
    pyproject = qa_project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + "max_input_chars = 100\n", encoding="utf-8")
    chdir(qa_project)
    result = copilot("ask", question_of(101))
    assert result.exit_code == 2 and "limit is 100" in result.stderr


def test_chat_says_one_line_for_a_long_question_and_goes_on(
    copilot: Invoke, qa_project: Path, chdir: ChangeDir
) -> None:
    chdir(qa_project)
    turns = f"{question_of(limit() + 1)}\nHow do I reset the lamp to factory settings?\n/quit\n"
    result = copilot("chat", input=turns)
    assert result.exit_code == 0, result.output
    errors = [line for line in result.stderr.splitlines() if "max_input_chars" in line]
    assert len(errors) == 1 and f"limit is {limit()}" in errors[0]
    assert "twenty seconds" in result.stdout, "the next turn is answered"


def test_chat_survives_a_model_error(
    copilot: Invoke,
    qa_project: Path,
    chdir: ChangeDir,
    model_server: FaultServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COPILOT_PROVIDER", "openai-compatible")
    monkeypatch.setenv("OPENAI_BASE_URL", model_server.url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    model_server.script(status(400))
    chdir(qa_project)
    turns = "How do I reset the lamp?\nHow do I reset the lamp to factory settings?\n/quit\n"
    result = copilot("chat", "--trace", input=turns)
    assert result.exit_code == 0, result.output
    failed = [line for line in result.stderr.splitlines() if "400" in line]
    assert len(failed) == 1, result.stderr
    assert "Traceback" not in result.output
    assert "echo:" in result.stdout, "the next turn reached the model"
