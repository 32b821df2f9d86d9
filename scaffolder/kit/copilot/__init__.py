"""The runtime of a generated copilot: its services and one turn end to end.

    copilot = Copilot.for_project(project_root)
    reply = copilot.ask("How do I reset the lamp?")
    print(reply.text, [source.citation for source in reply.cited_sources()])

`copilot ask`, `copilot chat` and `copilot serve` all run turns through `Copilot`.
"""

from scaffolder.kit.copilot.runtime import Copilot
from scaffolder.kit.copilot.services import ProjectServices
from scaffolder.kit.copilot.skill_helpers import answer_from_documents

__all__ = ["Copilot", "ProjectServices", "answer_from_documents"]
