"""`copilot apply PROPOSAL`: show what a saved edit proposal would write, ask, and write it.

Why a command of its own: the code assistant only proposes (`.copilot/proposals/<id>.json`);
a person decides. On a terminal the command asks; in scripts `--yes` is the explicit
approval, and without it the command refuses rather than guess, since a pipe cannot answer.

What is shown is the diff recomputed from the edits that will be written (the file's own diff
is only compared, never displayed), with control characters escaped so that no line of it can
hide another on the terminal. An apply that was killed midway is rolled back first, in one
line; SIGTERM and SIGHUP roll back like Ctrl-C.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from scaffolder.cli._common import reports_errors, say, stdin_is_terminal, warn
from scaffolder.errors import UsageError

if TYPE_CHECKING:
    from scaffolder.kit.sources import Source


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
    from scaffolder.journal import handle_termination
    from scaffolder.kit.code.apply import apply_prepared, prepare_apply, recover_interrupted
    from scaffolder.kit.code.proposals import PROPOSALS_DIR, load_proposal
    from scaffolder.project import find_project

    if root is None:
        project = find_project()
        root = project.root if project is not None else Path.cwd()
    sources = _sources(root)
    with handle_termination():
        recovered = recover_interrupted(root)
        if recovered is not None:
            warn(f"rolled back an interrupted apply: {recovered.summary}")
        loaded, path = load_proposal(proposal, root)
        plan = prepare_apply(loaded, root, sources=sources)
        source = f" from {printable(loaded.source)}" if loaded.source else ""
        typer.secho(f"Proposal {loaded.id}{source}", bold=True)
        if loaded.rationale:
            say(f"why: {printable(loaded.rationale)}")
        _show_diff(plan.diff)
        if not yes:
            if not stdin_is_terminal():
                raise UsageError(
                    f"not applying {loaded.id}: stdin is not a terminal to ask on; "
                    "pass --yes to approve"
                )
            if not typer.confirm("Apply this proposal?", default=False):
                say("Not applied; nothing was written.")
                return
        saved = root / PROPOSALS_DIR / f"{loaded.id}.json"
        record = path.resolve() == saved.resolve()
        applied = apply_prepared(plan, approved=True, record=record)
    say(f"Applied {applied.proposal_id}: {applied.summary()}.")


def _sources(root: Path) -> tuple[Source, ...]:
    """The configured sources of the project at `root` (none outside a project): a missing
    or bad one stops the apply in one line before anything is read."""
    from pydantic import ValidationError

    from scaffolder.kit.settings import CopilotSettings, settings_problem
    from scaffolder.kit.sources import SourceMap
    from scaffolder.project import PYPROJECT, read_copilot_table

    if not (root / PYPROJECT).is_file() or read_copilot_table(root / PYPROJECT) is None:
        return ()
    try:
        configured = CopilotSettings.load(root).sources
    except ValidationError as error:
        raise UsageError(settings_problem(error)) from None
    return SourceMap.of(root, configured).sources


def printable(text: str) -> str:
    """`text` with every control, invisible or bidi character written as an escape: a
    terminal must not let a proposal's text move the cursor, erase or reorder shown lines."""
    shown = []
    for char in text:
        if char == "\t" or unicodedata.category(char) not in {"Cc", "Cf", "Zl", "Zp"}:
            shown.append(char)
        elif ord(char) < 0x100:
            shown.append("\\r" if char == "\r" else f"\\x{ord(char):02x}")
        else:
            shown.append(f"\\u{ord(char):04x}")
    return "".join(shown)


def _show_diff(diff: str) -> None:
    colours = {"+": typer.colors.GREEN, "-": typer.colors.RED, "@": typer.colors.CYAN}
    for line in diff.split("\n")[:-1] if diff.endswith("\n") else diff.split("\n"):
        header = line.startswith(("+++", "---", "diff --git"))
        line = printable(line.removesuffix("\r"))  # a CRLF file's line ending, not content
        typer.secho(line, fg=None if header else colours.get(line[:1]), bold=header)
