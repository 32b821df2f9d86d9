"""`copilot serve`: the project's copilot behind the kit's HTTP server and chat page, with the
extra routes its app declares (a code assistant's /v1/code API)."""

from __future__ import annotations

from typing import Annotated

import typer

from scaffolder.cli._common import reports_errors, say
from scaffolder.cli._copilot import load_app


@reports_errors
def serve(
    host: Annotated[
        str, typer.Option(help="Address to bind; beyond localhost an API key is required.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
) -> None:
    """Run the copilot's HTTP server and chat page (and any routes the project's app adds)."""
    from scaffolder.kit.safety.feedback import FeedbackStore
    from scaffolder.kit.server.run import serve as run_server

    app = load_app("serve")  # invalid settings (a placeholder key in production...): one line
    copilot = app.copilot()
    name = app.root.name
    run_server(
        copilot, app.settings, host, port, name=name, routers=app.routers(copilot),
        feedback=FeedbackStore(app.root / ".copilot" / "feedback.jsonl"),
        announce=lambda url: say(f"Serving {name} on {url} (Ctrl-C to stop)"),
    )  # fmt: skip
