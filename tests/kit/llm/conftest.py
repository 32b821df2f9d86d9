from __future__ import annotations

import pytest

from tests.kit.llm.fault_server import FaultServer


@pytest.fixture
def server(model_server: FaultServer) -> FaultServer:
    """The loopback model server (tests/conftest.py) under this folder's shorter name."""
    return model_server
