"""Fixtures the plugin gives every project's tests (registered by `plugin.py`).

They import the kit only when a test asks for them, so registering them costs nothing.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from scaffolder.kit.testing.recording import TestProvider


@pytest.fixture(scope="session")
def llm_test_provider(pytestconfig: pytest.Config) -> Iterator[TestProvider]:
    """Sets, for the session, the environment that gives the tests' copilot its provider:
    offline unless `COPILOT_TEST_PROVIDER=configured` or `--llm-record` asks for a model, the
    recorded answers under `--llm-cache=replay-only` (see `recording.choose_provider`)."""
    from scaffolder.kit.testing.recording import (
        PLUGIN_NAME,
        RecordingSession,
        check_can_record,
        choose_provider,
    )

    provider = choose_provider(pytestconfig, dict(os.environ))
    session = pytestconfig.pluginmanager.get_plugin(PLUGIN_NAME)
    if isinstance(session, RecordingSession):
        session.provider = provider
    patch = pytest.MonkeyPatch()
    for name, value in provider.environment.items():
        patch.setenv(name, value)
    try:
        if pytestconfig.getoption("llm_record"):
            check_can_record(pytestconfig.rootpath)
        yield provider
    finally:
        patch.undo()
