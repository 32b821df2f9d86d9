"""Commands that run inside a generated project: ingest, search, ask, chat, serve, apply,
prompts, bench, telemetry.

Like Rails or Django's manage.py, one `copilot` command both creates projects and runs them.
Each of these finds the enclosing project (a pyproject.toml with [tool.copilot]) first; the
work itself belongs to the kit module that implements it (retrieval, the copilot runtime,
prompts, benchmarks...).
"""

from __future__ import annotations

import typer

PANEL = "Project commands (run inside a generated project)"


def register(app: typer.Typer) -> None:
    from scaffolder.cli.adapt import adapt
    from scaffolder.cli.agent import agent
    from scaffolder.cli.apply import apply
    from scaffolder.cli.ask import ask
    from scaffolder.cli.bench import bench_app
    from scaffolder.cli.chat import chat
    from scaffolder.cli.prompts import prompts_app
    from scaffolder.cli.retrieval import ingest, search
    from scaffolder.cli.serve import serve
    from scaffolder.cli.telemetry import telemetry_app

    app.command("ingest", rich_help_panel=PANEL)(ingest)
    app.command("search", rich_help_panel=PANEL)(search)
    app.command("ask", rich_help_panel=PANEL)(ask)
    app.command("chat", rich_help_panel=PANEL)(chat)
    app.command("serve", rich_help_panel=PANEL)(serve)
    app.command("apply", rich_help_panel=PANEL)(apply)
    app.command("adapt", rich_help_panel=PANEL)(adapt)
    app.command("agent", rich_help_panel=PANEL)(agent)
    app.add_typer(prompts_app, name="prompts", rich_help_panel=PANEL)
    app.add_typer(bench_app, name="bench", rich_help_panel=PANEL)
    app.add_typer(telemetry_app, name="telemetry", rich_help_panel=PANEL)
