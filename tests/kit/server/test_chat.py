"""POST /chat: streamed and JSON answers, conversations, and backend errors as clean JSON."""

from __future__ import annotations

import httpx

from scaffolder.errors import BadRequestError, RateLimitedError, UsageError
from tests.kit.server.backends import QUESTION, FailingBackend, PassageBackend
from tests.kit.server.conftest import Serve, without_id
from tests.kit.server.sse import read_events


def test_chat_streams_deltas_then_one_reply(serve: Serve) -> None:
    with (
        serve() as url,
        httpx.stream("POST", f"{url}/chat", json={"message": QUESTION}, timeout=30) as response,
    ):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        events = read_events(response)
    names = [name for name, _ in events]
    assert names.count("delta") >= 3 and names[-1] == "reply" and names.count("reply") == 1
    reply = events[-1][1]
    streamed = "".join(data["text"] for name, data in events if name == "delta")
    assert streamed == reply["text"]
    assert "hold the power button" in reply["text"] and "[1]" in reply["text"]
    assert reply["sources"][0]["label"] == "1"
    assert reply["sources"][0]["citation"] == "manual.md#reset"
    assert reply["skill"] == "answer" and reply["data"]["grounded"] is True
    assert reply["conversation_id"] and reply["turn_id"]


def test_chat_answers_json_when_asked(serve: Serve) -> None:
    with serve() as url:
        by_query = httpx.post(f"{url}/chat?stream=false", json={"message": QUESTION}, timeout=30)
        by_accept = httpx.post(
            f"{url}/chat",
            json={"message": QUESTION},
            headers={"Accept": "application/json"},
            timeout=30,
        )
    for response in (by_query, by_accept):
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/json"
        assert "[1]" in response.json()["text"]


def test_conversation_id_carries_the_server_side_history(serve: Serve) -> None:
    backend = PassageBackend()
    with serve(backend) as url:
        first = httpx.post(f"{url}/chat?stream=false", json={"message": QUESTION}).json()
        second = httpx.post(
            f"{url}/chat?stream=false",
            json={
                "message": "How long does the battery last?",
                "conversation_id": first["conversation_id"],
            },
        ).json()
    assert second["conversation_id"] == first["conversation_id"]
    assert second["data"]["history_turns"] == 1
    assert backend.seen_histories[1][0] == {"role": "user", "content": QUESTION}


def test_rejected_input_is_a_400_with_the_backends_message(serve: Serve) -> None:
    with serve(FailingBackend(UsageError("the message is longer than 8000 characters"))) as url:
        streamed = httpx.post(f"{url}/chat", json={"message": "x"})
        plain = httpx.post(f"{url}/chat?stream=false", json={"message": "x"})
    for response in (streamed, plain):
        assert response.status_code == 400
        assert without_id(response) == {"error": "the message is longer than 8000 characters"}


def test_model_failures_map_to_502_and_503_with_retryable(serve: Serve) -> None:
    limited = RateLimitedError("the provider rate-limited the call", retry_after=2.5)
    with serve(FailingBackend(limited)) as url:
        busy = httpx.post(f"{url}/chat", json={"message": "x"})
    with serve(FailingBackend(BadRequestError("the provider refused the request"))) as url:
        refused = httpx.post(f"{url}/chat", json={"message": "x"})
    assert busy.status_code == 503 and busy.headers["retry-after"] == "3"
    assert without_id(busy) == {"error": "the provider rate-limited the call", "retryable": True}
    assert refused.status_code == 502
    assert without_id(refused) == {"error": "the provider refused the request", "retryable": False}


def test_a_backend_bug_is_a_plain_500_without_traceback(serve: Serve) -> None:
    with serve(FailingBackend(KeyError("secret internals"))) as url:
        response = httpx.post(f"{url}/chat", json={"message": "x"})
    assert response.status_code == 500
    assert "secret internals" not in response.text and "Traceback" not in response.text
    assert response.json()["error"].startswith("internal server error")


def test_a_failure_after_streaming_started_ends_with_an_error_event(serve: Serve) -> None:
    backend = FailingBackend(RateLimitedError("the provider rate-limited the call"), deltas=2)
    with (
        serve(backend) as url,
        httpx.stream("POST", f"{url}/chat", json={"message": "x"}) as response,
    ):
        events = read_events(response)
    assert [name for name, _ in events] == ["delta", "delta", "error"]
    assert events[-1][1] == {
        "error": "the provider rate-limited the call",
        "status": 503,
        "retryable": True,
        "request_id": response.headers["x-request-id"],
    }


def test_invalid_chat_bodies_are_422_with_a_readable_message(serve: Serve) -> None:
    with serve() as url:
        empty = httpx.post(f"{url}/chat", json={"message": ""})
        missing = httpx.post(f"{url}/chat", json={"conversation_id": "c"})
        not_json = httpx.post(
            f"{url}/chat", content=b"{", headers={"Content-Type": "application/json"}
        )
    assert empty.status_code == missing.status_code == not_json.status_code == 422
    assert empty.json()["error"].startswith("message:")
    assert without_id(missing) == {"error": "message: Field required"}
