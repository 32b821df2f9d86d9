"""Answer questions about the product from the documents in data/, citing them.

The work (retrieval, the `answer` prompt in prompts/answer/, citation checks, streaming) is the
kit's `answer_from_documents`; change the prompt files to change how answers read, and the
examples below to change which requests come here.
"""

from scaffolder.kit.copilot import answer_from_documents
from scaffolder.kit.routing import Skill, SkillReply, SkillRequest


def handle(request: SkillRequest) -> SkillReply:
    return answer_from_documents(request, prompt="answer", k=4)


SKILL = Skill(
    name="answer",
    description=(
        "Questions about the Lumen desk lamp and its app: light, power and chargers, scenes, "
        "schedules, alarms, firmware, connectivity, troubleshooting, specifications, warranty, "
        "returns, refunds and repairs."
    ),
    handler=handle,
    answers_from_index=True,
)
