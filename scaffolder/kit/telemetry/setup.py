"""Starting telemetry: an OpenTelemetry tracer provider with the exporters a project asks for.

    telemetry = Telemetry.from_settings(settings)
    with telemetry.turn("qa", intent="question") as turn:
        completion = turn.complete(llm, request)
        turn.guard(rails.check_output(completion.text))

Exporters: `console` (spans as JSON on stdout), `otlp` (OTLP over HTTP/protobuf to a collector
at `otlp_endpoint`, batched) and `jsonl` (a local file, `telemetry_file`). Each `Telemetry` owns
its provider instead of installing a global one, so tests and several copilots in one process
do not share exporters; `install_global()` makes it the process-wide provider when wanted.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal, TextIO

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SimpleSpanProcessor,
    SpanExporter,
)

from scaffolder.errors import UsageError
from scaffolder.kit.safety.redaction import Redactor
from scaffolder.kit.telemetry import attributes as attr
from scaffolder.kit.telemetry.jsonl import JsonlSpanExporter
from scaffolder.kit.telemetry.turns import Turn

if TYPE_CHECKING:
    from scaffolder.kit.settings import CopilotSettings

ExporterName = Literal["console", "otlp", "jsonl"]
DEFAULT_OTLP = "http://localhost:4318"


@dataclass(frozen=True)
class TelemetryConfig:
    exporters: Sequence[ExporterName] = ()
    file: Path = Path(".copilot/telemetry.jsonl")
    otlp_endpoint: str | None = None
    #: Record message text (redacted). Off by default, like the GenAI conventions.
    capture_content: bool = False
    service_name: str = "copilot"
    redact_patterns: dict[str, str] = field(default_factory=dict)


def otlp_traces_url(endpoint: str) -> str:
    """The traces URL for an OTLP/HTTP endpoint given as a base URL or as the full path."""
    endpoint = endpoint.rstrip("/")
    return endpoint if endpoint.endswith("/v1/traces") else f"{endpoint}/v1/traces"


class Telemetry:
    def __init__(
        self,
        config: TelemetryConfig | None = None,
        *,
        console: TextIO | None = None,
        exporters: Sequence[SpanExporter] = (),
    ) -> None:
        """`exporters` adds span exporters of your own (each behind a simple processor)."""
        self.config = config or TelemetryConfig()
        self.redactor = Redactor(self.config.redact_patterns)
        self.provider = TracerProvider(
            resource=Resource.create({"service.name": self.config.service_name})
        )
        for name in self.config.exporters:
            self.provider.add_span_processor(self._processor(name, console))
        for exporter in exporters:
            self.provider.add_span_processor(SimpleSpanProcessor(exporter))
        self.tracer = self.provider.get_tracer("scaffolder.kit.telemetry")

    def _processor(
        self, name: str, console: TextIO | None
    ) -> SimpleSpanProcessor | BatchSpanProcessor:
        if name == "console":
            return SimpleSpanProcessor(ConsoleSpanExporter(out=console or sys.stdout))
        if name == "jsonl":
            return SimpleSpanProcessor(JsonlSpanExporter(self.config.file))
        if name == "otlp":
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            url = otlp_traces_url(self.config.otlp_endpoint or DEFAULT_OTLP)
            return BatchSpanProcessor(OTLPSpanExporter(endpoint=url))
        raise UsageError(f"unknown telemetry exporter {name!r}: use console, otlp or jsonl")

    @classmethod
    def from_settings(
        cls, settings: CopilotSettings, root: Path | None = None, *, console: TextIO | None = None
    ) -> Telemetry:
        """Telemetry as `[tool.copilot]` and the environment describe it; the JSONL file is
        relative to `root` (the project) when not absolute."""
        path = settings.telemetry_file
        if root is not None and not path.is_absolute():
            path = root / path
        config = TelemetryConfig(
            exporters=tuple(settings.telemetry_exporters),
            file=path,
            otlp_endpoint=settings.otlp_endpoint,
            capture_content=settings.telemetry_capture_content,
            redact_patterns=dict(settings.redact_patterns),
        )
        return cls(config, console=console)

    @contextmanager
    def turn(
        self, skill: str, *, intent: str | None = None, prompt: str | None = None
    ) -> Iterator[Turn]:
        """A `copilot.turn` span around one user turn; ended (and exported) on exit."""
        span = self.tracer.start_span(attr.TURN_SPAN)
        span.set_attribute(attr.SKILL, skill)
        span.set_attribute(attr.CAPTURE, self.config.capture_content)
        if intent:
            span.set_attribute(attr.INTENT, intent)
        if prompt:
            name, _, version = prompt.partition("@")
            span.set_attribute(attr.PROMPT_NAME, name)
            if version:
                span.set_attribute(attr.PROMPT_VERSION, version)
        turn = Turn(span, self.tracer, capture=self.config.capture_content, redactor=self.redactor)
        try:
            with trace.use_span(span, record_exception=False, set_status_on_exception=False):
                yield turn
        except BaseException as error:
            span.set_attribute(attr.ERROR_TYPE, type(error).__name__)
            span.set_status(trace.Status(trace.StatusCode.ERROR, type(error).__name__))
            raise
        finally:
            turn.finish()
            span.end()

    def install_global(self) -> None:
        """Make this the process-wide tracer provider (OpenTelemetry allows this once)."""
        trace.set_tracer_provider(self.provider)

    def flush(self) -> None:
        self.provider.force_flush()

    def shutdown(self) -> None:
        self.provider.shutdown()
