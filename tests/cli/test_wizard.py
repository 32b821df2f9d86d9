"""The interactive wizard in a real pseudo-terminal, as a person would use it."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pexpect
import pytest


def spawn(args: list[str], cwd: Path) -> pexpect.spawn:
    env = {**os.environ, "TERM": "xterm", "PROMPT_TOOLKIT_NO_CPR": "1"}
    return pexpect.spawn(
        sys.executable,
        ["-m", "scaffolder", *args],
        cwd=str(cwd),
        env=env,
        encoding="utf-8",
        timeout=30,
        dimensions=(40, 100),
    )


FIXTURES = Path(__file__).resolve().parent.parent / "kit" / "adapt" / "fixtures"
DOCS_QUESTION = "Where are your documents"


def test_ctrl_c_in_the_wizard_exits_130_and_writes_nothing(tmp_path: Path) -> None:
    child = spawn(["new", "qa-rag", "bot"], tmp_path)
    child.expect(DOCS_QUESTION)
    child.sendline("")  # the sample documents
    child.expect("Project name")
    child.sendcontrol("c")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert not (tmp_path / "bot").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["home"]


def test_wizard_with_every_default_then_a_changed_answer(tmp_path: Path) -> None:
    child = spawn(["new", "qa-rag", "bot"], tmp_path)
    child.expect(DOCS_QUESTION)
    child.expect("the sample lamp documents")
    child.sendline("")  # empty: the sample stays
    child.expect("Project name")
    child.sendline("")  # take the default: the destination's name
    child.expect("One-line description")
    child.sendline("")
    child.expect("Author")
    child.expect("Your Team")  # the pre-filled default is on screen
    child.send("\x7f" * len("Your Team"))  # backspace over it
    child.sendline("Wizard Team")
    child.expect("LLM provider")
    child.sendline("")
    for question in ("Chat model", "Embedding model", "Chroma", "Hosting", "integration"):
        child.expect(question)
        child.sendline("")
    child.expect("Next steps")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    answers = (tmp_path / "bot" / ".copier-answers.yml").read_text()
    assert "author: Wizard Team" in answers
    assert "project_name: bot" in answers
    assert (tmp_path / "bot" / "data" / "lumen-overview.md").is_file()


def test_wizard_asks_for_documents_checks_them_and_suggests_a_topic(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "bakery", tmp_path / "recipes")
    child = spawn(["new", "qa-rag", "bot"], tmp_path)
    child.expect(DOCS_QUESTION)
    child.sendline("nowhere")
    child.expect("no such file or folder")  # the question stays open
    child.send("\x7f" * len("nowhere"))
    child.sendline("recipes")
    child.expect("What does this copilot answer questions about")
    child.expect("Sourdough handbook")  # the default, derived from the documents
    child.sendline("")
    child.expect("Project name")
    child.sendline("")
    for question in ("One-line description", "Author", "LLM provider", "Chat model"):
        child.expect(question)
        child.sendline("")
    for question in ("Embedding model", "Chroma", "Hosting", "integration"):
        child.expect(question)
        child.sendline("")
    child.expect("Topic \\(derived\\): Sourdough handbook")
    child.expect("Next steps")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    project = tmp_path / "bot"
    assert sorted(p.name for p in (project / "data").iterdir()) == ["baking.md", "starter.md"]
    assert "Sourdough handbook" in (project / "skills/out_of_scope/reply.md").read_text()


@pytest.mark.parametrize("name", ["2bot", "my bot"])
def test_wizard_asks_the_name_when_no_destination_is_given(tmp_path: Path, name: str) -> None:
    child = spawn(["new", "code-assistant"], tmp_path)
    child.expect("Project name")
    child.sendline(name)
    child.expect("invalid")  # shown in the prompt's toolbar; the question stays open
    child.sendcontrol("c")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert [p.name for p in tmp_path.iterdir()] == ["home"]
