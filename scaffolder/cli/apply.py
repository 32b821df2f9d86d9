"""`copilot apply PROPOSAL`: show a saved edit proposal's diff, ask, and apply it.

Why a command of its own: the code assistant only proposes (`.copilot/proposals/<id>.json`);
a person decides. On a terminal the command asks; in scripts `--yes` is the explicit
approval, and without it the command refuses rather than guess, since a pipe cannot answer.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer

from scaffolder.cli._common import reports_errors, say, stdin_is_terminal
from scaffolder.errors import UsageError


@reports_errors
def apply(
    proposal: Annotated[
        str, typer.Argument(help="A proposal id (from .copilot/proposals/) or its JSON file.")
    ],
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Approve without asking (for scripts).")
    ] = False,
    root: Annotated[
        Path | None,
        typer.Option(
            "--root",
            help="The folder the proposal's paths are relative to (default: the enclosing "
            "copilot project, else the current folder).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Apply a code-assistant edit proposal after showing its diff and asking for approval."""
    from scaffolder.kit.code.apply import apply_proposal
    from scaffolder.kit.code.proposals import PROPOSALS_DIR, load_proposal, save_proposal
    from scaffolder.project import find_project

    if root is None:
        project = find_project()
        root = project.root if project is not None else Path.cwd()
    loaded, path = load_proposal(proposal, root)
    typer.secho(
        f"Proposal {loaded.id}" + (f" from {loaded.source}" if loaded.source else ""), bold=True
    )
    if loaded.rationale:
        say(f"why: {loaded.rationale}")
    _show_diff(loaded.diff)
    if not yes:
        if not stdin_is_terminal():
            raise UsageError(
                f"not applying {loaded.id}: stdin is not a terminal to ask on; "
                "pass --yes to approve"
            )
        if not typer.confirm("Apply this proposal?", default=False):
            say("Not applied; nothing was written.")
            return
    applied = apply_proposal(loaded, root, approved=True)
    if path.resolve().parent == (root / PROPOSALS_DIR).resolve():
        save_proposal(replace(loaded, status="applied"), root)
    say(f"Applied {applied.proposal_id}: {applied.summary()}.")


def _show_diff(diff: str) -> None:
    colours = {"+": typer.colors.GREEN, "-": typer.colors.RED, "@": typer.colors.CYAN}
    for line in diff.splitlines():
        header = line.startswith(("+++", "---", "diff --git"))
        typer.secho(line, fg=None if header else colours.get(line[:1]), bold=header)
