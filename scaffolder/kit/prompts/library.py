"""The prompt library of a project: `prompts/<name>/prompt.yaml` plus component files.

Rendering uses a sandboxed Jinja environment with undefined variables as errors and the
source-map extension, so every rendered message comes with the origin of each character.
Versions are content hashes of everything a prompt is made of (manifest, components, the
templates they include, the output schema): a one-word change anywhere gives a new version,
and the version travels with every model call made from the prompt.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path, PurePosixPath
from typing import Any

import jsonschema
from jinja2 import FileSystemLoader, StrictUndefined, TemplateError, TemplateSyntaxError, nodes
from jinja2.sandbox import SandboxedEnvironment

from scaffolder.errors import TokenBudgetError
from scaffolder.kit.llm.repair import extract_json
from scaffolder.kit.llm.tokens import TokenCounter
from scaffolder.kit.llm.types import ChatRequest, Message
from scaffolder.kit.prompts.conditions import PromptOutputError, checked_inputs, run_checks
from scaffolder.kit.prompts.manifest import (
    MANIFEST_NAME,
    ComponentSpec,
    Manifest,
    PromptError,
    load_manifest,
)
from scaffolder.kit.prompts.sourcemap import (
    Origin,
    SourceMapExtension,
    Span,
    extract,
    scrub,
    shift,
)

PROMPTS_DIR = "prompts"


@dataclass(frozen=True)
class RenderedMessage:
    role: str
    content: str
    spans: tuple[Span, ...]

    def origin_at(self, offset: int) -> Origin:
        for span in self.spans:
            if span.start <= offset < span.end:
                return span.origin
        raise IndexError(f"offset {offset} is outside the message")


@dataclass(frozen=True)
class RenderedPrompt:
    name: str
    version: str
    messages: tuple[RenderedMessage, ...]
    #: Components the token budget left out, as `file` paths.
    dropped: tuple[str, ...] = ()

    @property
    def prompt_id(self) -> str:
        return f"{self.name}@{self.version}"

    def chat_messages(self) -> tuple[Message, ...]:
        return tuple(Message(m.role, m.content) for m in self.messages)  # type: ignore[arg-type]


@dataclass
class _RenderedComponent:
    spec: ComponentSpec
    message: int
    text: str
    spans: list[Span]
    tokens: int = 0


#: Prompts used in place of every library's own, by name, in this context.
_OVERRIDES: ContextVar[Mapping[str, Prompt] | None] = ContextVar("prompt_overrides", default=None)


@contextmanager
def prompt_override(prompt: Prompt) -> Iterator[None]:
    """Within this context (and the tasks and threads it is copied into), `get(prompt.name)`
    returns `prompt`. Why: ablation renders a prompt with components left out through the
    project's whole runtime (retrieval, skills), which fetches its prompts by name."""
    token = _OVERRIDES.set({**(_OVERRIDES.get() or {}), prompt.name: prompt})
    try:
        yield
    finally:
        _OVERRIDES.reset(token)


class PromptLibrary:
    """The prompts under one folder (a project's `prompts/`)."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.environment = SandboxedEnvironment(
            loader=FileSystemLoader(str(self.root)),
            undefined=StrictUndefined,
            extensions=[SourceMapExtension],
            autoescape=False,
            keep_trailing_newline=True,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self._prompts: dict[str, Prompt] = {}

    @classmethod
    def for_project(cls, project_root: Path) -> PromptLibrary:
        return cls(project_root / PROMPTS_DIR)

    def names(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(p.parent.name for p in self.root.glob(f"*/{MANIFEST_NAME}"))

    def get(self, name: str) -> Prompt:
        override = (_OVERRIDES.get() or {}).get(name)
        if override is not None:
            return override
        if name not in self._prompts:
            manifest_path = self.root / name / MANIFEST_NAME
            if not manifest_path.is_file():
                known = ", ".join(self.names()) or "none"
                raise PromptError(f"no prompt named {name!r} in {self.root} (prompts: {known})")
            self._prompts[name] = Prompt(self, manifest_path)
        return self._prompts[name]

    def relative(self, path: Path) -> str:
        return path.resolve().relative_to(self.root).as_posix()


class Prompt:
    """One prompt: its manifest, its components, and how to render and check it."""

    def __init__(self, library: PromptLibrary, manifest_path: Path) -> None:
        self.library = library
        self.manifest_path = manifest_path
        self.folder = manifest_path.parent
        self.display = library.relative(manifest_path)
        self.manifest: Manifest
        self.manifest, self.lines = load_manifest(manifest_path, self.display)
        if self.manifest.name != self.folder.name:
            raise PromptError(
                f"{self.display}:{self.lines.get(('name',), 1)}: name {self.manifest.name!r} "
                f"does not match its folder {self.folder.name!r}"
            )
        self.templates = [self._component_name(i, j) for i, j in self._component_indexes()]

    @property
    def name(self) -> str:
        return self.manifest.name

    def _component_indexes(self) -> list[tuple[int, int]]:
        return [
            (i, j)
            for i, message in enumerate(self.manifest.messages)
            for j in range(len(message.components))
        ]

    def component_line(self, message: int, component: int) -> int:
        return self.lines.get(("messages", message, "components", component), 1)

    def _component_name(self, message: int, component: int) -> str:
        """The template name (path under the library root) of a component, checked to exist."""
        spec = self.manifest.messages[message].components[component]
        where = f"{self.display}:{self.component_line(message, component)}"
        target = (self.folder / spec.file).resolve()
        try:
            name = target.relative_to(self.library.root).as_posix()
        except ValueError as exc:
            raise PromptError(f"{where}: component {spec.file!r} is outside prompts/") from exc
        if not target.is_file():
            raise PromptError(f"{where}: component file {spec.file!r} does not exist")
        return name

    # -- versions --------------------------------------------------------------------------
    @cached_property
    def files(self) -> list[str]:
        """Every file this prompt is made of, relative to the library root, in a stable order."""
        seen: list[str] = [self.display]
        pending = list(self.templates)
        while pending:
            name = pending.pop(0)
            if name in seen:
                continue
            seen.append(name)
            for included, line in self._included(name):
                if not (self.library.root / included).is_file():
                    raise PromptError(
                        f"{name}:{line}: included template {included!r} does not exist"
                    )
                pending.append(included)
        schema = self.manifest.output.schema_file
        if schema:
            seen.append(self.library.relative(self.folder / schema))
        return seen

    def _included(self, name: str) -> list[tuple[str, int]]:
        """Templates `name` includes or imports by a constant name, with the line of each."""
        source = (self.library.root / name).read_text(encoding="utf-8")
        try:
            parsed = self.library.environment.parse(source, name=name)
        except TemplateSyntaxError as error:
            raise PromptError(f"{name}:{error.lineno}: {error.message}") from error
        found: list[tuple[str, int]] = []
        for node in parsed.find_all((nodes.Include, nodes.Import, nodes.FromImport)):
            target = getattr(node, "template", None)
            if isinstance(target, nodes.Const) and isinstance(target.value, str):
                found.append((target.value, node.lineno))
        return found

    def file_hashes(self) -> dict[str, str]:
        return {
            name: hashlib.sha256((self.library.root / name).read_bytes()).hexdigest()[:12]
            for name in self.files
        }

    @cached_property
    def version(self) -> str:
        digest = hashlib.sha256(json.dumps(self.file_hashes(), sort_keys=True).encode())
        return digest.hexdigest()[:12]

    # -- rendering -------------------------------------------------------------------------
    def render(
        self,
        values: Mapping[str, object],
        *,
        counter: TokenCounter | None = None,
        budget: int | None = None,
    ) -> RenderedPrompt:
        """Check the inputs, render every component with source maps, fit the token budget."""
        inputs = self._inputs(values)
        steps = {name: spec.step for name, spec in self.manifest.inputs.items() if spec.step}
        components = [
            self._render_component(i, j, inputs, steps) for i, j in self._component_indexes()
        ]
        limit = budget if budget is not None else self.manifest.budget
        dropped: list[str] = []
        if limit is not None and counter is not None:
            dropped = self._fit(components, limit, counter)
        messages = tuple(
            self._assemble(index, [c for c in components if c.message == index])
            for index in range(len(self.manifest.messages))
        )
        return RenderedPrompt(self.name, self.version, messages, tuple(dropped))

    def _inputs(self, values: Mapping[str, object]) -> dict[str, object]:
        """The checked inputs (defaults filled in), with marker characters scrubbed."""
        checked = checked_inputs(self.name, self.manifest.inputs, values)
        return {name: scrub(value) for name, value in checked.items()}

    def request(self, values: Mapping[str, object], **overrides: Any) -> ChatRequest:
        """A chat request carrying this prompt's messages, model parameters and version."""
        rendered = self.render(values)
        model = self.manifest.model
        params: dict[str, Any] = {
            "model": model.model,
            "temperature": model.temperature,
            "max_tokens": model.max_tokens,
            "seed": model.seed,
        }
        params.update(overrides)
        return ChatRequest(messages=rendered.chat_messages(), prompt=rendered.prompt_id, **params)

    def _render_component(
        self, message: int, index: int, inputs: dict[str, object], steps: dict[str, str]
    ) -> _RenderedComponent:
        name = self.templates[self._component_indexes().index((message, index))]
        spec = self.manifest.messages[message].components[index]
        try:
            marked = self.library.environment.get_template(name).render(inputs)
        except TemplateSyntaxError as error:
            raise PromptError(f"{error.name or name}:{error.lineno}: {error.message}") from error
        except TemplateError as error:
            file, line = _template_frame(self.library.root, name)
            raise PromptError(f"{file}:{line}: {error}") from error
        text, spans = extract(marked, self.library.environment.origin_table, steps)  # type: ignore[attr-defined]
        return _RenderedComponent(spec, message, text, spans)

    def _assemble(self, index: int, parts: list[_RenderedComponent]) -> RenderedMessage:
        spec = self.manifest.messages[index]
        separator_origin = Origin(
            self.display, self.lines.get(("messages", index), 1), separator=True
        )
        content: list[str] = []
        spans: list[Span] = []
        length = 0
        for part in (p for p in parts if p.text):
            if content:
                content.append(spec.separator)
                spans.append(Span(length, length + len(spec.separator), separator_origin))
                length += len(spec.separator)
            content.append(part.text)
            spans.extend(shift(part.spans, length))
            length += len(part.text)
        return RenderedMessage(spec.role, "".join(content), tuple(spans))

    def _fit(
        self, components: list[_RenderedComponent], limit: int, counter: TokenCounter
    ) -> list[str]:
        """Drop whole components, lowest priority first (later ones first on ties), until the
        prompt fits; "keep" components never go."""
        for component in components:
            component.tokens = counter.count(component.text)
        overhead = 4 * len(self.manifest.messages)
        droppable = sorted(
            (c for c in components if c.spec.priority != "keep"),
            key=lambda c: (c.spec.priority, -components.index(c)),
        )
        dropped: list[str] = []
        total = overhead + sum(c.tokens for c in components)
        for component in droppable:
            if total <= limit:
                break
            total -= component.tokens
            component.text, component.spans = "", []
            dropped.append(component.spec.file)
        if total > limit:
            raise TokenBudgetError(
                f"prompt {self.name}: the components that are never dropped need {total} tokens, "
                f"over the budget of {limit}"
            )
        return dropped

    # -- postconditions --------------------------------------------------------------------
    def check_output(self, text: str, inputs: Mapping[str, object]) -> Any:
        """The answer, parsed when the output is JSON; raises `PromptOutputError` otherwise."""
        output = self.manifest.output
        problems: list[str] = []
        value: Any = text
        if output.format == "json" or output.schema_file:
            try:
                value = extract_json(text)
            except ValueError as error:
                problems.append(f"not JSON: {error}")
            else:
                if output.schema_file:
                    schema = json.loads((self.folder / output.schema_file).read_text("utf-8"))
                    problems += [
                        f"{'.'.join(map(str, e.absolute_path)) or 'answer'}: {e.message}"
                        for e in jsonschema.Draft202012Validator(schema).iter_errors(value)
                    ]
        problems += run_checks(output.checks, text, inputs)
        if problems:
            raise PromptOutputError(
                f"prompt {self.name}: the answer breaks its postconditions: {problems[0]}",
                problems,
            )
        return value


def _template_frame(root: Path, fallback: str) -> tuple[str, int]:
    """The template file and line the current exception was raised in (Jinja rewrites
    tracebacks so template frames carry the template's own path and line)."""
    traceback = sys.exc_info()[2]
    found = (fallback, 1)
    while traceback is not None:
        filename = traceback.tb_frame.f_code.co_filename
        path = Path(filename)
        if path.is_absolute() and path.is_relative_to(root):
            found = (PurePosixPath(path.relative_to(root)).as_posix(), traceback.tb_lineno)
        traceback = traceback.tb_next
    return found
