"""/v1/code on the real server with a configured source beside the project: a proposal for a
source file is applied there, and no request makes the server read or write a path that is
neither in the project nor in a configured source, whatever the client or a saved proposal
file claims."""

from __future__ import annotations

import json
import shutil
import sysconfig
from pathlib import Path

import httpx
import pytest

from scaffolder.kit.code.proposals import (
    PROPOSALS_DIR,
    Edit,
    EditProposal,
    content_id,
    fingerprint,
    propose,
    save_proposal,
)
from scaffolder.kit.sources import SourceMap
from tests.kit.code.test_template_skills import build_project
from tests.kit.server.conftest import serving
from tests.kit.server.test_code_api import server

SECRET = "TOP-SECRET-DEPLOY-KEY"


@pytest.fixture
def world(tmp_path: Path) -> tuple[Path, Path, Path]:
    """(project, source, outside): six as the project, the stdlib json package as its
    source, and a secret file beside both that belongs to neither."""
    project = build_project(tmp_path)
    text = (project / "pyproject.toml").read_text()
    (project / "pyproject.toml").write_text(text + 'sources = ["../jsonlib"]\n')
    repo = tmp_path / "jsonlib"
    shutil.copytree(Path(sysconfig.get_paths()["stdlib"]) / "json", repo,
                    ignore=shutil.ignore_patterns("__pycache__"))  # fmt: skip
    (repo / ".git").mkdir()
    (repo / ".git" / "config").write_text("[core]\n")
    outside = tmp_path / "secret.py"
    outside.write_text(f"KEY = {SECRET!r}\n")
    (project / "escape").symlink_to(tmp_path, target_is_directory=True)
    (repo / "escape").symlink_to(tmp_path, target_is_directory=True)
    return project, repo, outside


def forged(project: Path, file: str, target: Path) -> str:
    """A saved proposal editing `file` (meant to reach `target`) whose id matches its content,
    as a hostile tool could write it into .copilot/proposals/."""
    edit = Edit(file, "replace_selection", "KEY = 'stolen'\n", 1, 1)
    base = {file: fingerprint(target.read_bytes())}
    proposal = EditProposal(content_id(base, [edit]), (edit,), "x", base, "diff", "evil")
    save_proposal(proposal, project)
    return proposal.id


def test_a_source_file_proposal_is_applied_by_the_api(world: tuple[Path, Path, Path]) -> None:
    project, repo, _ = world
    sources = SourceMap.of(project, ["../jsonlib"]).sources
    edit = Edit("jsonlib/scanner.py", "insert_below", "# reviewed\n", 1, 1)
    proposal = propose(project, [edit], rationale="note", sources=sources)
    save_proposal(proposal, project)
    _, app = server(project)
    with serving(app) as url:
        reply = httpx.post(f"{url}/v1/code/apply", json={"proposal_id": proposal.id,
                                                          "approve": True})  # fmt: skip
    assert reply.status_code == 200, reply.text
    assert reply.json()["written"] == ["jsonlib/scanner.py"]
    assert (repo / "scanner.py").read_text().split("\n")[1] == "# reviewed"


@pytest.mark.parametrize(
    "file",
    [
        "../secret.py",
        "jsonlib/../secret.py",
        "jsonlib/../../secret.py",
        "escape/secret.py",
        "jsonlib/escape/secret.py",
        "jsonlib/.git/config",
        "/tmp/secret.py",
        "jsonlib",
    ],
)
def test_hostile_paths_never_reach_outside_files(world: tuple[Path, Path, Path], file: str) -> None:
    project, repo, outside = world
    target = repo / ".git" / "config" if ".git" in file else outside
    before = {path: path.read_bytes() for path in (outside, repo / ".git" / "config")}
    proposal_id = forged(project, file, target)
    _, app = server(project)
    with serving(app) as url:
        reply = httpx.post(f"{url}/v1/code/apply", json={"proposal_id": proposal_id,
                                                          "approve": True})  # fmt: skip
        assert reply.status_code in (409, 422), reply.text
        assert SECRET not in reply.text
        for context in ({"file": file}, {"file": file, "open_files": [file]}):
            asked = httpx.post(f"{url}/v1/code/explain", json={"context": context}, timeout=30)
            # Version-control folders are never editor context (a remote URL can hold a token).
            assert SECRET not in asked.text
            if ".git" in file:
                assert asked.status_code in (400, 422), asked.text
    assert {path: path.read_bytes() for path in before} == before
    saved = json.loads((project / PROPOSALS_DIR / f"{proposal_id}.json").read_text())
    assert saved["status"] == "proposed"
