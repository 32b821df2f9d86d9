"""`copilot telemetry ...`: read what the copilot recorded about itself.

`summary` works from the local JSON Lines file (the `jsonl` exporter), so a team sees skill
usage, latency and cost without running a collector.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from scaffolder.cli._common import FormatOption, OutputFormat, reports_errors, say

telemetry_app = typer.Typer(help="Summarise the copilot's local telemetry.", no_args_is_help=True)


def _default_file() -> Path:
    from scaffolder.kit.settings import CopilotSettings
    from scaffolder.project import require_project

    root = require_project("telemetry summary").root
    path = CopilotSettings.load(root).telemetry_file
    return path if path.is_absolute() else root / path


@telemetry_app.command("summary")
@reports_errors
def summary(
    file: Annotated[
        Path | None,
        typer.Argument(
            help="A telemetry JSONL file (default: the project's telemetry_file).",
            show_default=False,
        ),
    ] = None,
    output: FormatOption = OutputFormat.text,
) -> None:
    """Tokens, cost and p50/p95 latency per skill and per prompt version, and cost per day."""
    from scaffolder.kit.telemetry.summary import read_records, summarize

    result = summarize(read_records(file or _default_file()))
    if output is OutputFormat.json:
        say(json.dumps(result.to_dict(), indent=2))
    else:
        say(result.format_text())
