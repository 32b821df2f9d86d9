from __future__ import annotations

from pathlib import Path

import pytest

from scaffolder.kit.copilot import Copilot
from tests.conftest import project_copilot


@pytest.fixture
def project(qa_project: Path) -> Path:
    return qa_project


@pytest.fixture
def copilot(project: Path) -> Copilot:
    return project_copilot(project)
