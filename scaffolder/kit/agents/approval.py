"""Proposals that wait for a person: nothing a skill or agent proposes runs until approved.

A skill returns actions; the `ApprovalDesk` turns each into a `Proposal` with an id, checks
up front that it could run at all (inside the workspace, an allowed command), logs it, and
holds it. Only `confirm(id, approve=True)` runs it, once. Two front ends decide:

- on a terminal, `CliApprover` shows each pending proposal and asks `y/N` through an injected
  input function (anything but `y`/`yes` is a no, so Enter and Ctrl-D never approve);
- behind an API, the server lists `pending()` and calls `confirm(proposal_id, approve, by=...)`
  when the user clicks.

Every proposal, decision and result goes to the `AuditLog`.
"""

from __future__ import annotations

import itertools
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from scaffolder.errors import ActionError, ApprovalError
from scaffolder.kit.agents.actions import Action, ActionOutcome, Workspace, action_to_dict
from scaffolder.kit.agents.audit import AuditLog

ProposalStatus = Literal["pending", "approved", "rejected"]


@dataclass
class Proposal:
    id: str
    action: Action
    #: Who proposed it: a skill name or `agent`.
    source: str
    #: Why, in the proposer's words, shown next to the summary.
    rationale: str = ""
    status: ProposalStatus = "pending"
    outcome: ActionOutcome | None = None

    @property
    def summary(self) -> str:
        return self.action.summary()


class ApprovalDesk:
    """Holds proposals until decided; runs approved ones in `workspace`, logging everything."""

    def __init__(
        self,
        workspace: Workspace,
        audit: AuditLog,
        *,
        new_id: Callable[[], str] | None = None,
    ) -> None:
        self.workspace = workspace
        self.audit = audit
        self._new_id = new_id or _random_ids()
        self._proposals: dict[str, Proposal] = {}
        self._lock = threading.Lock()

    def propose(self, action: Action, *, source: str, rationale: str = "") -> Proposal:
        """Register `action` as pending; raises `ActionError` if it could never run."""
        self.workspace.check(action)
        proposal = Proposal(self._new_id(), action, source, rationale)
        with self._lock:
            self._proposals[proposal.id] = proposal
        self.audit.append(
            "proposed",
            proposal.id,
            source=source,
            summary=proposal.summary,
            rationale=rationale,
            action=action_to_dict(action),
        )
        return proposal

    def get(self, proposal_id: str) -> Proposal:
        with self._lock:
            proposal = self._proposals.get(proposal_id)
        if proposal is None:
            raise ApprovalError(f"no proposal with id {proposal_id!r}")
        return proposal

    def pending(self) -> list[Proposal]:
        with self._lock:
            return [p for p in self._proposals.values() if p.status == "pending"]

    def confirm(self, proposal_id: str, *, approve: bool, by: str, note: str = "") -> Proposal:
        """Record the decision on a pending proposal; an approved one runs now, once.

        A failed action is logged as `failed` and comes back with a failed outcome rather
        than raising, so the caller can show it and carry on.
        """
        with self._lock:
            proposal = self._proposals.get(proposal_id)
            if proposal is None:
                raise ApprovalError(f"no proposal with id {proposal_id!r}")
            if proposal.status != "pending":
                raise ApprovalError(f"proposal {proposal_id} was already {proposal.status}")
            proposal.status = "approved" if approve else "rejected"
        self.audit.append(proposal.status, proposal_id, by=by, note=note)
        if approve:
            proposal.outcome = self._run(proposal)
        return proposal

    def _run(self, proposal: Proposal) -> ActionOutcome:
        try:
            outcome = self.workspace.run(proposal.action)
        except ActionError as error:
            outcome = ActionOutcome(False, str(error))
        self.audit.append(
            "executed" if outcome.ok else "failed",
            proposal.id,
            detail=outcome.detail,
            exit_code=outcome.exit_code,
        )
        return outcome


class CliApprover:
    """Asks on a terminal, one proposal at a time; only `y` or `yes` approves."""

    def __init__(
        self,
        desk: ApprovalDesk,
        *,
        ask: Callable[[str], str] = input,
        show: Callable[[str], None] = print,
        user: str = "cli",
    ) -> None:
        self.desk = desk
        self._ask = ask
        self._show = show
        self.user = user

    def review(self, proposals: list[Proposal] | None = None) -> list[Proposal]:
        """Decide each of `proposals` (default: every pending one) and return them decided."""
        decided = []
        for proposal in proposals if proposals is not None else self.desk.pending():
            self._show(f"[{proposal.id}] {proposal.source} proposes: {proposal.summary}")
            if proposal.rationale:
                self._show(f"  why: {proposal.rationale}")
            try:
                answer = self._ask("Apply? [y/N] ")
            except EOFError:
                answer = ""
            approve = answer.strip().lower() in ("y", "yes")
            decided.append(self.desk.confirm(proposal.id, approve=approve, by=self.user))
            if proposal.outcome is not None:
                state = "done" if proposal.outcome.ok else "FAILED"
                self._show(f"  {state}: {proposal.outcome.detail.strip()[:200]}")
        return decided


def _random_ids() -> Callable[[], str]:
    """`p-<counter>-<random>`: short to type in a confirm call, unguessable across runs."""
    counter = itertools.count(1)
    return lambda: f"p-{next(counter)}-{secrets.token_hex(3)}"
