"""`copilot new TEMPLATE [DEST]`: generate a project from a bundled or third-party template."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

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
) -> None:
    """Generate a new copilot project: hosting, prompts, vector DB, tests, CI."""
    from scaffolder.scaffold import (
        NewProjectRequest,
        create_project,
        parse_data,
        read_answers_file,
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

    result = create_project(
        NewProjectRequest(
            template=template,
            destination=destination,
            data=answers,
            defaults=defaults,
            trust=trust,
            init_git=not no_git,
        ),
        notify=warn,
    )
    for note in result.notes:
        warn(note)
    version = f" v{result.version}" if result.version else " (unreleased templates)"
    say(f"Created {result.destination} from {result.template}{version}.")
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
