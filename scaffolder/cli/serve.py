"""`copilot serve`: the project's copilot behind the kit's HTTP server and chat page."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from scaffolder.cli._common import reports_errors, say
from scaffolder.cli._copilot import load_copilot
from scaffolder.errors import UsageError
from scaffolder.project import PYPROJECT, read_copilot_table

if TYPE_CHECKING:
    from fastapi import APIRouter

    from scaffolder.kit.copilot import Copilot


@reports_errors
def serve(
    host: Annotated[
        str, typer.Option(help="Address to bind; beyond localhost an API key is required.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
) -> None:
    """Run the copilot's HTTP server and chat page (and a code assistant's /v1/code API)."""
    from pydantic import ValidationError

    from scaffolder.kit.server.run import serve as run_server
    from scaffolder.kit.settings import settings_problem

    try:
        copilot = load_copilot("serve")
    except ValidationError as error:  # a placeholder key in production, a bad limit...
        raise UsageError(settings_problem(error)) from None
    name = copilot.services.root.name
    run_server(
        copilot, copilot.services.settings, host, port, name=name,
        routers=template_routers(copilot),
        announce=lambda url: say(f"Serving {name} on {url} (Ctrl-C to stop)"),
    )  # fmt: skip


def template_routers(copilot: Copilot) -> list[APIRouter]:
    """The endpoints of the project's template besides chat: /v1/code for a code assistant."""
    table = read_copilot_table(copilot.services.root / PYPROJECT) or {}
    if table.get("template") != "code-assistant":
        return []
    from scaffolder.kit.code.api import code_router

    return [code_router(copilot)]
