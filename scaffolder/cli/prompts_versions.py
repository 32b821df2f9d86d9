"""`copilot prompts lock` and `copilot prompts diff`: prompt versions in code review.

A change to a shared component changes the version of every prompt that uses it, which the
file diff alone does not show. `lock` records the versions in `prompts.lock` (and `--check`
fails CI until the lock is updated with the change), `diff` names the prompts a change
affects and the files that changed in each, against any git revision.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer

from scaffolder.cli._common import FormatOption, OutputFormat, reports_errors, say, warn
from scaffolder.errors import FAILURE_EXIT_CODE
from scaffolder.project import require_project

if TYPE_CHECKING:
    from scaffolder.kit.prompts.versions import PromptChange, Snapshot

_MARKS = {"added": "+", "removed": "-", "changed": "~"}


def register(app: typer.Typer) -> None:
    """Add `lock` and `diff` to the `copilot prompts` group."""
    app.command("lock")(lock)
    app.command("diff")(diff)


@reports_errors
def lock(
    check: Annotated[
        bool,
        typer.Option(
            "--check", help="Write nothing; exit 1 when prompts.lock is missing or out of date."
        ),
    ] = False,
) -> None:
    """Record every prompt's version and file hashes in prompts.lock (commit it)."""
    from scaffolder.kit.prompts import PromptError, PromptLibrary
    from scaffolder.kit.prompts.versions import (
        LOCK_NAME,
        LockFile,
        StaleLockError,
        compare,
        snapshot,
    )

    root = require_project("prompts lock").root
    current = snapshot(PromptLibrary.for_project(root))
    lock_file = LockFile.for_project(root)
    if check:
        if not lock_file.exists():
            raise StaleLockError(
                f"{LOCK_NAME} is missing: run `copilot prompts lock` and commit the file"
            )
        changes = compare(lock_file.read(), current)
        if changes:
            for change in changes:
                say(_one_line(change))
            raise StaleLockError(
                f"{LOCK_NAME} is out of date for {len(changes)} prompt(s): run "
                "`copilot prompts lock` and commit the file with the prompt changes"
            )
        say(f"{LOCK_NAME} is up to date ({len(current)} prompt(s)).")
        return
    locked: Snapshot = {}
    if lock_file.exists():
        try:
            locked = lock_file.read()
        except PromptError as error:
            warn(f"{error}; writing it anew")
    changes = compare(locked, current)
    written = lock_file.write(current)
    if not changes:
        verb = "Rewrote" if written else "Nothing changed in"
        say(f"{verb} {LOCK_NAME} ({len(current)} prompt(s)).")
        return
    say(f"Wrote {LOCK_NAME}: {_summary(changes)}.")
    for change in changes:
        _print_change(change)


@reports_errors
def diff(
    revision: Annotated[
        str,
        typer.Argument(
            metavar="REV", help="The git revision to compare with (a commit, branch, tag...)."
        ),
    ] = "HEAD",
    output_format: FormatOption = OutputFormat.text,
    exit_code: Annotated[
        bool, typer.Option("--exit-code", help="Exit 1 when a prompt changed (like git diff).")
    ] = False,
) -> None:
    """Show which prompts changed since REV and how, file by file (shared files included)."""
    from scaffolder.kit.prompts import PromptLibrary
    from scaffolder.kit.prompts.versions import compare, snapshot, snapshot_at

    root = require_project("prompts diff").root
    before = snapshot_at(root, revision)
    changes = compare(before, snapshot(PromptLibrary.for_project(root)))
    if output_format is OutputFormat.json:
        report = {"revision": revision, "changes": [change.as_dict() for change in changes]}
        say(json.dumps(report, indent=2))
    elif changes:
        say(f"{_summary(changes)} since {revision}:")
        for change in changes:
            _print_change(change)
    else:
        say(f"No prompt changed since {revision}.")
    if exit_code and changes:
        raise typer.Exit(FAILURE_EXIT_CODE)


def _versions(change: PromptChange) -> str:
    return f"{change.old_version or '(new)'} -> {change.new_version or '(removed)'}"


def _files(change: PromptChange) -> list[tuple[str, str]]:
    """(mark, path) for every file that differs, in path order."""
    marked = [
        *((_MARKS["added"], path) for path in change.added),
        *((_MARKS["removed"], path) for path in change.removed),
        *((_MARKS["changed"], path) for path in change.changed),
    ]
    return sorted(marked, key=lambda item: item[1])


def _print_change(change: PromptChange) -> None:
    say(f"{change.name}  {_versions(change)}")
    for mark, path in _files(change):
        say(f"  {mark} {path}")


def _one_line(change: PromptChange) -> str:
    files = ", ".join(f"{mark} {path}" for mark, path in _files(change))
    return f"{change.name}  {_versions(change)}  {files}"


def _summary(changes: list[PromptChange]) -> str:
    counts = {status: sum(c.status == status for c in changes) for status in _MARKS}
    return ", ".join(f"{count} prompt(s) {status}" for status, count in counts.items() if count)
