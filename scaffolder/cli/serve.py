"""`copilot serve`: the project's copilot behind the kit's HTTP server and chat page."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from scaffolder.cli._common import reports_errors, say
from scaffolder.cli._copilot import load_copilot
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
    from scaffolder.kit.server.run import serve as run_server

    copilot = load_copilot("serve")
    settings = copilot.services.settings
    say(f"Serving {copilot.services.root.name} on http://{host}:{port}/ (Ctrl-C to stop)")
    run_server(
        copilot, settings, host, port, name=copilot.services.root.name,
        routers=template_routers(copilot),
    )  # fmt: skip


def template_routers(copilot: Copilot) -> list[APIRouter]:
    """The endpoints of the project's template besides chat: /v1/code for a code assistant."""
    table = read_copilot_table(copilot.services.root / PYPROJECT) or {}
    if table.get("template") != "code-assistant":
        return []
    from scaffolder.kit.code.api import code_router

    return [code_router(copilot)]
