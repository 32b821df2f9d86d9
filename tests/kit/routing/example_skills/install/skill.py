"""Example skill: installing and upgrading the tool (answers only, proposes nothing)."""

from scaffolder.kit.routing import Skill, SkillReply, SkillRequest


def answer(request: SkillRequest) -> SkillReply:
    return SkillReply(f"(install) Here is how: {request.text}")


SKILL = Skill(
    name="install",
    description="installing, upgrading or uninstalling the tool on Windows, macOS or Linux",
    handler=answer,
    examples=("how do I install the tool on Windows?",),
)
