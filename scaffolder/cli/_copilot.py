"""Loading the project's copilot for `ask`, `chat` and `serve`, and saying once when it runs
offline, so nobody mistakes the offline provider's extracted sentences for a model's answer."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scaffolder.cli._common import warn
from scaffolder.kit.text import printable
from scaffolder.project import require_project

if TYPE_CHECKING:
    from scaffolder.kit.copilot import Copilot
    from scaffolder.kit.server.backend import Reply


def load_copilot(command: str) -> Copilot:
    from scaffolder.kit.copilot import Copilot
    from scaffolder.kit.settings import CopilotSettings

    project = require_project(command)
    settings = CopilotSettings.load(project.root)
    if settings.effective_provider == "offline":
        reason = settings.offline_reason or "offline"
        warn(
            f"answering with the offline provider ({reason}): answers are sentences taken from "
            "your documents, not a model's; set OPENAI_API_KEY (or see .env.example) for a model"
        )
    return Copilot.for_project(project.root, settings)


def sources_cited(reply: Reply) -> list[str]:
    """`[label] citation` for each source the answer cites, in label order, printable (file
    names and section headings come from documents)."""
    cited = set(reply.data.get("cited", []))
    return [
        printable(f"[{s['label']}] {s['citation']}") for s in reply.sources if s["label"] in cited
    ]
