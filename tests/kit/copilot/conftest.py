from __future__ import annotations

from pathlib import Path

import pytest

from scaffolder.kit.copilot import Copilot
from scaffolder.kit.settings import CopilotSettings


@pytest.fixture
def project(qa_project: Path) -> Path:
    return qa_project


@pytest.fixture
def copilot(project: Path) -> Copilot:
    return Copilot.for_project(project, CopilotSettings.load(project, env_file=None))
