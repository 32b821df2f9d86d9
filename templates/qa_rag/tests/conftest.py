"""Fixtures shared by the tests: the copilot over the sample documents, indexed once.

The index goes to a temporary folder (or the Chroma server named by CHROMA_URL), so the tests
never touch the .copilot/ index you use with `copilot ask`.

Model calls go to the offline provider, so the suite passes anywhere without keys or network.
`COPILOT_TEST_PROVIDER=configured pytest` runs it against the provider in [tool.copilot]
instead, recording every sample in .copilot/llm-cache.sqlite3; commit that file and CI replays
the samples with `pytest --llm-cache=replay-only`, free and offline.
"""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from scaffolder.kit.copilot import Copilot
from scaffolder.kit.retrieval.ingest import ingest
from scaffolder.kit.retrieval.store import open_store
from scaffolder.kit.settings import CopilotSettings

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CopilotSettings]:
    patch = pytest.MonkeyPatch()
    patch.setenv("COPILOT_CHROMA_PATH", str(tmp_path_factory.mktemp("index") / "chroma"))
    if os.environ.get("COPILOT_TEST_PROVIDER") != "configured":
        patch.setenv("COPILOT_PROVIDER", "offline")
    yield CopilotSettings.load(PROJECT_ROOT, env_file=None)
    patch.undo()


@pytest.fixture(scope="session")
def copilot(settings: CopilotSettings) -> Copilot:
    store = open_store(settings, PROJECT_ROOT)
    store.reset()
    ingest([PROJECT_ROOT / "data"], PROJECT_ROOT, store)
    return Copilot.for_project(PROJECT_ROOT, settings)
