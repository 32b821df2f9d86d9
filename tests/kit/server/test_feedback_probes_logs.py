"""Feedback storage, the health probes, and request logs that never hold conversation text."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import httpx
import pytest

from scaffolder.kit.safety.feedback import FeedbackStore
from tests.kit.server.backends import QUESTION, PassageBackend
from tests.kit.server.conftest import Serve, without_id


def test_feedback_is_stored_with_the_turn_it_rates(serve: Serve, feedback_path: Path) -> None:
    with serve() as url:
        reply = httpx.post(f"{url}/chat?stream=false", json={"message": QUESTION}).json()
        response = httpx.post(
            f"{url}/feedback",
            json={
                "conversation_id": reply["conversation_id"],
                "turn_id": reply["turn_id"],
                "rating": "down",
                "comment": "too short",
            },
        )
    assert response.status_code == 204
    [record] = list(FeedbackStore(feedback_path))
    assert (record.rating, record.comment, record.skill) == ("down", "too short", "answer")
    assert record.question == QUESTION and record.answer == reply["text"]


def test_bad_feedback_is_refused_with_a_clear_message(serve: Serve, feedback_path: Path) -> None:
    with serve() as url:
        reply = httpx.post(f"{url}/chat?stream=false", json={"message": QUESTION}).json()
        ids = {"conversation_id": reply["conversation_id"], "turn_id": reply["turn_id"]}
        bad_rating = httpx.post(f"{url}/feedback", json={**ids, "rating": "meh"})
        unknown = httpx.post(
            f"{url}/feedback", json={"conversation_id": "c", "turn_id": "t", "rating": "up"}
        )
    assert bad_rating.status_code == 422
    assert without_id(bad_rating) == {"error": "rating: Input should be 'up' or 'down'"}
    assert unknown.status_code == 404 and unknown.json()["error"].startswith("unknown turn")
    assert not feedback_path.exists()


def test_probes(serve: Serve) -> None:
    with serve() as url:
        health = httpx.get(f"{url}/healthz")
        ready = httpx.get(f"{url}/readyz")
    with serve(PassageBackend(ready=False)) as url:
        not_ready = httpx.get(f"{url}/readyz")
    assert health.json() == {"status": "ok"}
    assert ready.status_code == 200
    assert ready.json() == {"ready": True, "detail": "index has 3 chunks"}
    assert not_ready.status_code == 503
    assert not_ready.json() == {"ready": False, "detail": "index is empty: run `copilot ingest`"}


def test_one_json_log_line_per_request_without_conversation_text(
    serve: Serve, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="copilot.server")
    question = "How do I reset the lamp zebraquartz?"
    with serve() as url:
        streamed = httpx.post(f"{url}/chat", json={"message": question}).text
        reply = httpx.post(f"{url}/chat?stream=false", json={"message": question}).json()
        httpx.post(
            f"{url}/v1/chat/completions", json={"messages": [{"role": "user", "content": question}]}
        )
        httpx.post(f"{url}/chat", json={"message": ""})
    assert "hold the power button" in streamed
    lines = [record.getMessage() for record in caplog.records if record.name == "copilot.server"]
    entries = [json.loads(line) for line in lines]
    assert [(e["method"], e["path"], e["status"]) for e in entries] == [
        ("POST", "/chat", 200),
        ("POST", "/chat", 200),
        ("POST", "/v1/chat/completions", 200),
        ("POST", "/chat", 422),
    ]
    assert all(isinstance(e["ms"], float) and len(e["client"]) == 16 for e in entries)
    assert "127.0.0.1" not in " ".join(lines)
    for text in ("zebraquartz", "power button", reply["text"]):
        assert text not in " ".join(lines)


def test_an_app_given_no_store_writes_nothing_where_it_was_started(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The kit never guesses a project from the working directory: an app built without a
    feedback store acknowledges ratings and writes no `.copilot/feedback.jsonl` there."""
    from fastapi.testclient import TestClient

    from scaffolder.kit.server import create_app
    from tests.kit.server.conftest import settings

    elsewhere = tmp_path / "started-here"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    client = TestClient(create_app(PassageBackend(), settings(tmp_path)))
    reply = client.post("/chat?stream=false", json={"message": QUESTION}).json()
    rated = client.post(
        "/feedback",
        json={"conversation_id": reply["conversation_id"], "turn_id": reply["turn_id"],
              "rating": "up"},
    )  # fmt: skip
    assert rated.status_code == 204
    assert list(elsewhere.iterdir()) == []
