from __future__ import annotations

import pytest

from tests.cli.conftest import Invoke

pytestmark = pytest.mark.usefixtures("installed")


def test_list_shows_templates_and_versions(copilot: Invoke) -> None:
    result = copilot("list")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].startswith("qa-rag") and "v1.0.0" in lines[0]
    assert lines[1].startswith("code-assistant")
    assert "Released template versions: v1.0.0" in result.stdout
