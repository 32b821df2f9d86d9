"""`copilot update [PATH]`: merge the installed template version into a generated project."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from scaffolder.cli._common import (
    DataOption,
    ProjectPathArgument,
    TrustOption,
    reports_errors,
    say,
    warn,
)
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
    from scaffolder.scaffold._update import recover_interrupted_update

    request = UpdateRequest(path=path, data=parse_data(data or []), pretend=pretend, trust=trust)
    recovery = recover_interrupted_update(path.expanduser().resolve())
    if recovery is not None:
        warn(
            f"an earlier update was interrupted; rolled it back ({len(recovery.restored)} "
            "file(s) restored), updating again"
        )
    result = update_project(request)
    name = result.project.name
    if result.up_to_date and not result.conflicts:
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
        raise UpdateConflictError(_conflict_line(result.conflicts, result.kept, pretend))
    if not pretend:
        say("Review with `git diff`, then commit.")


def _conflict_line(conflicts: list[str], kept: list[str], pretend: bool) -> str:
    merged = [path for path in conflicts if path not in kept]
    parts = []
    if merged:
        marked = "" if pretend else " (marked <<<<<<< in the file, in git status)"
        parts.append(f"{', '.join(merged)}{marked}")
    if kept:
        verb = "would be kept" if pretend else "kept"
        parts.append(f"{', '.join(kept)} (deleted by the template, {verb}: you changed it)")
    what = "would conflict" if pretend else "conflict"
    return f"{len(conflicts)} file(s) {what}: {'; '.join(parts)}"
