"""The edge where commands meet the project: which project, its app, its copilot.

`ask`, `chat`, `serve` and `bench` find the project once (`require_project`, the CLI's own
"which project am I in" step) and build its copilot through the function its
`[tool.copilot] app` names, so the project's own `Settings`, skills and routes are what runs;
the kit gets the root and settings from here. Saying once when the copilot runs offline keeps
anyone from mistaking the offline provider's extracted sentences for a model's answer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

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


def sources_cited(reply: Reply) -> list[str]:
    """`[label] citation` for each source the answer cites, in label order, printable (file
    names and section headings come from documents)."""
    cited = set(reply.data.get("cited", []))
    return [
        printable(f"[{s['label']}] {s['citation']}") for s in reply.sources if s["label"] in cited
    ]
