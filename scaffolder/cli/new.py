"""`copilot new TEMPLATE [DEST]`: generate a project from a bundled or third-party template."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from scaffolder.cli._common import (
    DataOption,
    TrustOption,
    reports_errors,
    say,
    stdin_is_terminal,
    warn,
)
from scaffolder.errors import Interrupted, UsageError

if TYPE_CHECKING:
    from scaffolder.kit.adapt import DocsPlan, StagedAdaptation


@reports_errors
def new(
    template: Annotated[
        str,
        typer.Argument(
            help="qa-rag, code-assistant, or a Copier template (git URL, gh:org/repo, path).",
            show_default=False,
        ),
    ],
    destination: Annotated[
        Path | None,
        typer.Argument(
            metavar="[DEST]",
            help="New directory for the project (default: the project name).",
            show_default=False,
        ),
    ] = None,
    defaults: Annotated[
        bool, typer.Option("--defaults", help="Take every default; ask nothing (for scripts).")
    ] = False,
    data: DataOption = None,
    answers_file: Annotated[
        Path | None,
        typer.Option("--answers-file", metavar="FILE", help="YAML file of question: answer."),
    ] = None,
    trust: TrustOption = False,
    no_git: Annotated[
        bool, typer.Option("--no-git", help="Do not create a git repository (updates need one).")
    ] = False,
    setup: Annotated[
        bool,
        typer.Option("--setup", help="Also create .venv with the project and the kit installed."),
    ] = False,
    docs: Annotated[
        list[Path] | None,
        typer.Option(
            "--docs",
            metavar="PATH",
            help="qa-rag: your documents (a file or folder; repeatable), copied into data/ "
            "instead of the sample, indexed, and the project adapted to them.",
            show_default=False,
        ),
    ] = None,
    topic: Annotated[
        str | None,
        typer.Option(
            "--topic",
            metavar="TEXT",
            help="qa-rag with --docs: what the copilot answers questions about "
            "(default: derived from the documents).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Generate a new copilot project: hosting, prompts, vector DB, tests, CI."""
    from scaffolder.scaffold import (
        NewProjectRequest,
        adaptable,
        create_project,
        parse_data,
        read_answers_file,
        require_adaptable,
        validate_project_name,
    )

    answers: dict[str, Any] = read_answers_file(answers_file) if answers_file else {}
    answers.update(parse_data(data or []))
    interactive = not defaults
    if interactive and not stdin_is_terminal():
        raise UsageError(
            "no terminal for the wizard: pass --defaults (and --data KEY=VALUE for answers)"
        )
    if destination is None:
        name = answers.get("project_name")
        if name is None and interactive:
            name = _ask_project_name(validate_project_name)
        if name is None:
            raise UsageError("name the new directory: copilot new TEMPLATE DEST")
        validate_project_name(str(name))
        answers["project_name"] = name
        destination = Path(str(name).lower().replace("_", "-"))

    if topic is not None and not topic.strip():
        raise UsageError("--topic is empty")
    if docs or topic is not None:
        require_adaptable(template, docs=bool(docs))
    plan = _plan_docs(docs, destination) if docs else None
    if interactive and adaptable(template):
        if plan is None:
            plan = _ask_docs(destination)
        if plan is not None and topic is None:
            topic = _ask_topic(plan)
    if plan is not None:
        for note in plan.notes():
            warn(f"not copied: {note}")
        say(
            f"Copying {len(plan.copies)} document(s) into data/, indexing them and adapting "
            "the project to them..."
        )
    result = create_project(
        NewProjectRequest(
            template=template,
            destination=destination,
            data=answers,
            defaults=defaults,
            trust=trust,
            init_git=not no_git,
            docs=plan,
            topic=topic.strip() if topic else None,
        ),
        notify=warn,
    )
    for note in result.notes:
        warn(note)
    version = f" v{result.version}" if result.version else " (unreleased templates)"
    say(f"Created {result.destination} from {result.template}{version}.")
    if result.adapted is not None:
        _print_adaptation(result.adapted)
    if setup:
        from scaffolder.scaffold import setup_environment

        say("Setting up .venv (the project and the copilot kit)...")
        setup_environment(result.destination)
    _print_next_steps(result.destination, setup=setup, git=not no_git)


def _ask_project_name(validate: Callable[[str], None]) -> str:
    import questionary

    def check(value: str) -> bool | str:
        try:
            validate(value)
        except UsageError as error:
            return str(error)
        return True

    answer = questionary.text("Project name:", validate=check).ask()
    if answer is None:
        raise Interrupted("interrupted; nothing was written")
    return str(answer)


def _plan_docs(sources: list[Path], destination: Path) -> DocsPlan:
    from scaffolder.kit.adapt import plan_docs

    return plan_docs(sources, destination)


def _ask_docs(destination: Path) -> DocsPlan | None:
    """The wizard's documents question: a file or folder, checked as `--docs` is (the
    question stays open until the answer is usable); empty keeps the sample."""
    import questionary

    plans: dict[str, DocsPlan] = {}

    def check(value: str) -> bool | str:
        if not value.strip():
            return True
        try:
            plans[value] = _plan_docs([Path(value.strip())], destination)
        except UsageError as error:
            return str(error)
        return True

    answer = questionary.path(
        "Where are your documents? (empty: the sample lamp documents)", validate=check
    ).ask()
    if answer is None:
        raise Interrupted("interrupted; nothing was written")
    if not answer.strip():
        return None
    return plans.get(answer) or _plan_docs([Path(answer.strip())], destination)


def _ask_topic(plan: DocsPlan) -> str | None:
    """The wizard's topic question, its default derived from the documents; None when the
    default is taken (so later `copilot adapt` runs keep deriving it)."""
    import questionary

    from scaffolder.kit.adapt import suggested_topic_of

    suggested = suggested_topic_of(plan)
    answer = questionary.text(
        "What does this copilot answer questions about?",
        default=suggested,
        validate=lambda value: bool(value.strip()) or "say what the documents are about",
    ).ask()
    if answer is None:
        raise Interrupted("interrupted; nothing was written")
    return None if answer.strip() == suggested else str(answer).strip()


def _print_adaptation(adapted: StagedAdaptation) -> None:
    from scaffolder.kit.adapt.derive import EXAMPLES

    plan, derived = adapted.plan, adapted.plan.derived
    origin = "derived" if plan.topic_derived else "given"
    # The files copied were counted when copying; the topic is read from those with prose
    # (code is indexed, not read for questions), the count `copilot adapt` prints.
    say(f"Topic ({origin}): {plan.topic}; {plan.documents} document(s)")
    say(
        f"Derived: {len(derived.lines.get(EXAMPLES, []))} routing examples, "
        f"{derived.questions_kept} of {derived.questions_checked} suite questions kept, "
        f"{derived.off_topic_kept} of {derived.off_topic_checked} off-topic requests declined "
        "(review them: see docs/make-it-yours)"
    )
    if not adapted.indexed:
        warn(
            "data/ is not indexed yet (the embedding model needs your key, or Chroma runs as "
            "a server): run `copilot ingest` once .env is set"
        )


def _print_next_steps(destination: Path, *, setup: bool, git: bool) -> None:
    try:
        shown = destination.relative_to(Path.cwd())
    except (ValueError, OSError):  # elsewhere, or the shell's folder is gone
        shown = destination
    say("\nNext steps:")
    if shown != Path():
        say(f"  cd {shown}")
    if setup:
        say("  source .venv/bin/activate")
    else:
        say("  python -m pip install -e .      # in an environment that has copilot installed")
    say("  python -m pytest                 # offline, no keys needed")
    say("  copilot doctor                   # keys, vector DB, template version")
    if not git:
        say("  git init && git add -A && git commit -m init   # `copilot update` needs git")
