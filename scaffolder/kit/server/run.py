"""`serve`: run the server with uvicorn (what `copilot serve` calls)."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import uvicorn
from fastapi import APIRouter

from scaffolder.kit.server.app import create_app
from scaffolder.kit.server.backend import ChatBackend
from scaffolder.kit.server.feedback import FeedbackSink
from scaffolder.kit.server.logs import logger
from scaffolder.kit.settings import CopilotSettings
from scaffolder.project import find_project


def serve(
    backend: ChatBackend,
    settings: CopilotSettings,
    host: str = "127.0.0.1",
    port: int = 8000,
    *,
    feedback: FeedbackSink | None = None,
    name: str | None = None,
    routers: Sequence[APIRouter] = (),
) -> None:
    """Serve `backend` until interrupted. Refuses (UsageError) to bind beyond loopback
    without COPILOT_SERVER_API_KEY. `name` defaults to the project folder's name; `routers`
    are a template's own endpoints (see `create_app`)."""
    if name is None:
        project = find_project()
        name = project.root.name if project else "copilot"
    app = create_app(backend, settings, host=host, feedback=feedback, name=name, routers=routers)
    if not logger.handlers:
        # Request lines are JSON already: print them as they are, one per line.
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
    # uvicorn's access log would duplicate the JSON request lines, with query strings.
    uvicorn.run(app, host=host, port=port, access_log=False, log_level="info")
