"""Example skill: building and formatting tables; its prompt lives in prompt.md."""

from scaffolder.kit.routing import Skill, SkillReply, SkillRequest


def format_table(request: SkillRequest) -> SkillReply:
    return SkillReply(f"(tables) | done | {request.text} |")


SKILL = Skill(
    name="tables",
    description="building, formatting and styling markdown or HTML tables with rows and columns",
    handler=format_table,
)
