"""The edge where commands meet the project: which project, its app, its copilot.

`ask`, `chat`, `serve` and `bench` find the project once (`require_project`, the CLI's own
"which project am I in" step) and build its copilot through the function its
`[tool.copilot] app` names, so the project's own `Settings`, skills and routes are what runs;
the kit gets the root and settings from here. Saying once when the copilot runs offline keeps
anyone from mistaking the offline provider's extracted sentences for a model's answer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from scaffolder.cli._common import warn
from scaffolder.kit.text import printable
from scaffolder.project import Project, require_project

if TYPE_CHECKING:
    from scaffolder.kit.app import CopilotApp
    from scaffolder.kit.copilot import Copilot
    from scaffolder.kit.server.backend import Reply


def project_app(project: Project) -> CopilotApp:
    """The app of `project`; one made before 0.5 (no `app`) runs the old way, said once."""
    from scaffolder.kit.app import APP_KEY
    from scaffolder.kit.app import project_app as build_app

    if APP_KEY not in project.config:
        warn(
            "this project has no [tool.copilot] app (made before copilot 0.5): its skills/ "
            "run the old way; `copilot update` makes the project build its own copilot"
        )
    return build_app(project.root, project.config)


def load_app(command: str) -> CopilotApp:
    """The app of the project `command` runs in, saying once when it answers offline."""
    app = project_app(require_project(command))
    if app.settings.effective_provider == "offline":
        reason = app.settings.offline_reason or "offline"
        warn(
            f"answering with the offline provider ({reason}): answers are sentences taken from "
            f"your documents, not a model's; {app.settings.provider_setup} (or see .env.example) "
            "for a model"
        )
    return app


def load_copilot(command: str) -> Copilot:
    """The copilot the project's app builds, for `command`."""
    return load_app(command).copilot()


class EditorOptions:
    """`--file`, `--line`, `--lines`, `--selection`: which code a question is about, for
    `ask` and `chat` (checked by `kit.code.terminal_context`)."""

    File = Annotated[
        str | None,
        typer.Option("--file", help="The file the question is about (project or a source)."),
    ]
    Line = Annotated[int | None, typer.Option("--line", help="The cursor's line in --file.")]
    Lines = Annotated[
        str | None, typer.Option("--lines", help="Lines A-B of --file, as a selection.")
    ]
    Selection = Annotated[
        str | None,
        typer.Option("--selection", help="Text of --file to select (first match)."),
    ]


def editor_context(
    copilot: Copilot,
    file: str | None,
    line: int | None,
    lines: str | None,
    selection: str | None,
) -> dict[str, Any] | None:
    """The editor context the options give (None without `--file`); one-line `UsageError`
    for bad ones, before the copilot runs."""
    from scaffolder.errors import UsageError
    from scaffolder.kit.code.terminal_context import terminal_context

    if file is None:
        if line is not None or lines is not None or selection is not None:
            raise UsageError("--line, --lines and --selection need --file")
        return None
    sources = copilot.services.source_map
    return terminal_context(sources, file, line=line, lines=lines, selection=selection)


def sources_cited(reply: Reply) -> list[str]:
    """`[label] citation` for each source the answer cites, in label order, printable (file
    names and section headings come from documents)."""
    return [printable(f"[{s.label}] {s.citation}") for s in reply.cited_sources()]
