"""`copilot agent "task"`: the code agent, until the tests pass or a limit stops it.

Why it asks before every edit and every test run: an agent changes files and runs programs,
so each diff and command is shown and waits for `y` on a terminal; `--yes` approves them all
for a script. It stops on success (the tests passed, checked, not claimed), on a limit (steps,
cost, time) or on a loop, and always says which, in one line; `--trace` shows every step.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from scaffolder.cli._common import reports_errors, say, stdin_is_terminal
from scaffolder.errors import FAILURE_EXIT_CODE, UsageError


@reports_errors
def agent(
    task: Annotated[str, typer.Argument(help="What to change, e.g. 'make the failing test pass'.")],
    repo: Annotated[
        Path | None,
        typer.Option(help="The repository to work in (default: the project).", show_default=False),
    ] = None,
    max_steps: Annotated[int, typer.Option(min=1, help="Stop after this many steps.")] = 15,
    max_cost_usd: Annotated[
        float | None, typer.Option(min=0, help="Stop once the model calls cost this much.")
    ] = None,
    max_seconds: Annotated[
        float | None, typer.Option(min=0, help="Stop after this many seconds.")
    ] = None,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Approve every edit and test run (for scripts).")
    ] = False,
    trace: Annotated[bool, typer.Option("--trace", help="Print every step at the end.")] = False,
) -> None:
    """Let the code agent edit and test until the tests pass (every step asks first)."""
    from scaffolder.kit.agents.guards import Limits
    from scaffolder.kit.code.agent import DEFAULT_TEST_COMMAND, run_code_agent
    from scaffolder.kit.llm.client import LLM
    from scaffolder.kit.retrieval.retriever import open_retriever
    from scaffolder.kit.settings import CopilotSettings
    from scaffolder.project import require_project

    project = require_project("agent")
    settings = CopilotSettings.load(project.root)
    if settings.effective_provider == "offline":
        reason = settings.offline_reason or "offline"
        raise UsageError(
            f"agent mode needs a model, and calls go to the offline provider ({reason}); "
            f"{settings.provider_setup} (or see .env.example)"
        )
    if not yes and not stdin_is_terminal():
        raise UsageError("stdin is not a terminal to ask on; pass --yes to approve every step")
    root = (repo or project.root).resolve()
    if not root.is_dir():
        raise UsageError(f"--repo {repo}: no such folder")
    configured = project.config.get("agent", {}).get("test_command")
    test_command = [str(part) for part in configured] if configured else DEFAULT_TEST_COMMAND
    retriever = open_retriever(settings, project.root) if root == project.root else None
    result = run_code_agent(
        task,
        root,
        LLM.from_settings(settings, project.root),
        (lambda what, detail: True) if yes else _ask,
        test_command=test_command,
        retriever=retriever,
        limits=Limits(max_steps=max_steps, max_cost_usd=max_cost_usd, max_seconds=max_seconds),
    )
    if trace:
        say(result.trace.render())
    elif result.succeeded:
        say(f"succeeded: {result.detail}")
    say(f"{result.steps} step(s), ${result.spent_usd:.4f}, {result.elapsed_s:.1f} s")
    if not result.succeeded:
        typer.secho(f"stopped ({result.reason}): {result.detail}", fg="red", err=True)
        raise typer.Exit(FAILURE_EXIT_CODE)


def _ask(what: str, detail: str) -> bool:
    """Show the diff (if any) and ask y/N; anything but yes is a no."""
    typer.secho(f"The agent wants to {what}", bold=True)
    if detail:
        say(detail.rstrip("\n"))
    return typer.confirm("Allow?", default=False)
