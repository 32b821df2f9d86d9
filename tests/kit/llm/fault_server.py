"""A real OpenAI-compatible HTTP server on loopback that misbehaves on request.

Tests drive the real `openai` SDK against it. Faults are queued per request (`script`), and
capabilities are fixed per server (`rejects`), the way real hosts differ: a queued fault
answers the next request, anything unscripted is answered normally.
"""

from __future__ import annotations

import hashlib
import json
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

FaultKind = Literal["ok", "status", "drop", "slow", "malformed", "content_filter", "text", "drip"]


@dataclass(frozen=True)
class Fault:
    kind: FaultKind
    status: int = 200
    headers: tuple[tuple[str, str], ...] = ()
    delay: float = 0.0
    text: str = ""
    chunks: int = 0


def status(code: int, **headers: str) -> Fault:
    return Fault(
        "status", status=code, headers=tuple((k.replace("_", "-"), v) for k, v in headers.items())
    )


def drop() -> Fault:
    return Fault("drop")


def slow(seconds: float) -> Fault:
    return Fault("slow", delay=seconds)


def malformed() -> Fault:
    return Fault("malformed")


def content_filter() -> Fault:
    return Fault("content_filter", status=400)


def drip(chunks: int, interval: float) -> Fault:
    """Stream `chunks` one-word chunks, one every `interval` seconds, each written on its own,
    stopping when the client has gone (the way a real host stops generating)."""
    return Fault("drip", delay=interval, chunks=chunks)


def answer(text: str) -> Fault:
    """Answer normally, with this text."""
    return Fault("text", text=text)


@dataclass
class FaultServer:
    """Start with `start()`; `url` is the base URL to give the SDK (ends in /v1)."""

    rejects: set[str] = field(default_factory=set)
    azure_stream_prefix: bool = False
    latency: float = 0.0
    faults: deque[Fault] = field(default_factory=deque)
    requests: list[dict[str, Any]] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    #: Chunks a `drip` wrote successfully so far, and set when a drip has stopped.
    dripped: int = 0
    drip_ended: threading.Event = field(default_factory=threading.Event)

    def start(self) -> FaultServer:
        handler = _handler_for(self)
        self._server = _Server(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"{self.root}/v1"

    def script(self, *faults: Fault) -> None:
        with self.lock:
            self.faults.extend(faults)

    @property
    def count(self) -> int:
        with self.lock:
            return len(self.requests)

    def next_fault(self) -> Fault:
        with self.lock:
            return self.faults.popleft() if self.faults else Fault("ok")


class _Server(ThreadingHTTPServer):
    #: Room for hundreds of clients connecting at once (the default of 5 makes them wait
    #: for SYN retransmits, a second each).
    request_queue_size = 512


def _handler_for(server: FaultServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            super().setup()
            # Headers and body go out in two writes; without this, Nagle's algorithm holds
            # the second until the client's delayed ACK, adding ~40 ms to every response.
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: tests read the recorded requests instead."""

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", 0))
            body = json.loads(self.rfile.read(length) or b"{}")
            with server.lock:
                server.requests.append(body)
                server.paths.append(self.path)
            if server.latency:
                time.sleep(server.latency)
            fault = server.next_fault()
            if fault.kind == "drip":
                self._drip(body, fault)
                return
            if fault.kind == "drop":
                self.connection.shutdown(socket.SHUT_RDWR)
                self.close_connection = True
                return
            if fault.kind == "slow":
                time.sleep(fault.delay)
            if fault.kind == "status":
                self._json(fault.status, _error(f"injected HTTP {fault.status}"), fault.headers)
                return
            if fault.kind == "malformed":
                self._raw(200, b'{"id": "x", "choices": [', "application/json")
                return
            if fault.kind == "content_filter":
                self._json(400, _content_filter_error())
                return
            rejected = [name for name in server.rejects if _uses(body, name)]
            if rejected:
                message = f"Unrecognized request argument supplied: {rejected[0]}"
                self._json(400, _error(message, "invalid_request_error"))
                return
            if self.path.split("?")[0].endswith("/embeddings"):
                self._json(200, _embeddings(body))
            elif body.get("stream"):
                self._stream(body, fault.text or _echo(body))
            else:
                self._json(200, _completion(body, fault.text or _echo(body)))

        def _json(self, code: int, payload: Any, headers: tuple[tuple[str, str], ...] = ()) -> None:
            self._raw(code, json.dumps(payload).encode(), "application/json", headers)

        def _raw(
            self, code: int, data: bytes, kind: str, headers: tuple[tuple[str, str], ...] = ()
        ) -> None:
            self.send_response(code)
            self.send_header("content-type", kind)
            self.send_header("content-length", str(len(data)))
            for name, value in headers:
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def _drip(self, body: dict[str, Any], fault: Fault) -> None:
            self.send_response(200)
            self.send_header("content-type", "text/event-stream")
            self.send_header("connection", "close")
            self.end_headers()
            self.close_connection = True
            try:
                for number in range(fault.chunks):
                    event = _chunk(body, {"content": f"word{number} "}, None)
                    self.wfile.write(f"data: {json.dumps(event)}\n\n".encode())
                    self.wfile.flush()
                    with server.lock:
                        server.dripped += 1
                    time.sleep(fault.delay)
                self.wfile.write(b"data: [DONE]\n\n")
            except OSError:
                pass  # the client closed the connection: stop generating
            finally:
                server.drip_ended.set()

        def _stream(self, body: dict[str, Any], text: str) -> None:
            events: list[dict[str, Any]] = []
            if server.azure_stream_prefix:
                events.append(
                    {
                        "id": "",
                        "object": "",
                        "created": 0,
                        "model": "",
                        "choices": [],
                        "prompt_filter_results": [{"prompt_index": 0}],
                    }
                )
            words = text.split(" ")
            for index, word in enumerate(words):
                piece = word if index == len(words) - 1 else word + " "
                events.append(_chunk(body, {"content": piece}, None))
            events.append(_chunk(body, {}, "stop"))
            if body.get("stream_options", {}).get("include_usage"):
                events.append(
                    {**_chunk(body, {}, None), "choices": [], "usage": _usage(body, text)}
                )
            payload = b"".join(f"data: {json.dumps(e)}\n\n".encode() for e in events)
            payload += b"data: [DONE]\n\n"
            self._raw(200, payload, "text/event-stream")

    return Handler


def _uses(body: dict[str, Any], name: str) -> bool:
    if name == "json_schema":
        return (body.get("response_format") or {}).get("type") == "json_schema"
    return name in body


def _echo(body: dict[str, Any]) -> str:
    users = [m["content"] for m in body.get("messages", []) if m.get("role") == "user"]
    return f"echo: {users[-1] if users else ''}"


def _usage(body: dict[str, Any], text: str) -> dict[str, int]:
    prompt = sum(len(str(m.get("content", "")).split()) for m in body.get("messages", []))
    completion = len(text.split())
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }


def _completion(body: dict[str, Any], text: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 0,
        "model": body.get("model", "unknown"),
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "finish_reason": "stop",
                "logprobs": None,
            }
        ],
        "usage": _usage(body, text),
    }


def _chunk(body: dict[str, Any], delta: dict[str, Any], finish: str | None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": body.get("model", "unknown"),
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


def _embeddings(body: dict[str, Any]) -> dict[str, Any]:
    texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
    data = []
    for index, text in enumerate(texts):
        digest = hashlib.sha256(str(text).encode()).digest()
        data.append(
            {
                "object": "embedding",
                "index": index,
                "embedding": [byte / 255 for byte in digest[:8]],
            }
        )
    tokens = sum(len(str(t).split()) for t in texts)
    return {
        "object": "list",
        "data": data,
        "model": body.get("model", "unknown"),
        "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
    }


def _error(message: str, kind: str = "server_error") -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "param": None, "code": None}}


def _content_filter_error() -> dict[str, Any]:
    return {
        "error": {
            "message": "The response was filtered due to the prompt triggering Azure OpenAI's "
            "content management policy.",
            "type": None,
            "param": "prompt",
            "code": "content_filter",
            "status": 400,
            "innererror": {
                "code": "ResponsibleAIPolicyViolation",
                "content_filter_result": {"hate": {"filtered": True, "severity": "high"}},
            },
        }
    }
