"""`copilot serve`: the project's copilot behind the kit's HTTP server and chat page."""

from __future__ import annotations

from typing import Annotated

import typer

from scaffolder.cli._common import reports_errors, say
from scaffolder.cli._copilot import load_copilot


@reports_errors
def serve(
    host: Annotated[
        str, typer.Option(help="Address to bind; beyond localhost an API key is required.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
) -> None:
    """Run the copilot's HTTP server and chat page."""
    from scaffolder.kit.server.run import serve as run_server

    copilot = load_copilot("serve")
    settings = copilot.services.settings
    say(f"Serving {copilot.services.root.name} on http://{host}:{port}/ (Ctrl-C to stop)")
    run_server(copilot, settings, host, port, name=copilot.services.root.name)
