"""Actions that wait for approval, their audit log, and an agent loop that cannot run away.

See docs/routing.md for how skills propose actions and how the agent's limits work.
"""

from scaffolder.kit.agents.actions import (
    Action,
    ActionOutcome,
    CreateFiles,
    EditFile,
    RunCommand,
    Workspace,
)
from scaffolder.kit.agents.approval import ApprovalDesk, CliApprover, Proposal
from scaffolder.kit.agents.audit import AuditLog
from scaffolder.kit.agents.guards import Limits
from scaffolder.kit.agents.loop import AgentLoop, AgentResult, AgentStep, SuccessCheck, Tool
from scaffolder.kit.agents.trace import Trace, TraceStep

__all__ = [
    "Action",
    "ActionOutcome",
    "AgentLoop",
    "AgentResult",
    "AgentStep",
    "ApprovalDesk",
    "AuditLog",
    "CliApprover",
    "CreateFiles",
    "EditFile",
    "Limits",
    "Proposal",
    "RunCommand",
    "SuccessCheck",
    "Tool",
    "Trace",
    "TraceStep",
    "Workspace",
]
