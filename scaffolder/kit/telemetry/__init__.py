"""Telemetry on OpenTelemetry: GenAI semantic conventions plus copilot's attributes, exported to
the console, an OTLP collector or a local JSON Lines file, with message content off by default;
a span per turn and per model call, and an alert when production spend runs over a threshold.
"""

from scaffolder.kit.telemetry.jsonl import JsonlSpanExporter
from scaffolder.kit.telemetry.setup import Telemetry, TelemetryConfig
from scaffolder.kit.telemetry.spend import CostAlertConfig, SpendAlarm
from scaffolder.kit.telemetry.summary import Summary, summarize
from scaffolder.kit.telemetry.turns import Turn

__all__ = [
    "CostAlertConfig",
    "JsonlSpanExporter",
    "SpendAlarm",
    "Summary",
    "Telemetry",
    "TelemetryConfig",
    "Turn",
    "summarize",
]
