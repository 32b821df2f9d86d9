from __future__ import annotations

import json
from pathlib import Path

import pytest

from scaffolder.errors import ActionError, ApprovalError, UsageError
from scaffolder.kit.agents.actions import Workspace
from scaffolder.kit.code.actions import to_actions
from scaffolder.kit.code.apply import apply_proposal
from scaffolder.kit.code.checks import diff_applies, files_after
from scaffolder.kit.code.offline_skills import document
from scaffolder.kit.code.proposals import Edit, EditProposal, load_proposal, propose, save_proposal
from tests.kit.code.conftest import imports_six, selecting


def _two_file_proposal(root: Path) -> EditProposal:
    edits = [
        Edit("six.py", "insert_below", "__copilot__ = 'edited'\n", 998, 998),
        Edit("six.py", "replace_selection", "# six, edited\n", 1, 1),
        Edit("notes/NEW.md", "create_file", "# New\n"),
    ]
    return propose(root, edits, rationale="test", source="test")


def test_nothing_is_written_without_approval(six_repo: Path) -> None:
    before = (six_repo / "six.py").read_bytes()
    proposal = _two_file_proposal(six_repo)
    with pytest.raises(ApprovalError, match=f"proposal {proposal.id} was not approved"):
        apply_proposal(proposal, six_repo, approved=False)
    assert (six_repo / "six.py").read_bytes() == before
    assert not (six_repo / "notes").exists()


def test_an_approved_proposal_is_applied_and_six_still_imports(six_repo: Path) -> None:
    proposal = _two_file_proposal(six_repo)
    assert all(check.ok for check in diff_applies(proposal, six_repo))
    applied = apply_proposal(proposal, six_repo, approved=True)
    assert applied.summary() == "edited six.py; created notes/NEW.md"
    lines = (six_repo / "six.py").read_text().splitlines()
    assert lines[0] == "# six, edited"
    assert lines[-1] == "__copilot__ = 'edited'"
    assert (six_repo / "notes" / "NEW.md").read_text() == "# New\n"
    assert imports_six(six_repo, "import six; print(six.__copilot__, six.PY3)") == "edited True"


def test_a_proposal_against_a_file_edited_afterwards_is_refused(six_repo: Path) -> None:
    proposal = _two_file_proposal(six_repo)
    with (six_repo / "six.py").open("a") as handle:
        handle.write("# someone kept typing\n")
    edited = (six_repo / "six.py").read_bytes()
    with pytest.raises(ActionError, match=r"six\.py changed since it was proposed"):
        apply_proposal(proposal, six_repo, approved=True)
    assert (six_repo / "six.py").read_bytes() == edited
    assert not (six_repo / "notes").exists()  # all or nothing: the new file was not created


def test_create_file_onto_an_existing_file_is_refused(six_repo: Path) -> None:
    with pytest.raises(UsageError, match=r"cannot create test_six\.py: it already exists"):
        propose(six_repo, [Edit("test_six.py", "create_file", "x = 1\n")], rationale="")
    proposal = _two_file_proposal(six_repo)
    (six_repo / "notes").mkdir()
    (six_repo / "notes" / "NEW.md").write_text("mine\n")
    before = (six_repo / "six.py").read_bytes()
    with pytest.raises(ActionError, match=r"notes/NEW\.md already exists and would be overwritten"):
        apply_proposal(proposal, six_repo, approved=True)
    assert (six_repo / "notes" / "NEW.md").read_text() == "mine\n"
    assert (six_repo / "six.py").read_bytes() == before


def test_paths_escaping_the_root_are_refused(six_repo: Path) -> None:
    for path in ("../evil.py", "/tmp/evil.py", "docs/../../evil.py"):
        with pytest.raises(UsageError, match=r"uses '\.\.'|is an absolute path"):
            propose(six_repo, [Edit(path, "create_file", "x\n")], rationale="")
    # A saved proposal edited by hand to point outside is refused when applied.
    data = _two_file_proposal(six_repo).to_dict()
    data["base"]["../evil.md"] = data["base"].pop("notes/NEW.md")
    data["edits"][2]["file"] = "../evil.md"
    with pytest.raises(UsageError, match=r"'\.\./evil\.md' uses '\.\.'"):
        apply_proposal(EditProposal.from_dict(data), six_repo, approved=True)
    assert not (six_repo.parent / "evil.md").exists()


def test_a_failure_while_staging_writes_nothing(six_repo: Path) -> None:
    proposal = propose(
        six_repo,
        [
            Edit("six.py", "replace_selection", "# changed\n", 1, 1),
            Edit("x/y.md", "create_file", "y"),
        ],
        rationale="",
    )
    (six_repo / "x").write_text("a file where a folder should be\n")
    before = (six_repo / "six.py").read_bytes()
    with pytest.raises(UsageError, match=r"'x/y\.md': 'x' is not a folder"):
        apply_proposal(proposal, six_repo, approved=True)
    assert (six_repo / "six.py").read_bytes() == before
    assert sorted(p.name for p in six_repo.iterdir() if "copilot-tmp" in p.name) == []


def test_proposals_round_trip_through_json_files(six_repo: Path) -> None:
    proposal = document(selecting(six_repo, "assertCountEqual", "assertRegex")).proposal
    assert proposal is not None
    path = save_proposal(proposal, six_repo)
    assert path == six_repo / ".copilot" / "proposals" / f"{proposal.id}.json"
    assert json.loads(path.read_text())["base"] == {"six.py": proposal.base["six.py"]}
    assert load_proposal(proposal.id, six_repo) == (proposal, path)
    assert load_proposal(str(path), Path("/nonexistent"))[0] == proposal
    with pytest.raises(UsageError, match="no proposal 'e000'"):
        load_proposal("e000", six_repo)
    path.write_text('{"id": "x"}')
    with pytest.raises(UsageError, match="not a valid edit proposal"):
        load_proposal(proposal.id, six_repo)


def test_the_agents_approval_actions_do_the_same_edit(six_repo: Path, tmp_path: Path) -> None:
    proposal = _two_file_proposal(six_repo)
    expected = files_after(proposal, six_repo)
    workspace = Workspace(six_repo)
    for action in to_actions(proposal, six_repo):
        assert workspace.run(action).ok
    for file, text in expected.items():
        assert (six_repo / file).read_text() == text
