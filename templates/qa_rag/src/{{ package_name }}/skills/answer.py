"""Answer questions from the documents in data/, citing them.

The work (retrieval, the `answer` prompt in prompts/answer/, citation checks, streaming) is the
kit's `answer_from_documents`; change the prompt files to change how answers read, and the
examples below to change which requests come here.
"""

from pathlib import Path

from scaffolder.kit.copilot import answer_from_documents
from scaffolder.kit.routing import Skill, SkillReply, SkillRequest


def handle(request: SkillRequest) -> SkillReply:
    return answer_from_documents(request, prompt="answer", k=4)


SKILL = Skill(
    name="answer",
    # What the documents are about, for the model that classifies requests: `copilot adapt`
    # derives it from data/ (edit it freely; adapt never overwrites your edit).
    description=(Path(__file__).parent / "description.txt").read_text(encoding="utf-8").strip(),
    handler=handle,
    answers_from_index=True,
)
