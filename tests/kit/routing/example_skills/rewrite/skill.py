"""Example skill: rewriting text, with its examples in code only."""

from scaffolder.kit.routing import Skill, SkillReply, SkillRequest


def rewrite(request: SkillRequest) -> SkillReply:
    return SkillReply(f"(rewrite) {request.text}")


SKILL = Skill(
    name="rewrite",
    description="rewriting, summarising, shortening, proofreading or translating a paragraph",
    handler=rewrite,
    prompt="You rewrite the user's text as asked and keep its meaning.",
    examples=(
        "rewrite this paragraph in a friendlier tone",
        "summarize this email in three sentences",
        "proofread my release notes",
        "translate the paragraph into German",
        "shorten this paragraph to one sentence",
        "fix the grammar in this text",
        "rephrase the introduction so it reads better",
    ),
)
