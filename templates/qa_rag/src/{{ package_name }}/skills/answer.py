"""Answer questions from the documents in data/, citing them.

The work (retrieval, the `answer` prompt in prompts/answer/, citation checks, streaming) is the
kit's `answer_from_documents`; change the prompt files to change how answers read, and
skills/answer/examples.txt to change which requests come here. How many passages an answer
draws on is the project's `answer_passages` setting (config.py).
"""

from scaffolder.kit.copilot import answer_from_documents
from scaffolder.kit.routing import Skill, SkillReply, SkillRequest

from ..config import Settings


def handle(request: SkillRequest) -> SkillReply:
    passages = request.settings(Settings).answer_passages
    return answer_from_documents(request, prompt="answer", k=passages)


SKILL = Skill(
    name="answer",
    # The model that classifies requests reads skills/answer/description.txt instead, when it
    # exists: `copilot adapt` derives it from data/ (edit it freely; adapt keeps your edit).
    description="Questions answered from the project's documents.",
    handler=handle,
    answers_from_index=True,
)
