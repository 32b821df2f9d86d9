"""Questions about the codebase, answered from the index with citations.

Index the code first: `copilot ingest src tests` (and the team's repositories, recorded as
`[tool.copilot] sources`). "Where is X defined" and "what calls X" are answered from the
symbol index, with file and line, without a model; other questions with the `ask_codebase`
prompt in prompts/ask_codebase/, the definitions of the names they mention first among the
passages. How many passages an answer draws on is the project's `answer_passages` setting.
"""

from scaffolder.kit.code.codebase import answer_about_code
from scaffolder.kit.routing import Skill, SkillReply, SkillRequest

from ..config import Settings


def handle(request: SkillRequest) -> SkillReply:
    passages = request.settings(Settings).answer_passages
    return answer_about_code(request, prompt="ask_codebase", k=passages)


SKILL = Skill(
    name="ask_codebase",
    description="Questions about where and how something is implemented in this repository.",
    handler=handle,
    # The index decides scope too: a question it holds strong evidence for (or that names a
    # function, class or file it holds) comes here even when no example resembles it.
    answers_from_index=True,
)
