"""The code assistant's JSON API for editor extensions: propose, apply after approval, explain.

    POST /v1/code/propose  {request, context, conversation_id?} -> the copilot's reply; an
                           edit's proposal is in data.proposal (id, diff, mode, rationale)
    POST /v1/code/apply    {proposal_id, approve}  -> applied, or refused (409 when a file
                           changed since the proposal, naming it)
    POST /v1/code/explain  {context, conversation_id?} -> the explain skill's reply

Why a router of its own: it is mounted on the kit's server (`create_app(..., routers=...)`),
behind the same API key, rate limit and body limit as every other endpoint, and only for
code-assistant projects. The editor decides; the server never writes without `approve: true`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from scaffolder.errors import ActionError
from scaffolder.kit.code.apply import apply_proposal
from scaffolder.kit.code.proposals import PROPOSALS_DIR, load_proposal, save_proposal
from scaffolder.kit.copilot.runtime import Copilot
from scaffolder.kit.server.responses import error_response

PREFIX = "/v1/code"
#: What /explain asks: one of the explain skill's examples, so it always routes there.
EXPLAIN_REQUEST = "explain this code"
_ID = r"^[A-Za-z0-9_-]{1,64}$"


class ProposeBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    request: str = Field(min_length=1, max_length=8000)
    #: The editor context: file, cursor, selection, open_files, text (see EditorContext).
    context: dict[str, Any] = Field(default_factory=dict)
    conversation_id: str | None = Field(None, min_length=1, max_length=200)


class ExplainBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    context: dict[str, Any]
    conversation_id: str | None = Field(None, min_length=1, max_length=200)


class ApplyBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Only ids: a path here would let a client point the server at any JSON file.
    proposal_id: str = Field(pattern=_ID)
    approve: bool


def code_router(copilot: Copilot) -> APIRouter:
    """The /v1/code endpoints over `copilot`'s project."""
    router = APIRouter(prefix=PREFIX)
    root = copilot.services.root

    @router.post("/propose")
    async def propose(body: ProposeBody) -> JSONResponse:
        reply = await run_in_threadpool(
            copilot.ask, body.request, body.conversation_id, _editor(body.context)
        )
        return JSONResponse(reply.to_json())

    @router.post("/explain")
    async def explain(body: ExplainBody) -> JSONResponse:
        reply = await run_in_threadpool(
            copilot.ask, EXPLAIN_REQUEST, body.conversation_id, _editor(body.context)
        )
        return JSONResponse(reply.to_json())

    @router.post("/apply")
    async def apply(body: ApplyBody) -> JSONResponse:
        path = f"{PREFIX}/apply"
        if not (root / PROPOSALS_DIR / f"{body.proposal_id}.json").is_file():
            return error_response(path, 404, f"no proposal {body.proposal_id!r}")
        proposal, _ = load_proposal(body.proposal_id, root)
        if not body.approve:
            return JSONResponse(
                {"applied": False, "proposal_id": proposal.id,
                 "detail": "not approved; nothing was written"}
            )  # fmt: skip
        if proposal.status == "applied":
            return error_response(path, 409, f"proposal {proposal.id} was already applied")
        try:
            applied = await run_in_threadpool(apply_proposal, proposal, root, approved=True)
        except ActionError as error:
            return error_response(path, 409, str(error))
        save_proposal(replace(proposal, status="applied"), root)
        return JSONResponse(
            {
                "applied": True,
                "proposal_id": proposal.id,
                "written": list(applied.written),
                "created": list(applied.created),
                "detail": applied.summary(),
            }
        )

    return router


def _editor(context: dict[str, Any]) -> dict[str, Any]:
    """The editor's keys only: the runtime's own context keys cannot be forged by a client."""
    return {key: value for key, value in context.items() if not key.startswith("previous_")}
