"""The commands that run a generated project: found from anywhere inside it, refused outside,
and `ask`/`chat` end to end on the qa-rag template's skills (offline)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.conftest import Invoke
from tests.conftest import ChangeDir

#: Each project command with arguments that would be valid inside a project.
COMMANDS = {
    "ask": ["how do I reset it?"],
    "chat": [],
    "serve": [],
    "ingest": [],
    "search": ["reset"],
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_outside_a_project_they_say_they_need_one(
    copilot: Invoke, tmp_path: Path, chdir: ChangeDir, command: str
) -> None:
    chdir(tmp_path)
    result = copilot(command, *COMMANDS[command])
    assert result.exit_code == 2
    assert f"`copilot {command}` runs inside a copilot project" in result.stderr


def test_inside_a_project_they_find_it_from_a_subdirectory(
    copilot: Invoke, qa_project: Path, chdir: ChangeDir
) -> None:
    (qa_project / "src" / "deep").mkdir(parents=True)
    chdir(qa_project / "src" / "deep")
    result = copilot("ask", "Why does my lamp blink three times?")
    assert result.exit_code == 0, result.stderr
    assert "too little current" in result.stdout


def test_ask_prints_the_answer_and_its_sources_and_says_it_is_offline(
    copilot: Invoke, qa_project: Path, chdir: ChangeDir
) -> None:
    chdir(qa_project)
    result = copilot("ask", "How do I reset the lamp to factory settings?")
    assert result.exit_code == 0, result.stderr
    assert "twenty seconds" in result.stdout
    assert "[1] data/lumen-troubleshooting.md, " in result.stdout
    assert result.stderr.count("offline provider") == 1


def test_ask_json_has_the_reply_sources_and_route(
    copilot: Invoke, qa_project: Path, chdir: ChangeDir
) -> None:
    chdir(qa_project)
    result = copilot("ask", "What does the warranty cover?", "--json")
    reply = json.loads(result.stdout)
    assert reply["skill"] == "answer"
    assert reply["data"]["grounded"] is True
    assert {source["source"] for source in reply["sources"]} >= {"data/lumen-warranty.md"}


def test_an_empty_question_is_a_usage_error(
    copilot: Invoke, qa_project: Path, chdir: ChangeDir
) -> None:
    chdir(qa_project)
    result = copilot("ask", "  ")
    assert result.exit_code == 2
    assert result.stderr.strip().endswith("the question is empty")


def test_a_project_without_skills_is_a_clear_error(
    copilot: Invoke, tmp_path: Path, chdir: ChangeDir
) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.copilot]\ntemplate = "qa-rag"\n')
    chdir(tmp_path)
    result = copilot("ask", "hi")
    assert result.exit_code == 2
    assert "no skills folder at" in result.stderr
    assert "Traceback" not in result.stderr


def test_chat_keeps_the_conversation_and_traces_routing(
    copilot: Invoke, qa_project: Path, chdir: ChangeDir
) -> None:
    chdir(qa_project)
    turns = "Which power adapter do I need?\nand what if it blinks?\n/quit\n"
    result = copilot("chat", "--trace", input=turns)
    assert result.exit_code == 0, result.stderr
    assert "[answer] follow-up to answer" in result.stdout
    assert "too little current" in result.stdout


def test_serve_refuses_a_public_address_without_a_key(
    copilot: Invoke, qa_project: Path, chdir: ChangeDir, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("COPILOT_SERVER_API_KEY", raising=False)
    chdir(qa_project)
    result = copilot("serve", "--host", "0.0.0.0")
    assert result.exit_code == 2
    assert "COPILOT_SERVER_API_KEY" in result.stderr


def test_a_broken_pyproject_is_a_clear_error(
    copilot: Invoke, tmp_path: Path, chdir: ChangeDir
) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.copilot\n")
    chdir(tmp_path)
    result = copilot("chat")
    assert result.exit_code == 2
    assert "is not valid TOML" in result.stderr
