"""Greetings, thanks and "what can you do": answered without a model or the documents.

A request routed here may only contain a greeting ("Translate good morning into Spanish" is
near the example "good morning"): when more than one word of it is not small talk, it is
declined like any request outside the documents, not greeted.
"""

from scaffolder.kit.routing import Skill, SkillReply, SkillRequest
from scaffolder.kit.text import tokenize
from scaffolder.kit.turn import SkillData

GREETING = (
    "Hello! I answer questions about the product from its documentation, "
    "with the sources I used. What would you like to know?"
)
THANKS = "You're welcome. Anything else about the product?"
GOODBYE = "Goodbye, and thanks for asking."
NOT_SMALL_TALK = (
    "Sorry, I can't help with that. I answer questions about the product from its documentation."
)
#: The words small talk is made of (stemmed as the kit's tokenizer stems; words such as "what",
#: "can" and "you" are stopwords and never count).
SMALL_TALK_WORDS = frozenset(
    tokenize(
        "hello hi hey greetings good morning afternoon evening night day today thanks thank "
        "cheers great nice perfect awesome ok okay cool bye goodbye see later soon much lot "
        "help helped helpful assistant bot welcome able answer ask question know tell yourself"
    )
)


def handle(request: SkillRequest) -> SkillReply:
    if len(set(tokenize(request.text)) - SMALL_TALK_WORDS) > 1:
        return SkillReply(NOT_SMALL_TALK, data=SkillData(abstained=True))
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
