"""Greetings, thanks and "what can you do": answered without a model or the documents."""

from scaffolder.kit.routing import Skill, SkillReply, SkillRequest

GREETING = (
    "Hello! I answer questions about the product from its documentation, "
    "with the sources I used. What would you like to know?"
)
THANKS = "You're welcome. Anything else about the product?"
GOODBYE = "Goodbye, and thanks for asking."


def handle(request: SkillRequest) -> SkillReply:
    text = request.text.lower()
    if any(word in text for word in ("thank", "cheers", "great")):
        return SkillReply(THANKS)
    if any(word in text for word in ("bye", "see you")):
        return SkillReply(GOODBYE)
    return SkillReply(GREETING)


SKILL = Skill(
    name="smalltalk",
    description="Greetings, thanks, goodbyes and questions about what the assistant can do.",
    handler=handle,
)
