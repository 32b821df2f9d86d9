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


OSC52 = "\x1b]52;c;cm0gLXJmIH4=\x07"  # a clipboard write: "rm -rf ~"


def poison(project: Path) -> None:
    """Escape sequences in a document's heading and in the sentence that answers."""
    from scaffolder.kit.retrieval.ingest import ingest
    from scaffolder.kit.retrieval.store import open_store
    from scaffolder.kit.settings import CopilotSettings

    guide = project / "data" / "lumen-troubleshooting.md"
    text = guide.read_text().replace(
        "## Resetting to factory settings\nHold the touch button for twenty seconds.",
        f"## Resetting \x1b[2J\x1b[1;1Hto factory settings\nHold the touch button for "
        f"{OSC52}twenty seconds\x9b8m.",
    )
    assert OSC52 in text
    guide.write_text(text)
    settings = CopilotSettings.load(project, env_file=None)
    ingest([project / "data"], project, open_store(settings, project))


def no_escapes(text: str) -> bool:
    return not any(c in text for c in "\x1b\x07\x9b")


def test_ask_and_chat_print_no_escape_sequences_from_documents(
    copilot: Invoke, qa_project: Path, chdir: ChangeDir
) -> None:
    poison(qa_project)
    chdir(qa_project)
    asked = copilot("ask", "How do I reset the lamp to factory settings?")
    assert asked.exit_code == 0, asked.stderr
    assert "twenty seconds" in asked.stdout
    assert "Resetting to factory settings" in asked.stdout  # the citation's section
    assert no_escapes(asked.stdout)
    as_json = copilot("ask", "How do I reset the lamp to factory settings?", "--json")
    assert no_escapes(as_json.stdout)
    assert any(OSC52 in source["text"] for source in json.loads(as_json.stdout)["sources"])
    chatted = copilot("chat", input="How do I reset the lamp to factory settings?\n/quit\n")
    assert chatted.exit_code == 0, chatted.stderr
    assert "twenty seconds" in chatted.stdout
    assert no_escapes(chatted.stdout)


@pytest.mark.parametrize("command", ["ask", "chat"])
def test_a_damaged_store_is_one_line_with_exit_3(
    copilot: Invoke, qa_project: Path, chdir: ChangeDir, command: str
) -> None:
    store = qa_project / ".copilot" / "chroma"
    (store / "chroma.sqlite3").write_bytes(b"\x00garbage" * 4096)
    chdir(qa_project)
    result = copilot(command, *COMMANDS[command], input="how do I reset it?\n/quit\n")
    assert result.exit_code == 3, result.output
    [line] = result.stderr.strip().splitlines()[-1:]
    assert line.startswith(f"error: the vector store in {store} is damaged (")
    assert "file is not a database" in line
    assert line.endswith(f"; delete {store} and run `copilot ingest`")
    assert "Traceback" not in result.output
