"""Pytest tests for the function at the cursor (or the file's public functions).

Proposes tests/test_<module>.py, or new tests at the end of the module's existing test file.
Without a model they are skeletons that check what the source guarantees, with TODOs.
"""

from scaffolder.kit.code import add_test
from scaffolder.kit.code.copilot_skills import edit_skill
from scaffolder.kit.routing import Skill, SkillReply, SkillRequest


def handle(request: SkillRequest) -> SkillReply:
    return edit_skill(request, add_test)


SKILL = Skill(
    name="add_test",
    description="Write unit tests (pytest) for a function or module in the editor.",
    handler=handle,
)
