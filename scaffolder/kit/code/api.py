"""The code assistant's JSON API for editor extensions: propose, apply after approval, explain.

    POST /v1/code/propose  {request, context, conversation_id?} -> the copilot's reply; an
                           edit's proposal is in data.proposal (id, diff, mode, rationale)
    POST /v1/code/apply    {proposal_id, approve}  -> applied, or refused (409 when a file
                           changed since the proposal, naming it; 422 for a proposal file
                           changed since it was proposed, or one `apply` refuses)
    POST /v1/code/explain  {context, conversation_id?} -> the explain skill's reply

Why a router of its own: it is mounted on the kit's server (`create_app(..., routers=...)`),
behind the same API key, rate limit and body limit as every other endpoint, and only for
code-assistant projects. The editor decides; the server never writes without `approve: true`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from scaffolder.errors import CopilotError, UsageError
from scaffolder.kit.code.apply import apply_prepared, prepare_apply, recover_interrupted
from scaffolder.kit.code.proposals import PROPOSALS_DIR, content_id, load_proposal
from scaffolder.kit.copilot.runtime import Copilot
from scaffolder.kit.server.responses import error_response
from scaffolder.kit.sources import SourceMap

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
    sources = copilot.services.settings.sources

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
        return await run_in_threadpool(_apply, root, sources, body.proposal_id, body.approve)

    return router


def _apply(root: Path, sources: list[str], proposal_id: str, approve: bool) -> JSONResponse:
    """One apply request, checked like `copilot apply` (see `scaffolder.kit.code.apply`).

    The only folders it may write are the project and its configured sources, resolved from
    the settings at each request (a source that vanished is a refusal, not a guess); a
    proposal naming anything else is refused by `WriteScope` like any bad path.

    The editor showed the diff `/propose` returned, not the file on disk, so the file must
    also still be the proposal that diff came from: its id is a hash of its edits and base,
    and a file whose content no longer matches its id was changed since and is refused.
    Refusals of the proposal itself are 422, a tree that changed or a failed write 409.
    """
    path = f"{PREFIX}/apply"
    try:
        recovered = recover_interrupted(root)
        if not (root / PROPOSALS_DIR / f"{proposal_id}.json").is_file():
            return error_response(path, 404, f"no proposal {proposal_id!r}")
        proposal, _ = load_proposal(proposal_id, root)
        if proposal.id != proposal_id or content_id(proposal.base, proposal.edits) != proposal_id:
            return error_response(
                path,
                422,
                f"refusing proposal {proposal_id}: its file was changed after it was proposed; "
                "nothing was written",
            )
        if not approve:
            return JSONResponse(
                {"applied": False, "proposal_id": proposal.id,
                 "detail": "not approved; nothing was written"}
            )  # fmt: skip
        if proposal.status == "applied":
            return error_response(path, 409, f"proposal {proposal.id} was already applied")
        scope = SourceMap.of(root, sources).sources
        plan = prepare_apply(proposal, root, sources=scope)
        applied = apply_prepared(plan, approved=True, record=True)
    except UsageError as error:
        return error_response(path, 422, str(error))
    except CopilotError as error:
        return error_response(path, 409, str(error))
    detail = applied.summary()
    if recovered is not None:
        detail = f"rolled back an interrupted apply first ({recovered.summary}); {detail}"
    return JSONResponse(
        {
            "applied": True,
            "proposal_id": proposal.id,
            "written": list(applied.written),
            "created": list(applied.created),
            "detail": detail,
        }
    )


def _editor(context: dict[str, Any]) -> dict[str, Any]:
    """The editor's keys only: the runtime's own context keys cannot be forged by a client."""
    return {key: value for key, value in context.items() if not key.startswith("previous_")}
