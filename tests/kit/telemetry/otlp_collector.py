"""A loopback OTLP/HTTP collector: receives real protobuf trace exports and keeps the bytes."""

from __future__ import annotations

from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

from tests.loopback import LoopbackHTTP


@dataclass
class Collector:
    bodies: list[bytes] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)

    def start(self) -> Collector:
        self._http = LoopbackHTTP(_handler_for(self))
        return self

    def stop(self) -> None:
        self._http.stop()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self._http.port}"

    def spans(self) -> list[Any]:
        """Every span received, decoded from the protobuf bodies."""
        found = []
        for body in self.bodies:
            request = ExportTraceServiceRequest()
            request.ParseFromString(body)
            for resource in request.resource_spans:
                for scope in resource.scope_spans:
                    found.extend(scope.spans)
        return found


def _handler_for(collector: Collector) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet."""

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            collector.paths.append(self.path)
            collector.bodies.append(body)
            reply = ExportTraceServiceResponse().SerializeToString()
            self.send_response(200)
            self.send_header("Content-Type", "application/x-protobuf")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

    return Handler
