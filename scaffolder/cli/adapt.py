"""`copilot adapt`: derive the routing examples, topic, out-of-scope reply and suites of a
qa-rag project from the documents in its data/ (kit: `scaffolder.kit.adapt`)."""

from __future__ import annotations

from typing import Annotated

import typer

from scaffolder.cli._common import reports_errors, say, warn
from scaffolder.errors import UsageError
from scaffolder.project import require_project


@reports_errors
def adapt(
    pretend: Annotated[
        bool, typer.Option("--pretend", help="Show what would change; write nothing.")
    ] = False,
    topic: Annotated[
        str | None,
        typer.Option(
            "--topic",
            help="What the copilot answers questions about (default: "
            "derived from the documents; kept for later runs once given).",
        ),
    ] = None,
) -> None:
    """Make the copilot's examples, scope and suites about the documents in data/."""
    from scaffolder.kit.adapt import apply_plan, plan_adaptation
    from scaffolder.scaffold._git import dirty_paths, is_work_tree

    project = require_project("adapt")
    root = project.root
    if not is_work_tree(root):
        raise UsageError(f"{root} is not a git repository; adapt needs one to show its changes")
    dirty = dirty_paths(root)
    if dirty:
        shown = ", ".join(dirty[:5]) + (f" and {len(dirty) - 5} more" if len(dirty) > 5 else "")
        raise UsageError(f"the project has uncommitted changes ({shown}); commit them first")
    if topic is not None and not topic.strip():
        raise UsageError("--topic is empty")
    plan = plan_adaptation(root, topic=topic)
    for skipped in plan.skipped_files:
        warn(f"not read: {skipped}")
    origin = "derived" if plan.topic_derived else "given"
    say(f"Topic ({origin}): {plan.topic}; {plan.documents} document(s)")
    derived = plan.derived
    say(
        f"Suite questions: {derived.questions_kept} of {derived.questions_checked} checked "
        f"passed; off-topic requests: {derived.off_topic_kept} of {derived.off_topic_checked} "
        "declined"
    )
    for change in plan.changes:
        counts = f"+{change.added} ~{change.updated} -{change.retired}"
        if change.added or change.updated or change.retired:
            say(f"  {change.path}: {counts}")
    for edit in plan.kept_edits:
        say(f"  kept your edit: {edit}")
    if not plan.writes:
        say("Nothing to change.")
        return
    if pretend:
        say(f"Would write {len(plan.writes)} file(s): {', '.join(sorted(plan.writes))}")
        return
    apply_plan(plan)
    say(
        f"Wrote {len(plan.writes)} file(s). Review with `git diff`, then commit; "
        "run `copilot ingest` to index data/."
    )
