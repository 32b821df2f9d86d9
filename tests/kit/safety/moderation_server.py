"""A loopback HTTP server speaking OpenAI's moderation API (`POST /v1/moderations`).

It scores inputs from a table of trigger words so tests can drive the real `openai` SDK
through a real HTTP round trip; `status` makes it fail the next requests with that code.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.loopback import LoopbackHTTP

CATEGORIES = (
    "harassment", "harassment/threatening", "hate", "hate/threatening", "illicit",
    "illicit/violent", "self-harm", "self-harm/intent", "self-harm/instructions", "sexual",
    "sexual/minors", "violence", "violence/graphic",
)  # fmt: skip


@dataclass
class ModerationServer:
    #: trigger word -> {openai category: score}; a score >= 0.5 also sets the flag.
    triggers: dict[str, dict[str, float]] = field(default_factory=dict)
    inputs: list[str] = field(default_factory=list)
    status: int = 200

    def start(self) -> ModerationServer:
        self._http = LoopbackHTTP(_handler_for(self))
        return self

    def stop(self) -> None:
        self._http.stop()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._http.port}/v1"

    def result(self, text: str) -> dict[str, Any]:
        scores = dict.fromkeys(CATEGORIES, 0.001)
        for word, table in self.triggers.items():
            if word in text.lower():
                for category, score in table.items():
                    scores[category] = max(scores[category], score)
        flags = {category: score >= 0.5 for category, score in scores.items()}
        return {
            "flagged": any(flags.values()),
            "categories": flags,
            "category_scores": scores,
            "category_applied_input_types": {category: ["text"] for category in CATEGORIES},
        }


def _handler_for(server: ModerationServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet."""

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            if self.path != "/v1/moderations":
                return self._send(404, {"error": {"message": "not found"}})
            if server.status != 200:
                return self._send(server.status, {"error": {"message": "unavailable"}})
            texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
            server.inputs.extend(texts)
            payload = {
                "id": "modr-1",
                "model": body.get("model", "omni-moderation-latest"),
                "results": [server.result(text) for text in texts],
            }
            return self._send(200, payload)

        def _send(self, code: int, payload: Any) -> None:
            data = json.dumps(payload).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler
