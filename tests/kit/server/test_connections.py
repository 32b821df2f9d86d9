"""Slow clients against the real uvicorn server on loopback, over raw sockets: a request head
or body that trickles in is cut off, and connections past the cap are refused at once rather
than held, so trickling clients cannot starve real ones. Timeouts are short here (0.5 s); the
waits around them are generous and only bound how long a broken guard makes a test hang."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from scaffolder.kit.safety.feedback import FeedbackStore
from scaffolder.kit.server import create_app
from scaffolder.kit.server.connections import ConnectionLimits
from tests.kit.server.backends import PassageBackend
from tests.kit.server.conftest import serving, settings

TIMEOUT = 0.5
#: How long a test waits for the server to act before calling the guard broken.
PATIENCE = 10.0
PARSERS = ["h11", "httptools"]


@contextmanager
def server(
    tmp_path: Path, parser: str, max_connections: int = 256, **overrides: float
) -> Iterator[tuple[str, int]]:
    limits = ConnectionLimits(TIMEOUT, TIMEOUT, max_connections)
    app = create_app(
        PassageBackend(),
        settings(tmp_path, server_body_timeout=TIMEOUT, **overrides),
        feedback=FeedbackStore(tmp_path / "feedback.jsonl"),
    )
    with serving(app, limits, parser) as url:
        yield url, int(url.rsplit(":", 1)[1])


def connect(port: int) -> socket.socket:
    client = socket.create_connection(("127.0.0.1", port), timeout=PATIENCE)
    client.settimeout(0.05)
    return client


def closed_by_server(client: socket.socket, trickle: bytes = b"") -> bool:
    """Whether the server closes `client` within PATIENCE while it sends `trickle` a byte at a
    time (nothing when empty); True as soon as the server hangs up."""
    deadline = time.monotonic() + PATIENCE
    sent = 0
    while time.monotonic() < deadline:
        try:
            if trickle:
                client.send(trickle[sent % len(trickle) : sent % len(trickle) + 1])
                sent += 1
            if client.recv(4096) == b"":
                return True
        except TimeoutError:
            continue
        except OSError:  # reset, broken pipe: closed all the same
            return True
    return False


def received(client: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection (a reset ends it too);
    fails when the server keeps the connection open past PATIENCE."""
    client.settimeout(PATIENCE)
    data = b""
    try:
        while chunk := client.recv(4096):
            data += chunk
    except TimeoutError:
        pytest.fail(f"the server kept the connection open; it sent {data[:60]!r}")
    except OSError:
        pass
    return data


@pytest.mark.parametrize("parser", PARSERS)
def test_a_client_trickling_its_head_is_cut_off_while_others_are_served(
    tmp_path: Path, parser: str
) -> None:
    with server(tmp_path, parser) as (url, port):
        slow = connect(port)
        slow.send(b"POST /chat HTTP/1.1\r\nHost: x\r\n")
        assert httpx.get(f"{url}/healthz").status_code == 200
        assert closed_by_server(slow, trickle=b"X-Padding: aaaa\r\n")
        assert httpx.get(f"{url}/healthz").status_code == 200


@pytest.mark.parametrize("parser", PARSERS)
def test_a_kept_alive_connection_must_send_its_next_head_in_time(
    tmp_path: Path, parser: str
) -> None:
    """uvicorn's keep-alive timer restarts on every byte; the head deadline does not."""
    with server(tmp_path, parser) as (_, port):
        client = connect(port)
        client.send(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        client.settimeout(PATIENCE)
        assert client.recv(4096).startswith(b"HTTP/1.1 200")
        client.settimeout(0.05)
        client.send(b"GET /healthz HTTP/1.1\r\n")
        assert closed_by_server(client, trickle=b"X-Padding: aaaa\r\n")


@pytest.mark.parametrize("parser", PARSERS)
def test_a_body_that_trickles_gets_408_and_the_connection_closes(
    tmp_path: Path, parser: str
) -> None:
    with server(tmp_path, parser) as (_, port):
        client = connect(port)
        client.send(
            b"POST /chat HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\n"
            b'content-length: 100\r\n\r\n{"message": '
        )
        answer = received(client)
    assert answer.startswith(b"HTTP/1.1 408")
    assert b"did not arrive within 0.5 seconds" in answer
    assert b"x-request-id:" in answer


@pytest.mark.parametrize("parser", PARSERS)
def test_past_the_cap_trickling_clients_are_refused_and_real_ones_served_after_the_timeout(
    tmp_path: Path, parser: str
) -> None:
    cap = 3
    with server(tmp_path, parser, max_connections=cap) as (url, port):
        holders = [connect(port) for _ in range(cap)]
        for holder in holders:
            holder.send(b"GET /healthz HTTP/1.1\r\n")
        time.sleep(0.05)  # let the server accept them (order only; no timing is asserted)
        latecomers = [connect(port) for _ in range(cap)]
        for latecomer in latecomers:
            answer = received(latecomer)
            assert answer.startswith(b"HTTP/1.1 503") or answer == b""
        # The holders are cut off at their head deadline, freeing their places.
        assert all(closed_by_server(holder) for holder in holders)
        assert httpx.get(f"{url}/healthz").status_code == 200
