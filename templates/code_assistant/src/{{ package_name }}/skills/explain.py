"""Explain the code in the editor: the selection, the function at the cursor, or the file.

Without a model it outlines the symbols and their docstrings; with one, the `explain` prompt in
prompts/explain/ writes the explanation. The kit's `explain_skill` reads the editor context
and what "this" or "it" refers to (see docs on the code-assistant kit).
"""

from scaffolder.kit.code.copilot_skills import explain_skill
from scaffolder.kit.routing import Skill, SkillReply, SkillRequest


def handle(request: SkillRequest) -> SkillReply:
    return explain_skill(request)


SKILL = Skill(
    name="explain",
    description="Explain what a piece of code in the editor does, how, and why.",
    handler=handle,
)
