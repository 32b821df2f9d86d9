"""`copilot prompts lint` and `copilot prompts review`: check prompts before they ship.

`lint` is the static, deterministic pass for CI: findings as `file:line:col rule-id message`
(or JSON), exit 1 on errors (on warnings too with `--strict`). `review` is the advisory pass
for a person: a model reads one prompt and lists what it finds ambiguous or unhandled; with
the offline provider it runs heuristics instead and says so.
"""

from __future__ import annotations

from typing import Annotated

import typer

from scaffolder.cli._common import FormatOption, OutputFormat, reports_errors, say
from scaffolder.errors import FAILURE_EXIT_CODE, UsageError
from scaffolder.project import require_project


def register(app: typer.Typer) -> None:
    """Add `lint` and `review` to the `copilot prompts` group."""
    app.command("lint")(lint)
    app.command("review")(review)


@reports_errors
def lint(
    names: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="[NAME]...",
            help="Prompts to lint (folders under prompts/); default: all.",
            show_default=False,
        ),
    ] = None,
    output_format: FormatOption = OutputFormat.text,
    strict: Annotated[bool, typer.Option("--strict", help="Fail on warnings too.")] = False,
) -> None:
    """Check the prompts for mistakes; exit 1 on errors (see prompts/lint.yaml for team rules)."""
    from scaffolder.kit.prompts.lint import lint as lint_prompts

    result = lint_prompts(require_project("prompts lint").root, names or [])
    if output_format is OutputFormat.json:
        say(result.json())
    else:
        if result.findings:
            say(result.text())
        typer.echo(result.summary(), err=True)
    if result.failed(strict=strict):
        raise typer.Exit(FAILURE_EXIT_CODE)


@reports_errors
def review(
    name: Annotated[str, typer.Argument(help="The prompt (a folder under prompts/).")],
    output_format: FormatOption = OutputFormat.text,
) -> None:
    """Ask the configured model what is ambiguous or unhandled in a prompt (offline: heuristics)."""
    from pydantic import ValidationError

    from scaffolder.kit.llm.client import LLM
    from scaffolder.kit.prompts.review import review as review_prompt
    from scaffolder.kit.settings import CopilotSettings

    root = require_project("prompts review").root
    try:
        settings = CopilotSettings.load(root)
    except ValidationError as error:
        reason = error.errors()[0]["msg"].removeprefix("Value error, ")
        raise UsageError(f"the project's settings are invalid: {reason}") from None
    llm = LLM.from_settings(settings, root)
    result = review_prompt(root, name, llm, notice=llm.notice)
    say(result.json() if output_format is OutputFormat.json else result.text())
