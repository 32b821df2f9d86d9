"""`copilot bench import` and `import-feedback`: a spreadsheet, or the server's rated
conversations, as a suite. The checks and the writing belong to `scaffolder.kit.bench`."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from scaffolder.cli._common import reports_errors, say, warn
from scaffolder.project import require_project


@reports_errors
def import_spreadsheet(
    source: Annotated[Path, typer.Argument(metavar="FILE", help="A .csv or .xlsx file.")],
    name: Annotated[
        str | None, typer.Option("--name", help="Suite name (default: the file's name).")
    ] = None,
    id_column: Annotated[str | None, typer.Option("--id-column", help="Default: id.")] = None,
    input_column: Annotated[
        str | None, typer.Option("--input-column", help="Default: input.")
    ] = None,
    reference_column: Annotated[
        str | None, typer.Option("--reference-column", help="Default: reference.")
    ] = None,
    tags_column: Annotated[str | None, typer.Option("--tags-column", help="Default: tags.")] = None,
    intent_column: Annotated[
        str | None, typer.Option("--intent-column", help="Default: intent.")
    ] = None,
    sources_column: Annotated[
        str | None, typer.Option("--sources-column", help="Default: sources.")
    ] = None,
    separator: Annotated[
        str, typer.Option("--separator", help="Splits cells with several values.")
    ] = "|",
    grader: Annotated[
        list[str] | None, typer.Option("--grader", help="Suite default grader (repeatable).")
    ] = None,
    prompt: Annotated[
        str | None, typer.Option("--prompt", help="Library prompt for the default target.")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing suite.")] = False,
) -> None:
    """Turn a spreadsheet into benchmarks/NAME.jsonl (bad rows are named by row number)."""
    from scaffolder.kit.bench.importer import SpreadsheetImport, import_spreadsheet

    root = require_project("bench import").root
    chosen = {
        "id": id_column,
        "input": input_column,
        "reference": reference_column,
        "tags": tags_column,
        "intent": intent_column,
        "sources": sources_column,
    }
    request = SpreadsheetImport(
        root, source, name, chosen, separator, tuple(grader or ()), prompt, force
    )
    destination, count = import_spreadsheet(request)
    say(f"Wrote {destination.relative_to(root)} ({count} cases)")


class FeedbackRatings(StrEnum):
    down = "down"
    up = "up"
    all = "all"


@reports_errors
def import_feedback_command(
    source: Annotated[
        Path, typer.Option("--file", help="Feedback the server recorded (JSON Lines).")
    ] = Path(".copilot/feedback.jsonl"),
    name: Annotated[str, typer.Option("--name", help="Suite to add to: benchmarks/NAME.jsonl.")] = (
        "feedback"
    ),
    only: Annotated[
        FeedbackRatings, typer.Option("--only", help="Which ratings become cases.")
    ] = FeedbackRatings.down,
) -> None:
    """Turn rated conversations into cases (redacted), added to benchmarks/NAME.jsonl."""
    from scaffolder.kit.bench.feedback import feedback_suite, import_feedback
    from scaffolder.kit.safety.redaction import Redactor
    from scaffolder.kit.settings import CopilotSettings

    root = require_project("bench import-feedback").root
    feedback, destination = feedback_suite(root, source, name)
    redactor = Redactor(CopilotSettings.load(root).redact_patterns)
    done = import_feedback(feedback, destination, only.value, redactor)
    shown = destination.relative_to(root)
    if done.skipped:
        warn(f"skipped {len(done.skipped)} case(s) already in {shown}: {', '.join(done.skipped)}")
    if not done.added:
        say(f"Nothing new for {shown} (no {only.value}-rated feedback with a question left)")
        return
    verb = "Wrote" if done.created else "Added to"
    say(
        f"{verb} {shown} ({len(done.added)} case(s)); add references before running it: "
        "the answer given and the comment are in each case's notes"
    )
