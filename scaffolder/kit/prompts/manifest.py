"""Prompt manifests: `prompts/<name>/prompt.yaml`, one per prompt.

A manifest names the prompt's components (files, in order, per message role), their
priorities for the token budget, the declared inputs with their types and limits (the
preconditions), the output schema and checks (the postconditions), and model parameters.
Every error names the file and line it is about.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from scaffolder.errors import UsageError

InputType = Literal["str", "int", "float", "bool", "list", "dict", "any"]
ComponentKind = Literal["instructions", "rules", "examples", "template", "context", "schema"]
MANIFEST_NAME = "prompt.yaml"


class PromptError(UsageError):
    """A prompt library problem, located as `file:line: message`."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class InputSpec(_Strict):
    type: InputType = "str"
    required: bool = True
    default: Any = None
    #: Characters for strings, items for lists and dicts.
    max_length: int | None = Field(default=None, ge=0)
    min_length: int | None = Field(default=None, ge=0)
    choices: list[Any] | None = None
    description: str = ""
    #: The step that produces this input (shown in source maps), e.g. "retrieval".
    step: str | None = None


class ComponentSpec(_Strict):
    file: str
    kind: ComponentKind = "template"
    #: Budget priority: "keep" is never dropped; among the rest, lower numbers go first.
    priority: int | Literal["keep"] = "keep"


class MessageSpec(_Strict):
    role: Literal["system", "user", "assistant"]
    components: list[ComponentSpec] = Field(min_length=1)
    separator: str = "\n\n"


class OutputSpec(_Strict):
    format: Literal["text", "json"] = "text"
    schema_file: str | None = Field(default=None, alias="schema")
    checks: list[str] = Field(default_factory=list)


class ModelSpec(_Strict):
    model: str | None = None
    temperature: float | None = Field(default=None, ge=0, le=2)
    max_tokens: int | None = Field(default=None, gt=0)
    seed: int | None = None


class Manifest(_Strict):
    name: str = Field(pattern=r"^[a-z][a-z0-9_-]*$")
    description: str = ""
    inputs: dict[str, InputSpec] = Field(default_factory=dict)
    messages: list[MessageSpec] = Field(min_length=1)
    output: OutputSpec = OutputSpec()
    model: ModelSpec = ModelSpec()
    #: The most tokens the rendered prompt may take; lower-priority components give way.
    budget: int | None = Field(default=None, gt=0)
    #: Languages the project supports; the linter flags instructions tied to one of them.
    languages: list[str] = Field(default_factory=list)


#: Where a node is in a manifest: its keys and list indexes from the root (as pydantic locates
#: an error, so the two can be matched).
NodePath = tuple[str | int, ...]


def load_manifest(path: Path, display: str) -> tuple[Manifest, dict[NodePath, int]]:
    """The manifest at `path` and the line of every node in it, by key path (for errors)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise PromptError(f"{display}: cannot read: {error}") from error
    try:
        node = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        problem = getattr(error, "problem", None) or "invalid YAML"
        raise PromptError(f"{display}:{line}: {problem}") from error
    lines = node_lines(node) if node is not None else {}
    if not isinstance(data, dict):
        raise PromptError(f"{display}:1: a manifest is a mapping (name, inputs, messages...)")
    try:
        return Manifest.model_validate(data), lines
    except ValidationError as error:
        first = error.errors()[0]
        location = tuple(first["loc"])
        line = closest_line(lines, location)
        where = ".".join(str(part) for part in location) or "manifest"
        raise PromptError(f"{display}:{line}: {where}: {first['msg']}") from error


def node_lines(node: yaml.Node, path: NodePath = ()) -> dict[NodePath, int]:
    lines = {path: node.start_mark.line + 1}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            lines.update(node_lines(value, (*path, key.value)))
            lines[(*path, key.value)] = key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines.update(node_lines(item, (*path, index)))
    return lines


def closest_line(lines: dict[NodePath, int], location: NodePath) -> int:
    """The line of the deepest part of `location` the YAML has (a missing key: its parent)."""
    for length in range(len(location), -1, -1):
        line = lines.get(location[:length])
        if line is not None:
            return line
    return 1
