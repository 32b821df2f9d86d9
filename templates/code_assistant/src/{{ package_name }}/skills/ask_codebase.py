"""Questions about the codebase, answered from the indexed code with citations.

Index the code first: `copilot ingest src tests`. The answer uses the `ask_codebase` prompt in
prompts/ask_codebase/ and cites files and line ranges.
"""

from scaffolder.kit.copilot import answer_from_documents
from scaffolder.kit.routing import Skill, SkillReply, SkillRequest


def handle(request: SkillRequest) -> SkillReply:
    return answer_from_documents(request, prompt="ask_codebase", k=4)


SKILL = Skill(
    name="ask_codebase",
    description="Questions about where and how something is implemented in this repository.",
    handler=handle,
)
