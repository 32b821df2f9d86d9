"""generate_structured: mode per provider, local repair, re-asks with problems, giving up."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

import pytest
from jsonschema.exceptions import SchemaError
from pydantic import BaseModel

from scaffolder.errors import StructuredOutputError
from scaffolder.kit.json_types import JSONObject
from scaffolder.kit.llm.structured import agenerate_structured, generate_structured
from scaffolder.kit.llm.types import (
    ChatRequest,
    ClassifyTask,
    Completion,
    Feature,
    Message,
    ProviderInfo,
    StructuredTask,
)


class Person(BaseModel):
    name: str
    age: int


PERSON_SCHEMA: dict[str, Any] = {
    "title": "Person record",
    "type": "object",
    "properties": {"name": {"type": "string"}, "age": {"type": "integer", "minimum": 0}},
    "required": ["name", "age"],
}


@dataclass
class ScriptedModel:
    """A ChatModel that answers with canned texts in order and records every request."""

    answers: list[str]
    unsupported: set[Feature] = field(default_factory=set)
    requests: list[ChatRequest] = field(default_factory=list)

    @property
    def info(self) -> ProviderInfo:
        return ProviderInfo(name="scripted", unsupported=self.unsupported)

    def complete(self, request: ChatRequest) -> Completion:
        self.requests.append(request)
        if len(self.requests) > len(self.answers):
            raise AssertionError(f"unexpected request #{len(self.requests)}")
        return Completion(self.answers[len(self.requests) - 1], "scripted-1", "scripted")

    async def acomplete(self, request: ChatRequest) -> Completion:
        await asyncio.sleep(0)
        return self.complete(request)


def ask(text: str = "Ada is 36.", **changes: Any) -> ChatRequest:
    messages = (Message("system", "You extract people."), Message("user", text))
    return ChatRequest(messages=messages, model="m", sample=3, **changes)


# --- modes ----------------------------------------------------------------------------------


def test_native_json_schema_mode_sends_the_schema_as_response_format() -> None:
    model = ScriptedModel(['{"name": "Ada", "age": 36}'])
    result = generate_structured(model, Person, ask())
    assert result == Person(name="Ada", age=36)
    (sent,) = model.requests
    assert sent.response_format == {
        "type": "json_schema",
        "json_schema": {"name": "Person", "schema": Person.model_json_schema(), "strict": False},
    }
    assert sent.messages == ask().messages  # the schema travels natively, not in the prompt


def test_json_object_mode_adds_the_schema_to_the_system_message() -> None:
    model = ScriptedModel(['{"name": "Ada", "age": 36}'], unsupported={"json_schema"})
    assert generate_structured(model, PERSON_SCHEMA, ask()) == {"name": "Ada", "age": 36}
    (sent,) = model.requests
    assert sent.response_format == {"type": "json_object"}
    assert len(sent.messages) == 2
    system, user = sent.messages
    assert system.role == "system" and system.content.startswith("You extract people.\n\n")
    assert "JSON only" in system.content
    assert json.dumps(PERSON_SCHEMA, ensure_ascii=False) in system.content
    assert "Person_record" in system.content  # the name, made API-safe
    assert user == Message("user", "Ada is 36.")


def test_instructions_only_mode_without_any_json_feature() -> None:
    model = ScriptedModel(
        ['{"name": "Ada", "age": 36}'], unsupported={"json_schema", "json_object"}
    )
    request = ChatRequest(messages=(Message("user", "Ada is 36."),), response_format={"x": 1})
    assert generate_structured(model, Person, request) == Person(name="Ada", age=36)
    (sent,) = model.requests
    assert sent.response_format is None
    assert sent.messages[0].role == "system"
    assert "JSON only" in sent.messages[0].content
    assert json.dumps(Person.model_json_schema()) in sent.messages[0].content
    assert sent.messages[1:] == request.messages


def test_json_object_mode_is_not_used_for_a_non_object_schema() -> None:
    schema: JSONObject = {"type": "array", "items": {"type": "string"}}
    model = ScriptedModel(['["a", "b"]'], unsupported={"json_schema"})
    assert generate_structured(model, schema, ask()) == ["a", "b"]
    assert model.requests[0].response_format is None
    assert "JSON only" in model.requests[0].messages[0].content


# --- tasks ----------------------------------------------------------------------------------


def test_a_structured_task_is_attached_when_the_request_has_none() -> None:
    model = ScriptedModel(['{"name": "Ada", "age": 36}'])
    request = ChatRequest(
        messages=(Message("user", "first"), Message("assistant", "ok"), Message("user", "Ada"))
    )
    generate_structured(model, PERSON_SCHEMA, request)
    assert model.requests[0].task == StructuredTask(schema=PERSON_SCHEMA, text="Ada")


def test_an_existing_task_is_kept() -> None:
    model = ScriptedModel(['{"name": "Ada", "age": 36}'])
    task = ClassifyTask(text="Ada", labels=("person", "place"))
    generate_structured(model, Person, ask(task=task))
    assert model.requests[0].task is task


# --- repair and re-asking -------------------------------------------------------------------


@pytest.mark.parametrize(
    "answer",
    [
        'Here it is:\n```json\n{"name": "Ada", "age": 36,}\n```',
        "{'name': 'Ada', 'age': 36}",
        '{"name": "Ada", "age": 36',
    ],
    ids=["fenced-trailing-comma", "single-quotes", "truncated"],
)
def test_repairable_answers_need_no_reask(answer: str) -> None:
    model = ScriptedModel([answer])
    assert generate_structured(model, Person, ask()) == Person(name="Ada", age=36)
    assert len(model.requests) == 1


def test_reask_lists_the_problems_and_succeeds_on_the_second_attempt() -> None:
    first = '{"name": "Ada", "age": "thirty-six"}'
    model = ScriptedModel([first, '{"name": "Ada", "age": 36}'], unsupported={"json_schema"})
    assert generate_structured(model, PERSON_SCHEMA, ask()) == {"name": "Ada", "age": 36}
    original, reask = model.requests
    assert reask.messages[: len(original.messages)] == original.messages
    assistant, feedback = reask.messages[len(original.messages) :]
    assert assistant == Message("assistant", first)
    assert feedback.role == "user"
    assert feedback.content == (
        "Your answer does not match the JSON Schema:\n"
        "- age: 'thirty-six' is not of type 'integer'\n"
        "Reply with the corrected JSON only."
    )
    assert reask.sample == original.sample == 3
    assert reask.response_format == original.response_format
    assert reask.task == original.task


def test_pydantic_problems_name_the_path() -> None:
    class Team(BaseModel):
        members: list[Person]

    model = ScriptedModel(
        ['{"members": [{"name": "Ada", "age": 36}, {"age": "x"}]}', '{"members": []}']
    )
    assert generate_structured(model, Team, ask()) == Team(members=[])
    feedback = model.requests[1].messages[-1].content
    assert "- members[1].name: Field required\n" in feedback
    assert "- members[1].age: Input should be a valid integer" in feedback


def test_unparseable_answer_is_reasked_with_the_parse_error() -> None:
    model = ScriptedModel(["I cannot do that.", '{"name": "Ada", "age": 36}'])
    generate_structured(model, Person, ask())
    feedback = model.requests[1].messages[-1].content
    assert "- (root): not valid JSON: no JSON could be recovered" in feedback


def test_gives_up_after_max_reasks_with_the_raw_text_and_problems() -> None:
    answers = ['{"name": "Ada"}', '{"age": 36}', '{"name": 1, "age": -1}', "never asked"]
    model = ScriptedModel(answers, unsupported={"json_schema"})
    with pytest.raises(StructuredOutputError) as raised:
        generate_structured(model, PERSON_SCHEMA, ask(), max_reasks=2)
    error = raised.value
    assert len(model.requests) == 3
    assert error.raw == '{"name": 1, "age": -1}'
    assert error.problems == [
        "name: 1 is not of type 'string'",
        "age: -1 is less than the minimum of 0",
    ]
    assert str(error) == (
        "structured request to m (sample 3): no schema-valid output after 3 attempts "
        "(name: 1 is not of type 'string')"
    )
    assert "\n" not in str(error)
    # Each re-ask carries the whole conversation so far.
    assert [len(request.messages) for request in model.requests] == [2, 4, 6]


def test_no_reasks_means_one_attempt() -> None:
    model = ScriptedModel(["{}"])
    with pytest.raises(StructuredOutputError, match="after 1 attempt \\("):
        generate_structured(model, Person, ask(), max_reasks=0)
    assert len(model.requests) == 1


def test_many_problems_are_capped_in_the_reask() -> None:
    schema: JSONObject = {"type": "object", "required": [f"k{i}" for i in range(12)]}
    model = ScriptedModel(["{}", json.dumps({f"k{i}": i for i in range(12)})])
    generate_structured(model, schema, ask())
    feedback = model.requests[1].messages[-1].content
    assert feedback.count("is a required property") == 8
    assert "- and 4 more" in feedback


# --- results and argument errors ------------------------------------------------------------


def test_the_result_is_exactly_what_validation_produced() -> None:
    model = ScriptedModel(['{"name": "Ada", "age": "36", "extra": [1]}'] * 2)
    person = generate_structured(model, Person, ask())
    assert type(person) is Person and person.age == 36  # pydantic's coercion applied
    data = generate_structured(model, {"type": "object"}, ask())
    assert data == {"name": "Ada", "age": "36", "extra": [1]}  # jsonschema changes nothing


def test_an_invalid_schema_fails_before_any_call() -> None:
    model = ScriptedModel([])
    with pytest.raises(SchemaError):
        generate_structured(model, {"type": "no-such-type"}, ask())
    assert model.requests == []


def test_negative_max_reasks_is_refused() -> None:
    with pytest.raises(ValueError, match="max_reasks"):
        generate_structured(ScriptedModel([]), Person, ask(), max_reasks=-1)


# --- async ----------------------------------------------------------------------------------


def test_async_variant_reasks_and_returns_the_same_result() -> None:
    answers = ['{"name": "Ada"}', '{"name": "Ada", "age": 36}']
    sync_model, async_model = ScriptedModel(list(answers)), ScriptedModel(list(answers))
    expected = generate_structured(sync_model, Person, ask())
    result = asyncio.run(agenerate_structured(async_model, Person, ask()))
    assert result == expected == Person(name="Ada", age=36)
    assert async_model.requests == sync_model.requests


def test_async_variant_gives_up_the_same_way() -> None:
    model = ScriptedModel(["nope", "still nope"])
    with pytest.raises(StructuredOutputError) as raised:
        asyncio.run(agenerate_structured(model, PERSON_SCHEMA, ask(), max_reasks=1))
    assert raised.value.raw == "still nope"
    assert raised.value.problems[0].startswith("(root): not valid JSON:")
