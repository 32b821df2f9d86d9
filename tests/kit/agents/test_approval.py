"""Nothing proposed runs until approved, through the terminal or an API confirm; the audit
log records every proposal and decision."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from scaffolder.errors import ActionError, ApprovalError, SkillError
from scaffolder.kit.agents import (
    ApprovalDesk,
    AuditLog,
    CliApprover,
    CreateFiles,
    EditFile,
    RunCommand,
    Workspace,
)
from scaffolder.kit.routing import (
    Dispatcher,
    InMemoryStore,
    Skill,
    SkillReply,
    SkillRequest,
    SkillSet,
    load_skills,
)
from scaffolder.kit.routing.router import Router
from tests.kit.routing.conftest import EXAMPLE_SKILLS

BROKEN_TEST = "def test_add():\n    assert add(2, 2) == 5\n"


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    root = tmp_path / "project"
    root.mkdir()
    (root / "test_math.py").write_text(BROKEN_TEST, encoding="utf-8")
    return Workspace(root, allowed_commands=frozenset({sys.executable}))


@pytest.fixture
def desk(workspace: Workspace, tmp_path: Path) -> ApprovalDesk:
    return ApprovalDesk(workspace, AuditLog(tmp_path / "audit" / "actions.jsonl"))


def answers(*replies: str) -> Callable[[str], str]:
    queue = list(replies)
    return lambda _prompt: queue.pop(0)


def events(desk: ApprovalDesk) -> list[tuple[str, str]]:
    return [(event["event"], event["proposal"]) for event in desk.audit.events()]


def test_a_proposal_changes_nothing_until_approved_on_the_terminal(
    desk: ApprovalDesk, workspace: Workspace
) -> None:
    edit = EditFile("test_math.py", "== 5", "== 4")
    proposal = desk.propose(edit, source="testing", rationale="2 + 2 is 4")
    assert proposal.status == "pending"
    assert (workspace.root / "test_math.py").read_text() == BROKEN_TEST
    shown: list[str] = []
    (decided,) = CliApprover(desk, ask=answers("y"), show=shown.append).review()
    assert decided is proposal
    assert decided.status == "approved" and decided.outcome and decided.outcome.ok
    assert "== 4" in (workspace.root / "test_math.py").read_text()
    assert (
        shown[0]
        == f"[{proposal.id}] testing proposes: edit test_math.py: replace 1 line with 1 line"
    )
    assert shown[1] == "  why: 2 + 2 is 4"
    assert events(desk) == [
        ("proposed", proposal.id),
        ("approved", proposal.id),
        ("executed", proposal.id),
    ]


@pytest.mark.parametrize("reply", ["", "n", "no", "maybe", "Y es"])
def test_anything_but_yes_on_the_terminal_rejects(
    desk: ApprovalDesk, workspace: Workspace, reply: str
) -> None:
    proposal = desk.propose(CreateFiles({"new.py": "x = 1\n"}), source="testing")
    CliApprover(desk, ask=answers(reply), show=lambda _line: None).review()
    assert proposal.status == "rejected" and proposal.outcome is None
    assert not (workspace.root / "new.py").exists()
    assert events(desk) == [("proposed", proposal.id), ("rejected", proposal.id)]


def test_end_of_input_rejects(desk: ApprovalDesk) -> None:
    def closed(_prompt: str) -> str:
        raise EOFError

    proposal = desk.propose(CreateFiles({"new.py": ""}), source="testing")
    CliApprover(desk, ask=closed, show=lambda _line: None).review()
    assert proposal.status == "rejected"


def test_api_confirm_runs_an_approved_command_and_skips_a_rejected_one(
    desk: ApprovalDesk, workspace: Workspace
) -> None:
    marker = workspace.root / "ran.txt"
    script = f"open({str(marker)!r}, 'w').write('yes')"
    rejected = desk.propose(RunCommand((sys.executable, "-c", script)), source="agent")
    approved = desk.propose(
        RunCommand((sys.executable, "-c", script + ";print('hi')")), source="agent"
    )
    assert [p.id for p in desk.pending()] == [rejected.id, approved.id]
    desk.confirm(rejected.id, approve=False, by="api:alice", note="not now")
    assert not marker.exists()
    desk.confirm(approved.id, approve=True, by="api:alice")
    assert marker.read_text() == "yes"
    assert approved.outcome is not None and approved.outcome.exit_code == 0
    assert approved.outcome.detail.strip() == "hi"
    log = list(desk.audit.events())
    assert [(e["event"], e["proposal"]) for e in log] == [
        ("proposed", rejected.id),
        ("proposed", approved.id),
        ("rejected", rejected.id),
        ("approved", approved.id),
        ("executed", approved.id),
    ]
    assert log[2]["by"] == "api:alice" and log[2]["note"] == "not now"
    assert log[0]["action"]["argv"][0] == sys.executable
    assert desk.pending() == []


def test_a_decision_is_taken_once_and_ids_must_exist(desk: ApprovalDesk) -> None:
    proposal = desk.propose(CreateFiles({"a.txt": "a"}), source="s")
    desk.confirm(proposal.id, approve=True, by="api")
    with pytest.raises(ApprovalError, match="already approved"):
        desk.confirm(proposal.id, approve=True, by="api")
    with pytest.raises(ApprovalError, match="no proposal with id 'p-404'"):
        desk.confirm("p-404", approve=True, by="api")
    with pytest.raises(ApprovalError):
        desk.get("p-404")


def test_a_failing_approved_action_is_logged_as_failed(
    desk: ApprovalDesk, workspace: Workspace
) -> None:
    proposal = desk.propose(EditFile("test_math.py", "not in the file", "x"), source="s")
    desk.confirm(proposal.id, approve=True, by="api")
    assert proposal.outcome is not None and not proposal.outcome.ok
    assert "occurs 0 times" in proposal.outcome.detail
    assert [e["event"] for e in desk.audit.events()][-1] == "failed"


@pytest.mark.parametrize(
    ("action", "message"),
    [
        (RunCommand(("rm", "-rf", ".")), "command 'rm' is not allowed"),
        (EditFile("../outside.txt", "a", "b"), "outside the workspace"),
        (CreateFiles({"/etc/passwd": "x"}), "outside the workspace"),
        (CreateFiles({}), "at least one file"),
    ],
)
def test_actions_that_could_never_run_are_refused_at_proposal(
    desk: ApprovalDesk, action: EditFile | CreateFiles | RunCommand, message: str
) -> None:
    with pytest.raises(ActionError, match=message):
        desk.propose(action, source="s")
    assert list(desk.audit.events()) == []


def test_create_files_never_overwrites(desk: ApprovalDesk, workspace: Workspace) -> None:
    proposal = desk.propose(CreateFiles({"test_math.py": "boom"}), source="s")
    desk.confirm(proposal.id, approve=True, by="api")
    assert proposal.outcome is not None and "will not overwrite" in proposal.outcome.detail
    assert (workspace.root / "test_math.py").read_text() == BROKEN_TEST


def test_a_skill_turn_proposes_and_the_user_decides(
    desk: ApprovalDesk, workspace: Workspace
) -> None:
    dispatcher = Dispatcher(Router(load_skills(EXAMPLE_SKILLS)), InMemoryStore(), desk=desk)
    result = dispatcher.handle("cli", "fix the failing test in test_math.py")
    (proposal,) = result.proposals
    assert result.turn.proposals == [proposal.id]
    assert proposal.source == "testing" and proposal.status == "pending"
    assert (workspace.root / "test_math.py").read_text() == BROKEN_TEST
    CliApprover(desk, ask=answers("yes"), show=lambda _line: None).review()
    assert "add(2, 2) == 4" in (workspace.root / "test_math.py").read_text()
    assert [e["event"] for e in desk.audit.events()] == ["proposed", "approved", "executed"]


def test_a_skill_cannot_slip_past_the_desk(desk: ApprovalDesk) -> None:
    def sneaky(request: SkillRequest) -> SkillReply:
        return SkillReply("done", actions=(RunCommand((sys.executable, "-V")),))

    declared = Skill(
        "ops", "ops", sneaky, ("restart the service",), actions=frozenset({"run_command"})
    )
    undeclared = Skill("ops", "ops", sneaky, ("restart the service",))
    with pytest.raises(SkillError, match="no desk approves"):
        Dispatcher(Router(SkillSet([declared])), InMemoryStore()).handle("c", "restart the service")
    with pytest.raises(SkillError, match="does not declare"):
        Dispatcher(Router(SkillSet([undeclared])), InMemoryStore(), desk=desk).handle(
            "c", "restart the service"
        )
    assert list(desk.audit.events()) == []
