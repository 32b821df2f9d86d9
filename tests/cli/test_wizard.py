"""The interactive wizard in a real pseudo-terminal, as a person would use it."""

from __future__ import annotations

import os
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


def test_ctrl_c_in_the_wizard_exits_130_and_writes_nothing(tmp_path: Path) -> None:
    child = spawn(["new", "qa-rag", "bot"], tmp_path)
    child.expect("Project name")
    child.sendcontrol("c")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert not (tmp_path / "bot").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["home"]


def test_wizard_with_every_default_then_a_changed_answer(tmp_path: Path) -> None:
    child = spawn(["new", "qa-rag", "bot"], tmp_path)
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
