"""Commands that run inside a generated project: ingest, search, ask, chat, serve, bench, prompts.

Like Rails or Django's manage.py, one `copilot` command both creates projects and runs them.
Each of these finds the enclosing project (a pyproject.toml with [tool.copilot]) first; the
work itself belongs to the kit module that implements it (retrieval, prompts, benchmarks...).
"""

from __future__ import annotations

from collections.abc import Callable

import typer

from scaffolder import __version__
from scaffolder.cli._common import reports_errors
from scaffolder.errors import UsageError
from scaffolder.project import require_project

PANEL = "Project commands (run inside a generated project)"

#: name -> (help, the kit part that will implement it)
PROJECT_COMMANDS: dict[str, tuple[str, str]] = {
    "ask": ("Ask the copilot one question and print the cited answer.", "the template's skills"),
    "chat": ("Talk to the copilot in the terminal, with follow-up turns.", "routing"),
    "serve": ("Run the copilot's HTTP server and chat page.", "the template's server"),
}


def _project_command(name: str, summary: str, provider: str) -> Callable[[typer.Context], None]:
    @reports_errors
    def command(ctx: typer.Context) -> None:
        require_project(name)
        raise UsageError(
            f"`copilot {name}` is not available in copilot {__version__} yet; it "
            f"arrives with {provider}"
        )

    command.__name__ = name
    command.__doc__ = summary
    return command


def register(app: typer.Typer) -> None:
    from scaffolder.cli.apply import apply
    from scaffolder.cli.bench import bench_app
    from scaffolder.cli.prompts import prompts_app
    from scaffolder.cli.retrieval import ingest, search
    from scaffolder.cli.telemetry import telemetry_app

    app.command("ingest", rich_help_panel=PANEL)(ingest)
    app.command("search", rich_help_panel=PANEL)(search)
    app.command("apply", rich_help_panel=PANEL)(apply)
    app.add_typer(prompts_app, name="prompts", rich_help_panel=PANEL)
    app.add_typer(bench_app, name="bench", rich_help_panel=PANEL)
    app.add_typer(telemetry_app, name="telemetry", rich_help_panel=PANEL)
    for name, (summary, provider) in PROJECT_COMMANDS.items():
        app.command(
            name,
            rich_help_panel=PANEL,
            context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
        )(_project_command(name, summary, provider))
