""""That was wrong" or "that helped": rates the previous answer, kept in .copilot/feedback.jsonl.

Ratings become benchmark cases with `copilot bench import-feedback` (identifiers redacted).
"""

from scaffolder.kit.routing import Skill, SkillReply, SkillRequest

NEGATIVE = ("wrong", "not helpful", "useless", "incorrect", "bad", "didn't help", "did not help")


def handle(request: SkillRequest) -> SkillReply:
    earlier = [m for m in request.messages[:-1] if m.role in ("user", "assistant")]
    if len(earlier) < 2 or request.services is None:
        return SkillReply("Thanks, but there is no answer yet to rate. Ask me something first!")
    question, answer = earlier[-2].content, earlier[-1].content
    down = any(word in request.text.lower() for word in NEGATIVE)
    request.services.feedback.record(
        "down" if down else "up", question=question, answer=answer, comment=request.text,
        skill="answer",
    )
    if down:
        return SkillReply("Sorry about that. I noted it so the team can fix the answer.")
    return SkillReply("Glad it helped. I noted your feedback.")


SKILL = Skill(
    name="feedback",
    description="The user rates the previous answer: it was wrong, unhelpful, helpful or great.",
    handler=handle,
)
