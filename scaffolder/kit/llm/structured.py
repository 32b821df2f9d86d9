"""Output that validates against a schema, from any chat model.

The strongest mechanism the provider offers is used: native JSON Schema decoding, else JSON
mode with the schema in the system message, else instructions alone. Whatever comes back is
repaired locally first (fences, prose, trailing commas, truncation), because a re-ask costs a
full round trip; only what repair cannot fix goes back to the model, with the validation
problems spelled out so it can correct them.

Sync and async callers share one generator that yields requests and receives raw answers,
so the policy (modes, re-asks, when to give up) lives in one place and the two drivers only
differ in how they call the model.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass, replace
from typing import TypeVar, overload

import jsonschema
from pydantic import BaseModel, ValidationError

from scaffolder.errors import StructuredOutputError
from scaffolder.kit.json_types import JSONObject, JSONValue
from scaffolder.kit.llm.repair import extract_json
from scaffolder.kit.llm.types import (
    ChatModel,
    ChatRequest,
    Message,
    ProviderInfo,
    StructuredTask,
)

ModelT = TypeVar("ModelT", bound=BaseModel)

#: Problems listed in one re-ask: beyond a handful they lengthen the prompt, not the fix.
MAX_LISTED_PROBLEMS = 8
_PROBLEM_CHARS = 200
_NAME_CHARS = re.compile(r"[^A-Za-z0-9_-]")
_Attempts = Generator[ChatRequest, str, object]


class _Invalid(Exception):
    def __init__(self, problems: list[str]) -> None:
        super().__init__(problems[0])
        self.problems = problems


@dataclass(frozen=True)
class _Target:
    """What the answer must match: a name and JSON Schema to send, a validator to apply."""

    name: str
    json_schema: JSONObject
    validate: Callable[[JSONValue], object]

    def check(self, raw: str) -> object:
        """The validated value of a raw answer; raises `_Invalid` listing what is wrong."""
        try:
            data = extract_json(raw)
        except ValueError as error:
            raise _Invalid([_problem((), f"not valid JSON: {error}")]) from error
        return self.validate(data)


def _target(schema: type[BaseModel] | JSONObject) -> _Target:
    if isinstance(schema, dict):
        validator_class = jsonschema.validators.validator_for(schema)
        validator_class.check_schema(schema)  # a broken schema is a bug: fail before calling
        validator = validator_class(schema)

        def validate_json(data: JSONValue) -> JSONValue:
            problems = [_problem(e.absolute_path, e.message) for e in validator.iter_errors(data)]
            if problems:
                raise _Invalid(problems)
            return data

        return _Target(_api_name(str(schema.get("title", "response"))), schema, validate_json)

    def validate_model(data: JSONValue) -> BaseModel:
        try:
            return schema.model_validate(data)
        except ValidationError as error:
            raise _Invalid([_problem(e["loc"], e["msg"]) for e in error.errors()]) from error

    return _Target(_api_name(schema.__name__), schema.model_json_schema(), validate_model)


def _api_name(name: str) -> str:
    """A schema name the OpenAI API accepts: letters, digits, `_` and `-`, at most 64."""
    return _NAME_CHARS.sub("_", name)[:64] or "response"


def _problem(path: Iterable[str | int], message: str) -> str:
    """`items[0].name: Field required`, on one line and of bounded length."""
    where = ""
    for part in path:
        where += f"[{part}]" if isinstance(part, int) else f".{part}" if where else str(part)
    text = " ".join(message.split())
    if len(text) > _PROBLEM_CHARS:
        text = text[: _PROBLEM_CHARS - 1] + "…"
    return f"{where or '(root)'}: {text}"


@overload
def generate_structured(
    model: ChatModel, schema: type[ModelT], request: ChatRequest, *, max_reasks: int = 2
) -> ModelT: ...


@overload
def generate_structured(
    model: ChatModel, schema: JSONObject, request: ChatRequest, *, max_reasks: int = 2
) -> JSONValue: ...


def generate_structured(
    model: ChatModel,
    schema: type[BaseModel] | JSONObject,
    request: ChatRequest,
    *,
    max_reasks: int = 2,
) -> object:
    """Ask `model` for output matching `schema` and return it validated.

    `schema` is a pydantic model class (an instance is returned) or a JSON Schema dict (the
    parsed JSON is returned once `jsonschema` accepts it). Answers that fail are re-asked up
    to `max_reasks` times with the problems listed; then `StructuredOutputError` is raised
    with the last raw answer and its problems. Errors from the model call itself propagate.
    """
    attempts = _attempts(model.info, schema, request, max_reasks)
    pending = next(attempts)
    while True:
        raw = model.complete(pending).text
        try:
            pending = attempts.send(raw)
        except StopIteration as finished:
            return finished.value


@overload
async def agenerate_structured(
    model: ChatModel, schema: type[ModelT], request: ChatRequest, *, max_reasks: int = 2
) -> ModelT: ...


@overload
async def agenerate_structured(
    model: ChatModel, schema: JSONObject, request: ChatRequest, *, max_reasks: int = 2
) -> JSONValue: ...


async def agenerate_structured(
    model: ChatModel,
    schema: type[BaseModel] | JSONObject,
    request: ChatRequest,
    *,
    max_reasks: int = 2,
) -> object:
    """`generate_structured` for async callers: same requests, same results, same errors."""
    attempts = _attempts(model.info, schema, request, max_reasks)
    pending = next(attempts)
    while True:
        raw = (await model.acomplete(pending)).text
        try:
            pending = attempts.send(raw)
        except StopIteration as finished:
            return finished.value


def _attempts(
    info: ProviderInfo,
    schema: type[BaseModel] | JSONObject,
    request: ChatRequest,
    max_reasks: int,
) -> _Attempts:
    """Yield each request to send, receive its raw answer; return the validated value."""
    if max_reasks < 0:
        raise ValueError(f"max_reasks must be 0 or more, not {max_reasks}")
    target = _target(schema)
    pending = _first_request(info, target, request)
    attempt = 1
    while True:
        raw = yield pending
        try:
            return target.check(raw)
        except _Invalid as invalid:
            if attempt > max_reasks:
                raise _give_up(attempt, pending, raw, invalid.problems) from invalid
            pending = _reask(pending, raw, invalid.problems)
        attempt += 1


def _first_request(info: ProviderInfo, target: _Target, request: ChatRequest) -> ChatRequest:
    """`request` set up for the strongest structured mode `info` supports, with its task."""
    task = request.task or StructuredTask(schema=target.json_schema, text=_latest_user(request))
    if info.supports("json_schema"):
        native: JSONObject = {"name": target.name, "schema": target.json_schema, "strict": False}
        return replace(
            request, task=task, response_format={"type": "json_schema", "json_schema": native}
        )
    # JSON mode always yields an object, so a schema for anything else gets instructions only.
    wants_object = target.json_schema.get("type", "object") == "object"
    json_mode = info.supports("json_object") and wants_object
    return replace(
        request,
        task=task,
        messages=_with_instructions(request.messages, _instructions(target)),
        response_format={"type": "json_object"} if json_mode else None,
    )


def _latest_user(request: ChatRequest) -> str:
    return next((m.content for m in reversed(request.messages) if m.role == "user"), "")


def _instructions(target: _Target) -> str:
    schema = json.dumps(target.json_schema, ensure_ascii=False)
    return (
        "Answer with JSON only: one JSON value valid against the JSON Schema below, "
        f"with no prose and no code fences.\nJSON Schema ({target.name}): {schema}"
    )


def _with_instructions(messages: tuple[Message, ...], instructions: str) -> tuple[Message, ...]:
    """Add `instructions` to the leading system message, or start with one.

    Merging rather than adding a second system message keeps providers that accept only
    one system message, first, working.
    """
    if messages and messages[0].role == "system":
        merged = replace(messages[0], content=f"{messages[0].content}\n\n{instructions}")
        return (merged, *messages[1:])
    return (Message("system", instructions), *messages)


def _reask(request: ChatRequest, raw: str, problems: list[str]) -> ChatRequest:
    """`request` continued with the failed answer and what to fix; same sample, same task."""
    listed = [f"- {problem}" for problem in problems[:MAX_LISTED_PROBLEMS]]
    if len(problems) > MAX_LISTED_PROBLEMS:
        listed.append(f"- and {len(problems) - MAX_LISTED_PROBLEMS} more")
    feedback = "\n".join(
        [
            "Your answer does not match the JSON Schema:",
            *listed,
            "Reply with the corrected JSON only.",
        ]
    )
    messages = (*request.messages, Message("assistant", raw), Message("user", feedback))
    return replace(request, messages=messages)


def _give_up(
    attempts: int, request: ChatRequest, raw: str, problems: list[str]
) -> StructuredOutputError:
    plural = "s" if attempts > 1 else ""
    message = (
        f"{request.describe()}: no schema-valid output after {attempts} attempt{plural} "
        f"({problems[0]})"
    )
    return StructuredOutputError(message, raw=raw, problems=problems)
