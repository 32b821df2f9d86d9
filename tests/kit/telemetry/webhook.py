"""A loopback webhook receiver: keeps the JSON bodies posted to it."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.loopback import LoopbackHTTP


class Webhook:
    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.received = threading.Event()
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers["content-length"])
                hook.bodies.append(json.loads(self.rfile.read(length)))
                self.send_response(200)
                self.send_header("content-length", "0")
                self.end_headers()
                hook.received.set()

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet."""

        self.http = LoopbackHTTP(Handler)
        self.url = f"http://127.0.0.1:{self.http.port}/hook"

    def stop(self) -> None:
        self.http.stop()
