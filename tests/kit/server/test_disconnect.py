"""A client that goes away stops the model: the upstream stream is closed, not read to its end.

Starlette cancels a streaming response when the client disconnects but never closes the
generator behind it, so without explicit closing every layer (server, runtime, skill, LLM
client, provider) would keep reading, and paying for, the model's answer."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from scaffolder.kit.copilot import Copilot
from scaffolder.kit.llm import LLM
from scaffolder.kit.llm.providers.offline import OfflineProvider
from scaffolder.kit.llm.providers.openai_provider import OpenAIConfig, OpenAIProvider
from scaffolder.kit.safety.feedback import FeedbackStore
from scaffolder.kit.server import create_app
from scaffolder.kit.settings import CopilotSettings
from tests.conftest import project_copilot
from tests.kit.llm.fault_server import FaultServer, drip
from tests.kit.server.conftest import serving

QUESTION = "How do I reset the lamp to factory settings?"
CHUNKS = 200
#: 200 chunks 50 ms apart: ten seconds of answer if nobody stops it.
INTERVAL = 0.05
#: Chunks the model may still send once the client is gone: the one being read when the
#: disconnect arrives, and a few written before the closed socket is noticed.
AFTER_CLOSE = 10


def model_copilot(project: Path, model_server: FaultServer) -> Copilot:
    """The qa-rag project's copilot answering through the real openai SDK from `model_server`
    (retrieval keeps the offline embedder the index was built with)."""
    provider = OpenAIProvider(
        OpenAIConfig(
            "openai-compatible", "drip-model", "local", base_url=model_server.url, timeout=30
        )
    )
    llm = LLM(provider, embedder=OfflineProvider())
    return project_copilot(project).with_llm(llm)


def request(path: str) -> dict[str, object]:
    if path == "/chat":
        return {"message": QUESTION}
    return {"messages": [{"role": "user", "content": QUESTION}], "stream": True}


@pytest.mark.parametrize("path", ["/chat", "/v1/chat/completions"])
def test_a_client_that_disconnects_stops_the_model_stream(
    qa_project: Path, model_server: FaultServer, tmp_path: Path, path: str
) -> None:
    model_server.script(drip(CHUNKS, INTERVAL))
    copilot = model_copilot(qa_project, model_server)
    app = create_app(
        copilot,
        CopilotSettings.load(qa_project, env_file=None),
        feedback=FeedbackStore(tmp_path / "feedback.jsonl"),
    )
    with serving(app) as url:
        with (
            httpx.Client(timeout=30) as client,
            client.stream("POST", f"{url}{path}", json=request(path)) as response,
        ):
            assert response.status_code == 200
            events = 0
            for line in response.iter_lines():
                if line.startswith("data:") and "word" in line:
                    events += 1
                if events == 3:
                    break
            sent_when_closed = model_server.dripped
        assert model_server.drip_ended.wait(timeout=CHUNKS * INTERVAL + 20)
    assert 0 < sent_when_closed < CHUNKS
    assert model_server.dripped - sent_when_closed <= AFTER_CLOSE
