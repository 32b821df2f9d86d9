"""`copilot update [PATH]`: merge the installed template version into a generated project."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from scaffolder.cli._common import DataOption, ProjectPathArgument, TrustOption, reports_errors, say
from scaffolder.errors import UpdateConflictError

_MARKS = {"added": "+", "modified": "~", "deleted": "-"}


@reports_errors
def update(
    path: ProjectPathArgument = Path(),
    pretend: Annotated[
        bool, typer.Option("--pretend", help="Show what would change; write nothing.")
    ] = False,
    data: DataOption = None,
    trust: TrustOption = False,
) -> None:
    """Bring a project to the installed template version with a 3-way merge."""
    from scaffolder.scaffold import UpdateRequest, parse_data, update_project

    result = update_project(
        UpdateRequest(path=path, data=parse_data(data or []), pretend=pretend, trust=trust)
    )
    name = result.project.name
    if result.up_to_date:
        say(f"{name} is up to date (templates {result.to_version}); nothing changed.")
        return
    verb = "Would update" if pretend else "Updated"
    say(
        f"{verb} {name} from templates {result.from_version} to {result.to_version}: "
        f"{len(result.changes)} file(s)"
    )
    for change in result.changes:
        say(f"  {_MARKS[change.kind]} {change.path}")
    if result.conflicts:
        listing = ", ".join(result.conflicts)
        what = (
            "would conflict" if pretend else "conflict (marked <<<<<<< in the file, in git status)"
        )
        raise UpdateConflictError(f"{len(result.conflicts)} file(s) {what}: {listing}")
    if not pretend:
        say("Review with `git diff`, then commit.")
