"""Questions about the codebase, answered from the indexed code with citations.

Index the code first: `copilot ingest src tests`. The answer uses the `ask_codebase` prompt in
prompts/ask_codebase/ and cites files and line ranges; how many passages it draws on is the
project's `answer_passages` setting (config.py).
"""

from scaffolder.kit.copilot import answer_from_documents
from scaffolder.kit.routing import Skill, SkillReply, SkillRequest

from ..config import Settings


def handle(request: SkillRequest) -> SkillReply:
    passages = request.settings(Settings).answer_passages
    return answer_from_documents(request, prompt="ask_codebase", k=passages)


SKILL = Skill(
    name="ask_codebase",
    description="Questions about where and how something is implemented in this repository.",
    handler=handle,
)
