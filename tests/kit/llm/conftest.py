from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.kit.llm.fault_server import FaultServer


@pytest.fixture
def server() -> Iterator[FaultServer]:
    running = FaultServer().start()
    try:
        yield running
    finally:
        running.stop()
