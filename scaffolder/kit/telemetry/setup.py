"""Starting telemetry: an OpenTelemetry tracer provider with the exporters a project asks for.

    telemetry = Telemetry.from_settings(settings)
    with telemetry.turn("qa", intent="question") as turn:
        completion = llm.complete(request)      # a `chat {model}` child span of the turn
        turn.guard(rails.check_output(completion.text))

Inside `turn(...)` the turn is the LLM client's call observer (a context variable), so every
model and embedding call the skills make, cached or not, is recorded under it.

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

from opentelemetry import context as otel_context
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
from scaffolder.kit.llm.observe import observing
from scaffolder.kit.safety.redaction import Redactor
from scaffolder.kit.telemetry import attributes as attr
from scaffolder.kit.telemetry.calls import set_prompt
from scaffolder.kit.telemetry.jsonl import JsonlSpanExporter
from scaffolder.kit.telemetry.spend import CostAlertConfig, SpendAlarm
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
    #: Alert when model spend over a rolling window passes a threshold (None: no alert).
    cost_alert: CostAlertConfig | None = None


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
        alert = self.config.cost_alert
        self.spend = (
            SpendAlarm(alert, service=self.config.service_name) if alert is not None else None
        )

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
            cost_alert=cost_alert_from_settings(settings, root),
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
        set_prompt(span, prompt)
        turn = Turn(
            span,
            self.tracer,
            capture=self.config.capture_content,
            redactor=self.redactor,
            on_spend=self.spend.spent if self.spend is not None else None,
        )
        try:
            with observing(turn), _current(span):
                yield turn
        except GeneratorExit:
            # The reader of a streamed turn stopped reading (`ask` once it has the reply, a
            # client that left): not a failure of the turn.
            raise
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
        """Export the spans still buffered and wait for cost alert webhooks under way."""
        self.provider.force_flush()
        if self.spend is not None:
            self.spend.wait()

    def shutdown(self) -> None:
        if self.spend is not None:
            self.spend.wait()
        self.provider.shutdown()


@contextmanager
def _current(span: trace.Span) -> Iterator[None]:
    """Make `span` OpenTelemetry's current span inside the block (for instrumented libraries).

    Unlike `trace.use_span`, leaving a block that spans generator yields in another context
    than it began (a server's thread pool resumes generators in copied contexts) is quiet:
    the context it was set in is gone already, so there is nothing to detach.
    """
    token = otel_context.attach(trace.set_span_in_context(span))
    try:
        yield
    finally:
        if trace.get_current_span() is span:
            otel_context.detach(token)


def cost_alert_from_settings(
    settings: CopilotSettings, root: Path | None
) -> CostAlertConfig | None:
    """The production cost alert `cost_alert_usd` asks for, posting to the benchmark cost
    alerts' webhook (`COPILOT_BENCH_WEBHOOK`, else `[tool.copilot.bench] webhook_url`)."""
    if settings.cost_alert_usd is None:
        return None
    from scaffolder.kit.telemetry.webhook import webhook_url
    from scaffolder.project import read_copilot_table

    table = None
    if root is not None and (root / "pyproject.toml").is_file():
        table = read_copilot_table(root / "pyproject.toml")
    return CostAlertConfig(
        threshold_usd=settings.cost_alert_usd,
        window_seconds=settings.cost_alert_window_minutes * 60,
        webhook_url=webhook_url(table or {}),
    )
