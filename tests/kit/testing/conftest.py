"""Fixtures for the `llm_flaky` plugin's tests: pytester (to run pytest inside a test) and the
loopback OpenAI-compatible server that counts the model calls that really went out."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    # A conftest below the rootdir may not set `pytest_plugins`; registering here also works
    # when this folder is collected as part of the whole suite.
    if not config.pluginmanager.has_plugin("pytester"):
        config.pluginmanager.import_plugin("pytester")
