from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.kit.llm.fault_server import FaultServer
from tests.kit.telemetry.otlp_collector import Collector


@pytest.fixture
def server() -> Iterator[FaultServer]:
    running = FaultServer().start()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def collector() -> Iterator[Collector]:
    running = Collector().start()
    try:
        yield running
    finally:
        running.stop()
