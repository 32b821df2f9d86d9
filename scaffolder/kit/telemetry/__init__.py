"""Telemetry on OpenTelemetry: GenAI semantic conventions plus copilot's attributes, exported to
the console, an OTLP collector or a local JSON Lines file, with message content off by default.
"""

from scaffolder.kit.telemetry.jsonl import JsonlSpanExporter
from scaffolder.kit.telemetry.setup import Telemetry, TelemetryConfig
from scaffolder.kit.telemetry.summary import Summary, summarize
from scaffolder.kit.telemetry.turns import Turn

__all__ = ["JsonlSpanExporter", "Summary", "Telemetry", "TelemetryConfig", "Turn", "summarize"]
