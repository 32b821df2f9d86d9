"""API keys, request size and rate limits, enforced before any endpoint runs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from scaffolder.errors import UsageError
from scaffolder.kit.server import create_app
from scaffolder.kit.server import serve as run_server
from scaffolder.kit.server.auth import is_local
from scaffolder.kit.server.limits import RateLimiter
from tests.kit.server.backends import QUESTION, PassageBackend
from tests.kit.server.conftest import FakeClock, Serve, settings, without_id

KEY = "s3cret-key-for-tests"


def test_a_configured_key_is_enforced(serve: Serve) -> None:
    body = {"message": QUESTION}
    with serve(server_api_key=KEY) as url:
        missing = httpx.post(f"{url}/chat?stream=false", json=body)
        wrong = httpx.post(
            f"{url}/chat?stream=false", json=body, headers={"Authorization": "Bearer nope"}
        )
        bearer = httpx.post(
            f"{url}/chat?stream=false", json=body, headers={"Authorization": f"Bearer {KEY}"}
        )
        header = httpx.post(f"{url}/chat?stream=false", json=body, headers={"X-API-Key": KEY})
        open_paths = [httpx.get(f"{url}{path}") for path in ("/healthz", "/readyz", "/")]
        asset = httpx.get(f"{url}/static/chat.js")
        models = httpx.get(f"{url}/v1/models")
    assert missing.status_code == wrong.status_code == models.status_code == 401
    assert without_id(missing) == {"error": "missing or wrong API key"}
    assert missing.headers["www-authenticate"] == "Bearer"
    assert bearer.status_code == header.status_code == 200
    assert [response.status_code for response in open_paths] == [200, 200, 200]
    assert asset.status_code == 200


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "::", "copilot.example.com"])
def test_binding_beyond_loopback_requires_a_key(tmp_path: Path, host: str) -> None:
    with pytest.raises(UsageError, match="set COPILOT_SERVER_API_KEY"):
        create_app(PassageBackend(), settings(tmp_path), host=host)
    create_app(PassageBackend(), settings(tmp_path, server_api_key=KEY), host=host)


def test_serve_refuses_before_starting(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="set COPILOT_SERVER_API_KEY"):
        run_server(PassageBackend(), settings(tmp_path), host="0.0.0.0", port=1)


def test_placeholder_server_keys_are_refused_outside_development(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="COPILOT_SERVER_API_KEY holds a placeholder"):
        settings(
            tmp_path, environment="production", llm_provider="offline", server_api_key="changeme"
        )


@pytest.mark.parametrize(
    ("host", "local"),
    [("127.0.0.1", True), ("::1", True), ("[::1]", True), ("localhost", True),
     ("127.0.0.2", True), ("0.0.0.0", False), ("10.0.0.1", False), ("example.com", False)],
)  # fmt: skip
def test_is_local(host: str, local: bool) -> None:
    assert is_local(host) is local


def test_bodies_over_the_limit_are_413(serve: Serve) -> None:
    def chunked() -> Iterator[bytes]:
        for _ in range(10):
            yield b"x" * 100

    with serve(max_request_bytes=500) as url:
        declared = httpx.post(f"{url}/chat", json={"message": "y" * 600})
        streamed = httpx.post(
            f"{url}/chat", content=chunked(), headers={"Content-Type": "application/json"}
        )
        within = httpx.post(f"{url}/chat?stream=false", json={"message": QUESTION})
    assert "content-length" not in streamed.request.headers
    for response in (declared, streamed):
        assert response.status_code == 413
        assert without_id(response) == {"error": "request body is larger than 500 bytes"}
    assert within.status_code == 200


def test_rate_limit_answers_429_until_the_clock_moves(serve: Serve, clock: FakeClock) -> None:
    with serve(rate_limit_per_minute=2) as url:
        allowed = [httpx.get(f"{url}/v1/models").status_code for _ in range(2)]
        limited = httpx.get(f"{url}/v1/models")
        probe = httpx.get(f"{url}/healthz")
        clock.advance(29)
        still = httpx.get(f"{url}/v1/models")
        clock.advance(1)
        again = httpx.get(f"{url}/v1/models")
    assert allowed == [200, 200]
    assert limited.status_code == 429 and limited.headers["retry-after"] == "30"
    assert limited.json()["error"]["message"] == "rate limit exceeded"
    assert probe.status_code == 200
    assert still.status_code == 429 and still.headers["retry-after"] == "1"
    assert again.status_code == 200


def test_valid_keys_have_their_own_bucket_and_guesses_share_the_address(serve: Serve) -> None:
    with serve(rate_limit_per_minute=1, server_api_key=KEY) as url:
        keyed = [httpx.get(f"{url}/v1/models", headers={"X-API-Key": KEY}) for _ in range(2)]
        guesses = [httpx.get(f"{url}/v1/models", headers={"X-API-Key": f"g{n}"}) for n in range(2)]
    assert [response.status_code for response in keyed] == [200, 429]
    assert [response.status_code for response in guesses] == [401, 429]


def test_server_settings_come_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COPILOT_SERVER_API_KEY", KEY)
    monkeypatch.setenv("COPILOT_RATE_LIMIT_PER_MINUTE", "5")
    monkeypatch.setenv("COPILOT_MAX_REQUEST_BYTES", "1000")
    loaded = settings(tmp_path)
    assert loaded.server_api_key is not None and loaded.server_api_key.get_secret_value() == KEY
    assert (loaded.rate_limit_per_minute, loaded.max_request_bytes) == (5, 1000)


def test_the_limiter_forgets_clients_beyond_its_capacity() -> None:
    clock = FakeClock()
    limiter = RateLimiter(60, clock=clock, max_clients=10)
    for number in range(25):
        assert limiter.take(f"ip:10.0.0.{number}") == 0.0
    assert len(limiter) <= 10
