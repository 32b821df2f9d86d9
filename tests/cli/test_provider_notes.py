"""Notes about a missing model name the variables of the provider the project configured."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.conftest import Invoke
from tests.conftest import ChangeDir


@pytest.mark.parametrize(
    ("provider", "named", "not_named"),
    [
        ("azure-openai", ["AZURE_OPENAI_API_KEY", "AZURE_OPENAI_ENDPOINT"], "set OPENAI_API_KEY"),
        ("openai", ["set OPENAI_API_KEY"], "AZURE_OPENAI"),
        ("openai-compatible", ["set OPENAI_BASE_URL"], "set OPENAI_API_KEY"),
    ],
)
def test_the_offline_note_names_the_providers_variables(
    copilot: Invoke,
    qa_project: Path,
    chdir: ChangeDir,
    monkeypatch: pytest.MonkeyPatch,
    provider: str,
    named: list[str],
    not_named: str,
) -> None:
    monkeypatch.setenv("COPILOT_PROVIDER", provider)
    chdir(qa_project)
    result = copilot("ask", "hello there")
    assert result.exit_code == 0, result.output
    [note] = [line for line in result.stderr.splitlines() if "offline provider" in line]
    for variable in named:
        assert variable in note
    assert not_named not in note
