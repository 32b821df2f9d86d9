from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.kit.llm.fault_server import FaultServer
from tests.kit.telemetry.otlp_collector import Collector


@pytest.fixture
def server(model_server: FaultServer) -> FaultServer:
    """The loopback model server (tests/conftest.py) under this folder's shorter name."""
    return model_server


@pytest.fixture
def collector() -> Iterator[Collector]:
    running = Collector().start()
    try:
        yield running
    finally:
        running.stop()
