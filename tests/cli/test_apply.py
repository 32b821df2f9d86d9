from __future__ import annotations

from pathlib import Path

import pytest

from scaffolder.cli import apply as apply_module
from scaffolder.kit.code.proposals import Edit, propose, save_proposal
from tests.cli.conftest import Invoke
from tests.conftest import ChangeDir


@pytest.fixture
def saved(tmp_path: Path, chdir: ChangeDir) -> str:
    """A project with one module and a saved proposal to add a function to it."""
    (tmp_path / "pyproject.toml").write_text('[tool.copilot]\ntemplate = "code-assistant"\n')
    (tmp_path / "mod.py").write_text("def one() -> int:\n    return 1\n")
    edit = Edit("mod.py", "insert_below", "\n\ndef two() -> int:\n    return 2\n", 2, 2)
    proposal = propose(tmp_path, [edit], rationale="adds two", source="test")
    save_proposal(proposal, tmp_path)
    chdir(tmp_path)
    return proposal.id


def test_without_a_terminal_or_yes_it_refuses(copilot: Invoke, saved: str) -> None:
    result = copilot("apply", saved)
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"error: not applying {saved}: stdin is not a terminal to ask on; pass --yes to approve"
    ]
    assert "+def two() -> int:" in result.stdout  # the diff was shown
    assert "two" not in Path("mod.py").read_text()


def test_yes_applies_and_a_second_apply_is_refused(copilot: Invoke, saved: str) -> None:
    result = copilot("apply", saved, "--yes")
    assert result.exit_code == 0, result.output
    assert f"Applied {saved}: edited mod.py." in result.stdout
    assert "def two() -> int:" in Path("mod.py").read_text()
    again = copilot("apply", saved, "--yes")
    assert again.exit_code == 2
    assert f"proposal {saved} was already applied" in again.stderr


def test_a_stale_proposal_is_refused_naming_the_file(copilot: Invoke, saved: str) -> None:
    Path("mod.py").write_text("def one() -> int:\n    return 100\n")
    result = copilot("apply", saved, "--yes")
    assert result.exit_code == 1
    assert "mod.py changed since it was proposed" in result.stderr


@pytest.mark.parametrize(("answer", "applied"), [("y\n", True), ("n\n", False), ("\n", False)])
def test_on_a_terminal_it_asks(
    copilot: Invoke, saved: str, monkeypatch: pytest.MonkeyPatch, answer: str, applied: bool
) -> None:
    # CliRunner's stdin is never a TTY; pretend it is one so the question is asked.
    monkeypatch.setattr(apply_module, "stdin_is_terminal", lambda: True)
    result = copilot("apply", saved, input=answer)
    assert result.exit_code == 0, result.output
    assert "Apply this proposal? [y/N]" in result.stdout
    assert ("def two" in Path("mod.py").read_text()) is applied
    if not applied:
        assert "Not applied; nothing was written." in result.stdout


def test_unknown_proposal(copilot: Invoke, saved: str) -> None:
    result = copilot("apply", "e-nope", "--yes")
    assert result.exit_code == 2
    assert "no proposal 'e-nope'" in result.stderr
