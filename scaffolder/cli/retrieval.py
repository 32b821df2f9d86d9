"""`copilot ingest` and `copilot search`: the project's vector database from the terminal.

File names, headings and passages come from documents, which anyone may have written: they
are printed through `kit.text.printable`, never raw (JSON output escapes them itself)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from scaffolder.cli._common import reports_errors, say, warn
from scaffolder.kit.text import printable
from scaffolder.project import require_project

if TYPE_CHECKING:
    from scaffolder.kit.retrieval.ingest import IngestReport

DEFAULT_CORPUS = "data"


@reports_errors
def ingest(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Files or folders to index (default: the project's data/).", show_default=False
        ),
    ] = None,
    reindex: Annotated[
        bool, typer.Option("--reindex", help="Drop the index first (after changing embedder).")
    ] = False,
) -> None:
    """Index documents or code into the project's vector database; only changes are embedded."""
    from scaffolder.journal import handle_termination
    from scaffolder.kit.retrieval.ingest import NothingIngestedError
    from scaffolder.kit.retrieval.ingest import ingest as run_ingest
    from scaffolder.kit.retrieval.store import open_store
    from scaffolder.kit.settings import CopilotSettings

    project = require_project("ingest")
    store = open_store(CopilotSettings.load(project.root), project.root)
    targets = [path.resolve() for path in paths] if paths else [project.root / DEFAULT_CORPUS]
    try:
        with handle_termination(), _progress() as progress:
            report = run_ingest(targets, project.root, store, progress, rebuild=reindex)
    except NothingIngestedError as error:
        _report_skipped(error.report)
        raise
    say(f"Ingested {report.summary()}.")
    _report_skipped(report)


def _report_skipped(report: IngestReport) -> None:
    """One note per file not ingested, after the work: file names are printed safely."""
    for source, reason in report.skipped:
        warn(printable(f"skipped {source}: {reason}"))


@contextmanager
def _progress() -> Iterator[Callable[[str], None] | None]:
    """A live line on a terminal (files done, the current one); nothing when piped."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.markup import escape
    from rich.progress import Progress, SpinnerColumn, TextColumn

    columns = (
        SpinnerColumn(),
        TextColumn("{task.completed} file(s)"),
        TextColumn("{task.description}"),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("", total=None)
        yield lambda source: bar.update(task, advance=1, description=escape(printable(source)))


@reports_errors
def search(
    query: Annotated[str, typer.Argument(help="What to look for.")],
    k: Annotated[int, typer.Option("-k", min=1, max=100, help="How many results.")] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="Results as JSON.")] = False,
    diverse: Annotated[
        bool, typer.Option("--diverse", help="Prefer varied results (maximal marginal relevance).")
    ] = False,
) -> None:
    """Search the project's vector database (dense and BM25, fused) and show cited results."""
    from scaffolder.kit.retrieval.retriever import open_retriever
    from scaffolder.kit.settings import CopilotSettings

    project = require_project("search")
    retriever = open_retriever(CopilotSettings.load(project.root), project.root)
    results = retriever.search(query, k, diverse=diverse)
    if as_json:
        say(json.dumps([
            {"rank": n, "id": r.chunk.id, "score": r.score, "scores": r.scores,
             "citation": r.chunk.citation(), "source": r.chunk.source,
             "start_line": r.chunk.start_line, "end_line": r.chunk.end_line,
             "section": r.chunk.section, "text": r.chunk.text}
            for n, r in enumerate(results, start=1)
        ], indent=2))  # fmt: skip
        return
    if not results:
        say("No results (is the index empty? run `copilot ingest`).")
        return
    for rank, result in enumerate(results, start=1):
        parts = ", ".join(f"{name} {value:.3f}" for name, value in sorted(result.scores.items()))
        typer.secho(printable(f"[{rank}] {result.chunk.citation()}  ({parts})"), bold=True)
        snippet = " ".join(printable(result.chunk.text).split())
        say(f"    {snippet[:200]}{'…' if len(snippet) > 200 else ''}")
