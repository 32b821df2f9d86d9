"""`copilot doctor`: check the machine, the template history, keys and the project."""

from __future__ import annotations

from pathlib import Path

import typer

from scaffolder.cli._common import ProjectPathArgument, reports_errors, say

_SYMBOLS = {
    "ok": ("✓", typer.colors.GREEN),
    "warn": ("!", typer.colors.YELLOW),
    "fail": ("✗", typer.colors.RED),
}


@reports_errors
def doctor(path: ProjectPathArgument = Path()) -> None:
    """Check Python, git, the template history, provider keys, Chroma and the project."""
    from scaffolder.scaffold import run_checks

    checks = run_checks(path)
    width = max(len(check.name) for check in checks)
    for check in checks:
        symbol, colour = _SYMBOLS[check.status]
        typer.secho(f"{symbol} {check.name:<{width}}  {check.detail}", fg=colour)
    failures = sum(check.status == "fail" for check in checks)
    if failures:
        say(f"\n{failures} check(s) failed.")
        raise typer.Exit(1)
