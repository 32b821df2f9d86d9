"""The code assistant's /v1/code API on the real server: propose, apply after approval, explain,
behind the server's key and limits, over six's sources as the project's code."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from scaffolder.kit.code.api import code_router
from scaffolder.kit.copilot import Copilot
from scaffolder.kit.server import create_app
from tests.conftest import project_copilot
from tests.kit.code.test_template_skills import at, build_project, selecting
from tests.kit.server.conftest import serving

KEY = "sk-test-0123456789abcdef"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return build_project(tmp_path)


def server(project: Path, **overrides: Any) -> tuple[Copilot, FastAPI]:
    copilot = project_copilot(project, **overrides)
    app = create_app(copilot, copilot.services.settings, routers=[code_router(copilot)])
    return copilot, app


def test_propose_then_apply_after_approval(project: Path) -> None:
    before = (project / "six.py").read_bytes()
    _, app = server(project)
    with serving(app) as url:
        body = {"request": "document this", "context": selecting(project, "assertRegex")}
        reply = httpx.post(f"{url}/v1/code/propose", json=body, timeout=30).json()
        assert reply["skill"] == "document"
        proposal = reply["data"]["proposal"]
        assert proposal["mode"] == "replace_selection"
        assert proposal["diff"].startswith("diff --git a/six.py b/six.py")
        assert (project / "six.py").read_bytes() == before

        refused = httpx.post(
            f"{url}/v1/code/apply", json={"proposal_id": proposal["id"], "approve": False}
        )
        assert refused.status_code == 200
        assert refused.json() == {
            "applied": False, "proposal_id": proposal["id"],
            "detail": "not approved; nothing was written",
        }  # fmt: skip
        assert (project / "six.py").read_bytes() == before

        applied = httpx.post(
            f"{url}/v1/code/apply", json={"proposal_id": proposal["id"], "approve": True}
        )
        assert applied.status_code == 200, applied.text
        assert applied.json()["written"] == ["six.py"]
        assert '"""TODO: say what assertRegex does' in (project / "six.py").read_text()

        again = httpx.post(
            f"{url}/v1/code/apply", json={"proposal_id": proposal["id"], "approve": True}
        )
        assert again.status_code == 409
        assert again.json()["error"]["message"] == f"proposal {proposal['id']} was already applied"


def test_a_stale_proposal_is_a_409_naming_the_file(project: Path) -> None:
    _, app = server(project)
    with serving(app) as url:
        body = {"request": "document this", "context": selecting(project, "assertRegex")}
        proposal = httpx.post(f"{url}/v1/code/propose", json=body, timeout=30).json()
        proposal_id = proposal["data"]["proposal"]["id"]
        edited = (project / "six.py").read_text() + "\n# typed meanwhile\n"
        (project / "six.py").write_text(edited)
        stale = httpx.post(
            f"{url}/v1/code/apply", json={"proposal_id": proposal_id, "approve": True}
        )
        assert stale.status_code == 409
        assert stale.json()["error"]["message"] == (
            f"refusing proposal {proposal_id}: six.py changed since it was proposed; "
            "ask for a new proposal"
        )
        assert (project / "six.py").read_text() == edited


def test_unknown_and_malformed_ids_are_refused(project: Path) -> None:
    _, app = server(project)
    with serving(app) as url:
        unknown = httpx.post(f"{url}/v1/code/apply", json={"proposal_id": "e0", "approve": True})
        assert unknown.status_code == 404
        escaping = httpx.post(
            f"{url}/v1/code/apply", json={"proposal_id": "../../x.json", "approve": True}
        )
        assert escaping.status_code == 422


def test_explain_and_a_follow_up_in_one_conversation(project: Path) -> None:
    _, app = server(project)
    with serving(app) as url:
        body = {"context": at(project, "add_move"), "conversation_id": "ed-1"}
        explained = httpx.post(f"{url}/v1/code/explain", json=body, timeout=30).json()
        assert explained["skill"] == "explain"
        assert "def add_move(move): (lines 510-512): Add an item to six.moves." in explained["text"]
        follow = {"request": "now add a test for it", "conversation_id": "ed-1",
                  "context": at(project, "remove_move")}  # fmt: skip
        reply = httpx.post(f"{url}/v1/code/propose", json=follow, timeout=30).json()
        assert reply["skill"] == "add_test"
        assert reply["data"]["target"]["symbol"] == "add_move"


def test_a_bad_context_is_a_400_with_one_message(project: Path) -> None:
    _, app = server(project)
    with serving(app) as url:
        response = httpx.post(
            f"{url}/v1/code/explain", json={"context": {"file": "six.py", "cursor": {"line": 0}}}
        )
        assert response.status_code == 400
        assert response.json()["error"]["message"] == "cursor line 0 is outside six.py (1-999)"


def test_the_servers_key_and_body_limit_cover_the_code_api(project: Path) -> None:
    _, app = server(project, server_api_key=KEY, max_request_bytes=2000)
    with serving(app) as url:
        body = {"request": "explain this", "context": at(project, "add_move")}
        anonymous = httpx.post(f"{url}/v1/code/propose", json=body)
        assert anonymous.status_code == 401
        keyed = httpx.post(
            f"{url}/v1/code/propose", json=body, headers={"Authorization": f"Bearer {KEY}"},
            timeout=30,
        )  # fmt: skip
        assert keyed.status_code == 200
        large = {"context": {"file": "six.py", "text": "x" * 5000}}
        too_big = httpx.post(
            f"{url}/v1/code/explain", json=large, headers={"Authorization": f"Bearer {KEY}"}
        )
        assert too_big.status_code == 413


def test_serve_adds_the_routes_each_projects_app_declares(project: Path, qa_project: Path) -> None:
    """The code assistant's app declares the /v1/code API; the qa-rag app declares none."""
    from scaffolder.kit.app import project_app
    from scaffolder.project import read_copilot_table

    for root, expected in ((project, 1), (qa_project, 0)):
        table = read_copilot_table(root / "pyproject.toml") or {}
        app = project_app(root, table, env_file=None)
        assert len(app.routers(app.copilot())) == expected
