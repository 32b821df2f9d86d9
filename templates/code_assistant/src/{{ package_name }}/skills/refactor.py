"""Rewrite the selected code (or the function at the cursor) as asked.

Needs a model: without one it says so and proposes nothing. The model's code, from the
`refactor` prompt, is proposed only when it parses and is complete.
"""

from scaffolder.kit.code.copilot_skills import refactor_skill
from scaffolder.kit.routing import Skill, SkillReply, SkillRequest


def handle(request: SkillRequest) -> SkillReply:
    return refactor_skill(request)


SKILL = Skill(
    name="refactor",
    description="Restructure, simplify, rename or clean up existing code without changing "
    "what it does.",
    handler=handle,
)
