"""The `copilot` command: thin Typer commands, one module per command group."""

from __future__ import annotations

from typing import Annotated

import typer

from scaffolder import __version__
from scaffolder.cli import project
from scaffolder.cli.doctor import doctor
from scaffolder.cli.list_templates import list_templates
from scaffolder.cli.new import new
from scaffolder.cli.update import update

app = typer.Typer(
    name="copilot",
    help="Generate, run, test and update LLM product copilots.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"copilot {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_show_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """Generate, run, test and update LLM product copilots."""


app.command("new")(new)
app.command("update")(update)
app.command("doctor")(doctor)
app.command("list")(list_templates)
project.register(app)


def main() -> None:
    app()
