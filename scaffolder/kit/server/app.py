"""`create_app`: the FastAPI application in front of a `ChatBackend`.

Endpoints: `POST /chat` (server-sent events, or JSON), the OpenAI-compatible `/v1` routes,
`POST /feedback`, the `/healthz` and `/readyz` probes, and the chat page at `/`. Every request
first passes `GuardMiddleware` (API key, rate limit, body size, request log).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Literal

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from scaffolder.errors import CopilotError
from scaffolder.kit.safety.redaction import Redactor
from scaffolder.kit.server.auth import configured_key
from scaffolder.kit.server.backend import ChatBackend
from scaffolder.kit.server.feedback import (
    DiscardedFeedback,
    FeedbackSink,
    RecentTurns,
    RedactedFeedback,
)
from scaffolder.kit.server.limits import RateLimiter
from scaffolder.kit.server.logs import log_failure
from scaffolder.kit.server.middleware import GuardConfig, GuardMiddleware
from scaffolder.kit.server.openai_compat import openai_router
from scaffolder.kit.server.responses import (
    INTERNAL_ERROR,
    copilot_error_response,
    error_response,
)
from scaffolder.kit.server.streaming import ClosingStream
from scaffolder.kit.server.turns import TurnRunner, chat_events
from scaffolder.kit.settings import CopilotSettings

STATIC = Path(__file__).resolve().parent / "static"
#: The page loads nothing from elsewhere and runs no inline script; say so to the browser.
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


class ChatBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    message: str = Field(min_length=1)
    conversation_id: str | None = Field(None, min_length=1, max_length=200)


class FeedbackBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    conversation_id: str = Field(min_length=1, max_length=200)
    turn_id: str = Field(min_length=1, max_length=200)
    rating: Literal["up", "down"]
    comment: str = Field("", max_length=4000)


def create_app(
    backend: ChatBackend,
    settings: CopilotSettings,
    *,
    host: str = "127.0.0.1",
    feedback: FeedbackSink | None = None,
    name: str = "copilot",
    clock: Callable[[], float] = time.monotonic,
    routers: Sequence[APIRouter] = (),
) -> FastAPI:
    """The server for `backend`, configured by `settings` (key, body limit, rate limit).

    `host` is where it will listen: beyond loopback a key is required (UsageError without
    one). `feedback` stores ratings (`copilot serve` passes the project's
    `.copilot/feedback.jsonl`; without one they are acknowledged and dropped); `name` is the model
    name `/v1/models` reports; `clock` drives the rate limiter (tests advance it). `routers`
    add a template's own endpoints (the code assistant's /v1/code), behind the same guards.
    """
    api_key = configured_key(settings, host)
    if feedback is None:
        # No store named: ratings are checked and acknowledged but kept nowhere, rather than
        # written to a folder guessed from the working directory (tests, other projects).
        feedback = DiscardedFeedback()
    sink = RedactedFeedback(feedback, Redactor(settings.redact_patterns))
    runner = TurnRunner(backend, RecentTurns(), max_question_chars=settings.max_input_chars)
    app = FastAPI(title=name, docs_url=None, redoc_url=None, openapi_url=None)
    limiter = RateLimiter(settings.rate_limit_per_minute, clock=clock)
    app.add_middleware(
        GuardMiddleware,
        config=GuardConfig(
            api_key, settings.max_request_bytes, limiter, settings.server_body_timeout
        ),
    )
    _add_error_handlers(app)
    app.include_router(openai_router(runner, name))
    for router in routers:
        app.include_router(router)

    @app.post("/chat", response_model=None)
    async def chat(body: ChatBody, request: Request) -> Response:
        if _wants_json(request):
            reply = await runner.complete(body.message, body.conversation_id)
            return JSONResponse(reply.to_json())
        events = await runner.open(body.message, body.conversation_id)
        return ClosingStream(chat_events(events), headers=SSE_HEADERS)

    @app.post("/feedback", status_code=204)
    async def post_feedback(body: FeedbackBody) -> Response:
        turn = runner.turns.get(body.conversation_id, body.turn_id)
        if turn is None:
            return error_response(
                "/feedback", 404, "unknown turn: no recent answer has that conversation_id and "
                "turn_id (the server keeps the most recent turns only)"
            )  # fmt: skip
        await run_in_threadpool(
            lambda: sink.record(
                body.rating,
                question=turn.question,
                answer=turn.answer,
                comment=body.comment,
                trace_id=turn.trace_id,
                skill=turn.skill,
                prompt=turn.prompt,
            )
        )
        return Response(status_code=204)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz")
    async def readyz() -> JSONResponse:
        ready, detail = await run_in_threadpool(backend.ready)
        return JSONResponse({"ready": ready, "detail": detail}, 200 if ready else 503)

    @app.get("/", include_in_schema=False)
    async def page() -> FileResponse:
        return FileResponse(STATIC / "index.html", headers=PAGE_HEADERS)

    @app.get("/favicon.ico", include_in_schema=False)
    async def favicon() -> FileResponse:
        return FileResponse(STATIC / "icon.svg", media_type="image/svg+xml")

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app


def _wants_json(request: Request) -> bool:
    """`?stream=false`, or an Accept header asking for JSON rather than an event stream."""
    if request.query_params.get("stream", "").lower() in {"false", "0", "no"}:
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/event-stream" not in accept


def _add_error_handlers(app: FastAPI) -> None:
    """Every error leaves as JSON with one readable message, never a traceback."""

    @app.exception_handler(CopilotError)
    async def copilot_error(request: Request, error: CopilotError) -> JSONResponse:
        return copilot_error_response(request.url.path, error)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError) -> JSONResponse:
        problems = []
        for problem in error.errors():
            where = ".".join(str(part) for part in problem.get("loc", ()) if part != "body")
            problems.append(
                f"{where}: {problem.get('msg', 'invalid')}" if where else problem["msg"]
            )
        return error_response(request.url.path, 422, "; ".join(problems) or "invalid request")

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> JSONResponse:
        return error_response(
            request.url.path, error.status_code, str(error.detail), dict(error.headers or {})
        )

    @app.exception_handler(Exception)
    async def bug(request: Request, error: Exception) -> JSONResponse:
        log_failure(error)
        return error_response(request.url.path, 500, INTERNAL_ERROR)
