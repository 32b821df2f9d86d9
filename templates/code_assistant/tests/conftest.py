"""Fixtures for the copilot's own tests: a fresh copy of this project per use, its src/ indexed.

Each test (and each attempt of an `llm_flaky` test) asks for a new copy, so proposals and
applied edits never touch your working tree or leak from one attempt into the next.

Model calls go to the offline provider, so the suite passes anywhere without keys or network.
`COPILOT_TEST_PROVIDER=configured pytest` runs it against the provider in [tool.copilot]
instead, recording every sample in .copilot/llm-cache.sqlite3; commit that file and CI replays
the samples with `pytest --llm-cache=replay-only`, free and offline.
"""

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from scaffolder.kit.copilot import Copilot
from scaffolder.kit.retrieval.ingest import ingest
from scaffolder.kit.retrieval.store import open_store
from scaffolder.kit.settings import CopilotSettings

PROJECT_ROOT = Path(__file__).resolve().parent.parent
COPIED = ("skills", "prompts", "src", "tests")
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache")

NewProject = Callable[[], tuple[Path, Copilot]]


@pytest.fixture
def new_project(tmp_path: Path) -> Iterator[NewProject]:
    """Make a fresh copy of the project (skills, prompts, src, tests) and its copilot."""
    patch = pytest.MonkeyPatch()
    if os.environ.get("COPILOT_TEST_PROVIDER") != "configured":
        patch.setenv("COPILOT_PROVIDER", "offline")
    copies = iter(range(1_000_000))

    def make() -> tuple[Path, Copilot]:
        root = tmp_path / f"project-{next(copies)}"
        for name in COPIED:
            shutil.copytree(PROJECT_ROOT / name, root / name, ignore=IGNORED)
        shutil.copy(PROJECT_ROOT / "pyproject.toml", root / "pyproject.toml")
        settings = CopilotSettings.load(root, env_file=None)
        ingest([root / "src"], root, open_store(settings, root))
        return root, Copilot.for_project(root, settings)

    yield make
    patch.undo()
