"""What every command shares: option aliases, output, and turning errors into exit codes."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, ParamSpec, TypeVar

import typer

from scaffolder.errors import CopilotError

P = ParamSpec("P")
R = TypeVar("R")

DataOption = Annotated[
    list[str] | None,
    typer.Option(
        "--data",
        "-d",
        metavar="KEY=VALUE",
        help="Answer a template question (repeatable), e.g. -d llm_provider=openai.",
    ),
]
TrustOption = Annotated[
    bool,
    typer.Option(
        "--trust",
        help="Allow a third-party template to run its tasks, migrations and Jinja extensions.",
    ),
]


class OutputFormat(StrEnum):
    text = "text"
    json = "json"


FormatOption = Annotated[
    OutputFormat,
    typer.Option("--format", help="text for people, json for CI, editors and other tools."),
]
ProjectPathArgument = Annotated[
    Path,
    typer.Argument(help="The generated project (default: the one you are in).", show_default=False),
]


def say(message: str = "") -> None:
    """Normal output, on stdout."""
    typer.echo(message)


def warn(message: str) -> None:
    """A notice that does not stop the command, on stderr."""
    typer.secho(f"note: {message}", fg=typer.colors.YELLOW, err=True)


def fail(message: str) -> None:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)


def reports_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Print a `CopilotError` (or settings that failed validation) as one line and exit with
    its code, without a traceback."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except CopilotError as error:
            fail(str(error))
            raise typer.Exit(error.exit_code) from None
        except KeyboardInterrupt:
            fail("interrupted")
            raise typer.Exit(130) from None
        except ValueError as error:  # pydantic's ValidationError is one
            from scaffolder.kit.settings import invalid_settings

            problem = invalid_settings(error)
            if problem is None:
                raise
            fail(problem)  # the project's settings (files, environment): the user's input
            raise typer.Exit(2) from None

    return wrapper


def stdin_is_terminal() -> bool:
    return sys.stdin is not None and sys.stdin.isatty()
