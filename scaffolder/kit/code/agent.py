"""Agent mode for code: read, search, propose an edit, run the tests, until the tests pass.

The loop itself (limits, loop detection, the trace, success judged by checks and not by the
model's word) is the kit's `AgentLoop`; this module gives it the code tools and the one
success check that matters: the project's tests passed on the latest run, and nothing was
edited since.

Nothing happens behind the person's back: every edit is an `EditProposal` whose diff is shown
and applied only when `approve` says yes (and only onto the files as they were when proposed),
and the tests run only through the approval desk, as an allowed command (a list, no shell).
Every proposal, decision and result goes to the audit log (`.copilot/audit.jsonl`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from scaffolder.errors import UsageError
from scaffolder.kit.agents.actions import RunCommand, Workspace
from scaffolder.kit.agents.approval import ApprovalDesk
from scaffolder.kit.agents.audit import AuditLog
from scaffolder.kit.agents.guards import Clock, Limits
from scaffolder.kit.agents.loop import AgentLoop, AgentResult, SuccessCheck, Tool
from scaffolder.kit.code.apply import apply_proposal
from scaffolder.kit.code.context import inside
from scaffolder.kit.code.proposals import EDIT_MODES, Edit, propose, save_proposal
from scaffolder.kit.llm.types import ChatModel
from scaffolder.kit.retrieval.retriever import Retriever

DEFAULT_TEST_COMMAND = ("python", "-m", "pytest", "-q")
#: Lines `read_file` shows at most, so one call cannot fill the model's context.
READ_LINES = 200
#: Characters of test output the model sees, from the end (where failures are summarised).
TEST_OUTPUT_CHARS = 3000

#: Asked before an edit or a command: (what, details such as the diff) -> approved?
Approve = Callable[[str, str], bool]


@dataclass
class _Tests:
    """The latest test run: passed, and whether an edit came after it."""

    passed: bool = False
    edits: list[str] = field(default_factory=list)


class CodeTools:
    """The tools of a code agent working in `root`, each returning what the agent observes."""

    def __init__(
        self,
        root: Path,
        approve: Approve,
        *,
        test_command: Sequence[str] = DEFAULT_TEST_COMMAND,
        retriever: Retriever | None = None,
        audit: AuditLog | None = None,
    ) -> None:
        if not test_command:
            raise UsageError("the agent's test command is empty")
        self.root = root
        self.approve = approve
        self.test_command = tuple(test_command)
        self.retriever = retriever
        self.audit = audit or AuditLog(root / ".copilot" / "audit.jsonl")
        workspace = Workspace(root, allowed_commands=frozenset({self.test_command[0]}))
        self.desk = ApprovalDesk(workspace, self.audit)
        self.tests = _Tests()

    def tools(self) -> list[Tool]:
        modes = ", ".join(EDIT_MODES)
        return [
            Tool("read_file", "show a file with line numbers: {path, start_line?}", self.read_file),
            Tool("search", "search the indexed code: {query}", self.search),
            Tool(
                "propose_edit",
                f"change a file; applied only if the user approves: {{file, mode ({modes}), "
                "start_line, end_line, new_text, rationale}. Lines count from 1 and include "
                "both ends; insert_below inserts after end_line (0: at the top)",
                self.propose_edit,
            ),
            Tool("run_tests", "run the project's tests (asks the user first): {}", self.run_tests),
        ]

    def check(self) -> SuccessCheck:
        return SuccessCheck("the tests pass", lambda: self.tests.passed and not self.tests.edits)

    def state(self) -> str:
        """What progress means for the loop detector: applied edits and the last test result."""
        return hashlib.sha256(repr((self.tests.edits, self.tests.passed)).encode()).hexdigest()

    # -- tools ------------------------------------------------------------------------------
    def read_file(self, arguments: Mapping[str, Any]) -> str:
        path = inside(self.root, str(arguments["path"]))
        if not path.is_file():
            return f"no such file: {arguments['path']}"
        lines = path.read_text(encoding="utf-8").splitlines()
        start = max(int(arguments.get("start_line", 1)), 1)
        shown = lines[start - 1 : start - 1 + READ_LINES]
        numbered = "\n".join(f"{start + i:>5} {line}" for i, line in enumerate(shown))
        more = len(lines) - (start - 1 + len(shown))
        return numbered + (f"\n({more} more lines)" if more > 0 else "")

    def search(self, arguments: Mapping[str, Any]) -> str:
        if self.retriever is None:
            return "no index to search: run `copilot ingest` on the code first"
        results = self.retriever.search(str(arguments["query"]), 5)
        if not results:
            return "nothing found"
        return "\n\n".join(f"{r.chunk.citation()}:\n{r.chunk.text}" for r in results)

    def propose_edit(self, arguments: Mapping[str, Any]) -> str:
        mode = str(arguments.get("mode", "replace_selection"))
        if mode not in EDIT_MODES:
            return f"error: mode must be one of {', '.join(EDIT_MODES)}"
        edit = Edit(
            str(arguments["file"]),
            mode,
            str(arguments.get("new_text", "")),
            int(arguments.get("start_line", 0)),
            int(arguments.get("end_line", 0)),
        )
        rationale = str(arguments.get("rationale", ""))
        proposal = propose(self.root, [edit], rationale=rationale, source="agent")
        save_proposal(proposal, self.root)
        self.audit.append("proposed", proposal.id, source="agent", summary=proposal.diff,
                          rationale=rationale)  # fmt: skip
        what = f"edit {', '.join(proposal.files)} ({proposal.id})"
        if not self.approve(what, proposal.diff):
            self.audit.append("rejected", proposal.id, by="user")
            return f"the user rejected {proposal.id}; nothing was written"
        self.audit.append("approved", proposal.id, by="user")
        applied = apply_proposal(proposal, self.root, approved=True)
        save_proposal(replace(proposal, status="applied"), self.root)
        self.audit.append("executed", proposal.id, detail=applied.summary())
        self.tests.edits.append(proposal.id)
        return f"applied {proposal.id}: {applied.summary()}"

    def run_tests(self, arguments: Mapping[str, Any]) -> str:
        pending = self.desk.propose(
            RunCommand(self.test_command), source="agent", rationale="check the change"
        )
        approved = self.approve(pending.summary, "")
        decided = self.desk.confirm(pending.id, approve=approved, by="user")
        if decided.outcome is None:
            return "the user did not allow running the tests"
        self.tests = _Tests(passed=decided.outcome.ok)
        verdict = "passed" if decided.outcome.ok else f"FAILED (exit {decided.outcome.exit_code})"
        return f"tests {verdict}:\n{decided.outcome.detail[-TEST_OUTPUT_CHARS:]}"


def run_code_agent(
    task: str,
    root: Path,
    model: ChatModel,
    approve: Approve,
    *,
    test_command: Sequence[str] = DEFAULT_TEST_COMMAND,
    retriever: Retriever | None = None,
    limits: Limits | None = None,
    clock: Clock | None = None,
) -> AgentResult:
    """Work on `task` in `root` until the tests pass or a limit or loop stops the run."""
    tools = CodeTools(root, approve, test_command=test_command, retriever=retriever)
    options: dict[str, Any] = {} if clock is None else {"clock": clock}
    loop = AgentLoop(
        model,
        tools=tools.tools(),
        checks=[tools.check()],
        limits=limits,
        state=tools.state,
        **options,
    )
    goal = (
        f"{task}\nThe change is done when the project's tests pass: change the code with "
        "propose_edit, then call run_tests."
    )
    return loop.run(goal)
