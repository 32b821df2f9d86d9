"""Fixtures for the `llm_flaky` plugin's tests: pytester (to run pytest inside a test) and the
loopback OpenAI-compatible server that counts the model calls that really went out."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.kit.llm.fault_server import FaultServer


def pytest_configure(config: pytest.Config) -> None:
    # A conftest below the rootdir may not set `pytest_plugins`; registering here also works
    # when this folder is collected as part of the whole suite.
    if not config.pluginmanager.has_plugin("pytester"):
        config.pluginmanager.import_plugin("pytester")


@pytest.fixture
def model_server() -> Iterator[FaultServer]:
    running = FaultServer().start()
    try:
        yield running
    finally:
        running.stop()
