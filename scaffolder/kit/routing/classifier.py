"""The LLM fallback: pick an intent when the nearest examples are not conclusive.

The request carries a `ClassifyTask` (so the offline provider answers without parsing the
prompt) and, for providers with native JSON Schema decoding, a schema that limits the answer
to `{"intent": <one of the labels>}`. Models differ in what they actually send back (the
object, a quoted label, a bare label, a sentence naming the label), so the answer is read
tolerantly and then validated against the label set: an answer naming no known label is
treated as out of scope, never guessed.

`out_of_scope` is the first label: the offline classifier breaks ties (including "shares no
words with any description") in favour of the first label, which is the right default.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

from scaffolder.kit.json_types import JSONObject
from scaffolder.kit.llm.types import ChatModel, ChatRequest, ClassifyTask, Message
from scaffolder.kit.routing.decisions import OUT_OF_SCOPE
from scaffolder.kit.routing.skills import Skill

OUT_OF_SCOPE_DESCRIPTION = "anything else: requests none of the other intents handle"
#: Example utterances added to each description, to anchor what the description means.
EXAMPLES_PER_LABEL = 3
_INSTRUCTIONS = (
    "Classify the user's latest message into exactly one intent. Use the earlier message "
    "only to resolve references such as 'it' or 'and on Linux?'. Choose "
    f'{OUT_OF_SCOPE!r} when no intent fits. Answer with JSON: {{"intent": "<label>"}}.\n'
    "Intents:\n"
)


@dataclass(frozen=True)
class Classification:
    intent: str
    #: The model's answer, kept for the decision's reason when it named no label.
    raw: str
    #: False when the answer named no known label and `intent` fell back to out of scope.
    understood: bool = True


def classify_intent(
    model: ChatModel,
    skills: Sequence[Skill],
    text: str,
    previous_text: str | None = None,
    out_of_scope_examples: Sequence[str] = (),
) -> Classification:
    """`out_of_scope_examples` anchor the out-of-scope label as a skill's examples anchor its
    own: a model told only "anything else" weighs it against labels that show what they mean."""
    labels = (OUT_OF_SCOPE, *(skill.name for skill in skills))
    out_of_scope = _anchored(OUT_OF_SCOPE_DESCRIPTION, out_of_scope_examples)
    descriptions = (out_of_scope, *(_described(skill) for skill in skills))
    listing = "\n".join(
        f"- {label}: {description}" for label, description in zip(labels, descriptions, strict=True)
    )
    messages = [Message("system", _INSTRUCTIONS + listing)]
    if previous_text:
        messages.append(Message("user", f"(earlier message) {previous_text}"))
    messages.append(Message("user", text))
    schema: JSONObject = {
        "type": "object",
        "properties": {"intent": {"type": "string", "enum": list(labels)}},
        "required": ["intent"],
        "additionalProperties": False,
    }
    response_format: JSONObject | None = None
    if model.info.supports("json_schema"):
        response_format = {
            "type": "json_schema",
            "json_schema": {"name": "intent", "schema": schema, "strict": True},
        }
    request = ChatRequest(
        messages=tuple(messages),
        temperature=0.0,
        task=ClassifyTask(text, labels, descriptions),
        response_format=response_format,
    )
    raw = model.complete(request).text
    label = label_in(raw, labels)
    return Classification(label or OUT_OF_SCOPE, raw, understood=label is not None)


def label_in(answer: str, labels: Sequence[str]) -> str | None:
    """The label `answer` names: `{"intent": x}`, `"x"`, `x`, or the one label it mentions."""
    text = answer.strip()
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError:
        parsed = text
    if isinstance(parsed, dict):
        parsed = parsed.get("intent", "")
    if isinstance(parsed, str) and parsed.strip().strip("'\"`.").lower() in labels:
        return parsed.strip().strip("'\"`.").lower()
    mentioned = [label for label in labels if re.search(rf"\b{re.escape(label)}\b", text)]
    return mentioned[0] if len(mentioned) == 1 else None


def _described(skill: Skill) -> str:
    return _anchored(skill.description, skill.examples)


def _anchored(description: str, examples: Sequence[str]) -> str:
    if not examples:
        return description
    return f"{description} (e.g. {'; '.join(examples[:EXAMPLES_PER_LABEL])})"
