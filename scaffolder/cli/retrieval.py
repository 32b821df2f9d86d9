"""`copilot ingest` and `copilot search`: the project's vector database from the terminal.

File names, headings and passages come from documents, which anyone may have written: they
are printed through `kit.text.printable`, never raw (JSON output escapes them itself)."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from scaffolder.cli._common import reports_errors, say, stdin_is_terminal, warn
from scaffolder.errors import UsageError
from scaffolder.kit.text import printable
from scaffolder.project import require_project

if TYPE_CHECKING:
    from scaffolder.kit.retrieval.ingest import IngestReport
    from scaffolder.kit.settings import CopilotSettings
    from scaffolder.kit.sources import SourceMap

DEFAULT_CORPUS = "data"


@reports_errors
def ingest(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Files or folders to index: in the project, or folders outside it (default: "
            "the project's data/ and every configured source).",
            show_default=False,
        ),
    ] = None,
    reindex: Annotated[
        bool, typer.Option("--reindex", help="Drop the index first (after changing embedder).")
    ] = False,
    save_source: Annotated[
        bool | None,
        typer.Option(
            "--save-source/--no-save-source",
            help="Record folders outside the project in [tool.copilot] sources (asked on a "
            "terminal; not recorded in scripts unless given).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Index documents or code into the project's vector database; only changes are embedded."""
    from scaffolder.journal import handle_termination
    from scaffolder.kit.retrieval.ingest import IngestReport, NothingIngestedError
    from scaffolder.kit.retrieval.ingest import ingest as run_ingest
    from scaffolder.kit.retrieval.store import open_store
    from scaffolder.kit.settings import CopilotSettings
    from scaffolder.kit.sources import SourceMap

    project = require_project("ingest")
    settings = _settings(lambda: CopilotSettings.load(project.root))
    roots = SourceMap.of(project.root, settings.sources)
    if paths:
        targets = [Path(os.path.abspath(path)) for path in paths]  # noqa: PTH100
        roots = _with_new_sources(roots, settings.sources, targets, save_source)
    else:
        data = project.root / DEFAULT_CORPUS
        targets = [source.root for source in roots.sources]
        if data.exists() or not targets:
            targets.insert(0, data)
    store = open_store(settings, project.root)
    report = IngestReport()
    try:
        with handle_termination(), _progress(report) as progress:
            run_ingest(
                targets, project.root, store, progress, rebuild=reindex, sources=roots,
                report=report,
            )  # fmt: skip
    except NothingIngestedError as error:
        _report_skipped(error.report)
        raise
    say(f"Ingested {report.summary()}.")
    _report_skipped(report)


def _settings(load: Callable[[], CopilotSettings]) -> CopilotSettings:
    """`load()`, with invalid settings (a bad `sources` value...) as one line, exit 2."""
    from pydantic import ValidationError

    from scaffolder.kit.settings import settings_problem

    try:
        return load()
    except ValidationError as error:
        raise UsageError(settings_problem(error)) from None


def _with_new_sources(
    roots: SourceMap, configured: list[str], targets: list[Path], save: bool | None
) -> SourceMap:
    """`roots` plus the folders among `targets` that lie outside the project and every
    source: checked like configured ones, then recorded in pyproject.toml when `save` says so
    (or the person agrees on a terminal). Unrecorded, they are ingested this time only."""
    from scaffolder.kit.sources import SourceMap, check_source
    from scaffolder.kit.sources_record import entry_for, record_sources

    outside = [t for t in targets if t.exists() and roots.root_for(t.resolve()) is None]
    if not outside:
        return roots
    for target in outside:
        if target.is_file():
            raise UsageError(
                f"{target} is a file outside the project; give its folder to add the folder "
                "as a source"
            )
        check_source(roots.project, str(target))
    entries = [entry_for(roots.project, target) for target in outside]
    extended = SourceMap.of(roots.project, [*configured, *entries])
    listed = ", ".join(entries)
    if save is None and stdin_is_terminal():
        save = typer.confirm(
            f"Record {listed} in [tool.copilot] sources (so later ingests, ask and apply use it)?",
            default=True,
        )
    if save:
        added = record_sources(roots.project, entries)
        if added:
            say(f"Recorded {', '.join(added)} in [tool.copilot] sources.")
    else:
        warn(f"{listed} ingested but not recorded as a source (--save-source records it)")
    return extended


def _report_skipped(report: IngestReport) -> None:
    """One note per file not ingested, after the work: file names are printed safely."""
    for source, reason in report.skipped:
        warn(printable(f"skipped {source}: {reason}"))


#: Without a terminal, a progress line every this many files (large repositories only).
PLAIN_PROGRESS_EVERY = 10_000


@contextmanager
def _progress(report: IngestReport) -> Iterator[Callable[[str], None] | None]:
    """A live line on a terminal (files seen, indexed, skipped; the current one); when
    piped, a plain line every `PLAIN_PROGRESS_EVERY` files so long runs show they move."""
    if not sys.stderr.isatty():
        walked = 0

        def plain(source: str) -> None:
            nonlocal walked
            walked += 1
            if walked % PLAIN_PROGRESS_EVERY == 0:
                typer.echo(f"ingest: {report.progress_line()}", err=True)

        yield plain
        return
    from rich.console import Console
    from rich.markup import escape
    from rich.progress import Progress, SpinnerColumn, TextColumn

    columns = (SpinnerColumn(), TextColumn("{task.fields[counts]}"),
               TextColumn("{task.description}"))  # fmt: skip
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("", total=None, counts="")
        yield lambda source: bar.update(
            task, description=escape(printable(source)), counts=report.progress_line()
        )


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
