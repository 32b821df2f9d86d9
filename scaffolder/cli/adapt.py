"""`copilot adapt`: derive the routing examples, topic, out-of-scope reply and suites of a
qa-rag project from the documents in its data/, or a code-assistant project's routing examples
from the symbol index of its indexed code (kit: `scaffolder.kit.adapt`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from scaffolder.cli._common import reports_errors, say, warn
from scaffolder.errors import UsageError
from scaffolder.project import Project, require_project

if TYPE_CHECKING:
    from scaffolder.kit.adapt import Plan
    from scaffolder.kit.llm.client import LLM


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
    rules_only: Annotated[
        bool,
        typer.Option(
            "--rules-only",
            help="Derive questions by rules alone, even when the project has a model "
            "(which otherwise also writes questions in users' words).",
        ),
    ] = False,
) -> None:
    """Make the copilot's examples, scope and suites about the documents in data/."""
    from scaffolder.kit.adapt import plan_adaptation
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
    code = project.config.get("template") == "code-assistant"
    if code:
        plan = _code_plan(project)
    else:
        plan = plan_adaptation(root, topic=topic, llm=None if rules_only else _model(project))
    _report_and_write(plan, pretend, documents=not code)


def _model(project: Project) -> LLM | None:
    """The project's model, when its settings reach one (a key or a base URL); None offline,
    whose questions would be the smallest valid JSON, not a model's."""
    from scaffolder.cli._copilot import project_app
    from scaffolder.kit.copilot.services import ProjectServices

    settings = project_app(project).settings
    if settings.effective_provider == "offline":
        return None
    say(f"Asking the model ({settings.effective_provider}) for questions in users' words")
    return ProjectServices(project.root, settings).llm


def _code_plan(project: Project) -> Plan:
    """A code-assistant project: routing examples from its symbol index (kit.adapt.code)."""
    from scaffolder.cli._copilot import project_app
    from scaffolder.kit.adapt.code import plan_code_adaptation
    from scaffolder.kit.copilot.services import ProjectServices

    app = project_app(project)
    services = ProjectServices(project.root, app.settings)
    plan = plan_code_adaptation(project.root, services.symbol_table.current())
    say(f"Examples from the symbol index of {plan.documents} code file(s)")
    return plan


def _report_and_write(plan: Plan, pretend: bool, *, documents: bool) -> None:
    from scaffolder.kit.adapt import apply_plan
    from scaffolder.kit.adapt.manifest import MANIFEST

    for skipped in plan.skipped_files:
        warn(f"not read: {skipped}")
    for aside in plan.aside_files:
        warn(f"nothing derived from {aside} (indexed and answered from all the same)")
    derived = plan.derived
    if documents:
        origin = "derived" if plan.topic_derived else "given"
        say(f"Topic ({origin}): {plan.topic}; {plan.documents} document(s)")
        say(
            f"Suite questions: {derived.questions_kept} of {derived.questions_checked} checked "
            f"passed; off-topic requests: {derived.off_topic_kept} of "
            f"{derived.off_topic_checked} declined"
        )
    synthesis = plan.synthesis
    if synthesis.model:
        kept = synthesis.asked - synthesis.dropped
        say(
            f"Model questions: {kept} of {synthesis.asked} written kept "
            f"({synthesis.dropped} dropped: not quoting the document, not a question, or "
            "asked twice)"
        )
    if synthesis.reused:
        say(
            f"Model questions taken from {MANIFEST} (their documents were not asked again): "
            f"{synthesis.reused}"
        )
    for failure in synthesis.failed:
        warn(f"the model's questions were not valid JSON: {failure}")
    if synthesis.stopped is not None:
        warn(f"stopped asking the model ({synthesis.stopped}); the rest are the rules'")
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
    after = "; run `copilot ingest` to index data/." if documents else "."
    say(f"Wrote {len(plan.writes)} file(s). Review with `git diff`, then commit{after}")
