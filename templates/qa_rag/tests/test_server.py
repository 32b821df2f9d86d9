"""The HTTP server in front of the copilot: streaming chat, the OpenAI-compatible endpoint
(driven by the real `openai` SDK), feedback and probes."""

import json
from pathlib import Path
from typing import Any

import openai
import pytest
from fastapi.testclient import TestClient
from scaffolder.kit.copilot import Copilot
from scaffolder.kit.server import create_app
from scaffolder.kit.settings import CopilotSettings

SUITE = Path(__file__).resolve().parent.parent / "benchmarks" / "qa.jsonl"


def first_question() -> dict[str, Any]:
    """The suite's first question that names its document and a phrase its answer holds."""
    for line in SUITE.read_text(encoding="utf-8").splitlines():
        case = json.loads(line) if line.strip() else {}
        if "input" in case and case.get("sources") and case.get("references"):
            return case
    raise AssertionError("benchmarks/qa.jsonl has no question with sources and references")


@pytest.fixture
def client(copilot: Copilot, settings: CopilotSettings) -> TestClient:
    return TestClient(create_app(copilot, settings))


def events(body: str) -> list[tuple[str, dict[str, object]]]:
    parsed = []
    for block in body.strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        parsed.append((fields["event"], json.loads(fields["data"])))
    return parsed


def test_chat_streams_the_answer_then_the_reply_with_sources(client: TestClient) -> None:
    case = first_question()
    response = client.post("/chat", json={"message": case["input"]})
    assert response.status_code == 200
    stream = events(response.text)
    kinds = [kind for kind, _ in stream]
    assert kinds[-1] == "reply" and set(kinds[:-1]) == {"delta"}
    reply = stream[-1][1]
    assert reply["skill"] == "answer"
    assert any(source["source"] in case["sources"] for source in reply["sources"])


def test_any_openai_client_can_talk_to_it(client: TestClient) -> None:
    sdk = openai.OpenAI(
        api_key="unused-locally", base_url=str(client.base_url) + "/v1", http_client=client
    )
    case = first_question()
    completion = sdk.chat.completions.create(
        model="copilot", messages=[{"role": "user", "content": case["input"]}]
    )
    content = (completion.choices[0].message.content or "").lower()
    assert str(case["references"][0]).lower() in content


def test_feedback_on_an_answer_is_stored(client: TestClient) -> None:
    response = client.post("/chat?stream=false", json={"message": first_question()["input"]})
    reply = response.json()
    rated = client.post(
        "/feedback",
        json={"conversation_id": reply["conversation_id"], "turn_id": reply["turn_id"],
              "rating": "up"},
    )  # fmt: skip
    assert rated.status_code in (200, 201, 204)


def test_probes(client: TestClient) -> None:
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 200

