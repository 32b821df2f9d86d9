"""Docstrings for the functions in the selection (or at the cursor) that lack one.

Proposes the edit; nothing is written until you run `copilot apply <id>` (or approve it in
the editor). Without a model the docstrings are stubs from the signatures, with TODOs.
"""

from scaffolder.kit.code import document
from scaffolder.kit.code.copilot_skills import edit_skill
from scaffolder.kit.routing import Skill, SkillReply, SkillRequest


def handle(request: SkillRequest) -> SkillReply:
    return edit_skill(request, document)


SKILL = Skill(
    name="document",
    description="Write or add docstrings and documentation comments to code in the editor.",
    handler=handle,
)
