"""What the prompt linter's rules look at: one prompt's files, parsed once, plus shared helpers.

Loading a prompt for linting never raises on a broken prompt: a manifest that does not load,
a template with a syntax error, a missing include or schema becomes a problem located at its
file and line (rule P000), and the rules that can still run on the rest do. When the manifest
itself does not load, the rules see every file of the prompt's folder as plain text, so a
secret or a TODO in a broken prompt is still reported.

Rules that need the rendered prompt (token budgets, team rules on the final text) render it
with the sample inputs of `lint_samples`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from jinja2 import TemplateSyntaxError, meta, nodes

from scaffolder.errors import CopilotError
from scaffolder.kit.llm.tokens import TokenCounter, counter_for
from scaffolder.kit.prompts.library import Prompt, PromptLibrary, RenderedPrompt
from scaffolder.kit.prompts.lint_samples import SAMPLE_ITEMS, SAMPLE_TEXT_LENGTH, sample_inputs
from scaffolder.kit.prompts.manifest import ComponentKind, Manifest, NodePath, PromptError

Severity = Literal["error", "warning"]
#: What a rule needs to run: any file text; a loaded manifest; every template parsed; a
#: successful render with sample inputs. A prompt lacking it skips the rule.
Needs = Literal["files", "manifest", "templates", "render"]
Role = Literal["manifest", "component", "include", "schema", "file"]

_JINJA = re.compile(r"\{#.*?#\}|\{%.*?%\}|\{\{.*?\}\}", re.DOTALL)
_LOCATED = re.compile(r"^(?P<file>[^:\n]+):(?P<line>\d+): (?P<message>.*)$", re.DOTALL)


@dataclass(frozen=True)
class Hit:
    """One problem a rule found, at a project-relative file, 1-based line and column."""

    file: str
    line: int
    column: int
    message: str


@dataclass(frozen=True)
class Rule:
    """A check with a stable id; its function's docstring says what it flags and why."""

    id: str
    name: str
    severity: Severity
    needs: Needs
    check: Callable[[Subject], Iterable[Hit]]


@dataclass
class Source:
    """One file of a prompt as rules see it."""

    #: The path under the library root, as Jinja names templates (`answer/rules.md`).
    name: str
    #: The path under the project root, as findings show it (`prompts/answer/rules.md`).
    display: str
    text: str
    role: Role
    #: The component kind; templates a component includes inherit it.
    kind: ComponentKind | None = None
    #: The parsed template, for components and included templates that parse.
    tree: nodes.Template | None = None

    @property
    def literal(self) -> str:
        """The text with Jinja syntax blanked (offsets and newlines kept): what is prompt text."""
        return literal_text(self.text)

    def hit(self, offset: int, message: str) -> Hit:
        line, column = position(self.text, offset)
        return Hit(self.display, line, column, message)


@dataclass
class Subject:
    """One prompt under lint: its loaded form (None when the manifest is broken) and files."""

    name: str
    library: PromptLibrary
    #: The library folder relative to the project root, prefixed to every displayed path.
    prefix: str
    prompt: Prompt | None
    sources: list[Source]
    #: Problems found while loading (P000): broken manifest, syntax errors, missing files.
    problems: list[Hit] = field(default_factory=list)
    _sample: RenderedPrompt | None = field(default=None, init=False, repr=False)

    @property
    def manifest(self) -> Manifest:
        if self.prompt is None:
            raise ValueError(f"prompt {self.name} has no loaded manifest")
        return self.prompt.manifest

    @property
    def manifest_display(self) -> str:
        return f"{self.prefix}/{self.name}/prompt.yaml"

    @property
    def broken(self) -> bool:
        """True when some template did not load, so whole-prompt analysis would be wrong."""
        return self.prompt is None or any(
            source.tree is None
            for source in self.sources
            if source.role in ("component", "include")
        )

    def templates(self) -> list[Source]:
        return [source for source in self.sources if source.tree is not None]

    def components(self, *kinds: ComponentKind) -> list[Source]:
        """Component and included templates of `kinds` (of any kind when none are given)."""
        return [
            source
            for source in self.sources
            if source.role in ("component", "include") and (not kinds or source.kind in kinds)
        ]

    def manifest_hit(self, key: NodePath, message: str) -> Hit:
        """A hit at the manifest line of `key` (a key path such as ("inputs", "question"))."""
        line = self.prompt.lines.get(key, 1) if self.prompt else 1
        return Hit(self.manifest_display, line, 1, message)

    def display(self, name: str) -> str:
        return f"{self.prefix}/{name}"

    def located(self, error: Exception) -> Hit:
        """A hit for a `file:line: message` error from the library (or at the manifest)."""
        match = _LOCATED.match(str(error))
        if match is None:
            return Hit(self.manifest_display, 1, 1, str(error))
        line = int(match["line"])
        return Hit(self.display(match["file"]), line, 1, match["message"])

    @property
    def counter(self) -> TokenCounter:
        return counter_for(self.manifest.model.model or "")

    def render_sample(
        self,
        *,
        text_length: int = SAMPLE_TEXT_LENGTH,
        items: int = SAMPLE_ITEMS,
        budget: int | None = None,
    ) -> RenderedPrompt:
        """The prompt rendered with sample inputs (fitted to `budget` when given).

        Raises `PromptError` located at the failure, or `TokenBudgetError`. Any exception
        counts: templates may do arithmetic or call filters the stand-ins do not support, and
        a lint run must report that, not crash.
        """
        trees = [source.tree for source in self.templates() if source.tree is not None]
        values = sample_inputs(self.manifest.inputs, trees, text_length=text_length, items=items)
        prompt = self.prompt
        assert prompt is not None  # self.manifest raised otherwise
        counter = self.counter if budget is not None else None
        try:
            return prompt.render(values, counter=counter, budget=budget)
        except CopilotError:
            raise
        except Exception as error:
            raise PromptError(
                f"{self.name}/prompt.yaml:1: cannot render with sample inputs: "
                f"{type(error).__name__}: {error}"
            ) from error

    def sample(self) -> RenderedPrompt:
        """`render_sample()` with typical sizes, rendered once."""
        if self._sample is None:
            self._sample = self.render_sample()
        return self._sample

    def undeclared(self) -> dict[str, tuple[Source, int]]:
        """Variables templates read that are neither inputs nor bound by the templates, each
        with where it is first read. Included templates may read what their includer binds
        (loop variables and `loop`, `set` names): Jinja passes them the includer's context."""
        declared = set(self.manifest.inputs)
        bound = {
            node.name
            for source in self.templates()
            for node in _tree(source).find_all(nodes.Name)
            if node.ctx in ("store", "param")
        }
        if any(any(_tree(source).find_all(nodes.For)) for source in self.templates()):
            bound.add("loop")
        found: dict[str, tuple[Source, int]] = {}
        for source in self.templates():
            allowed = declared | bound if source.role == "include" else declared
            for variable in sorted(meta.find_undeclared_variables(_tree(source)) - allowed):
                if variable not in found:
                    found[variable] = (source, first_read(_tree(source), variable))
        return found


def _tree(source: Source) -> nodes.Template:
    if source.tree is None:
        raise ValueError(f"{source.name} is not a parsed template")
    return source.tree


def first_read(tree: nodes.Template, variable: str) -> int:
    return min(
        (n.lineno for n in tree.find_all(nodes.Name) if n.name == variable and n.ctx == "load"),
        default=1,
    )


def literal_text(text: str) -> str:
    """`text` with Jinja comments, statements and expressions replaced by spaces."""
    return _JINJA.sub(lambda match: re.sub(r"[^\n]", " ", match.group()), text)


def position(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of `offset` in `text`."""
    line_start = text.rfind("\n", 0, offset) + 1
    return text.count("\n", 0, offset) + 1, offset - line_start + 1


def column_in_code(line: str, variable: str) -> int:
    """1-based column where `variable` appears inside a `{{ }}` or `{% %}` on `line`, else 1."""
    word = re.compile(rf"(?<![\w.]){re.escape(variable)}\b")
    for code in re.finditer(r"\{\{.*?\}\}|\{%.*?%\}", line):
        found = word.search(line, code.start(), code.end())
        if found:
            return found.start() + 1
    return 1


# -- loading ---------------------------------------------------------------------------------
def load_subject(library: PromptLibrary, name: str, prefix: str) -> Subject:
    """Prompt `name` with every file it is made of; problems become `Subject.problems`."""
    try:
        prompt = library.get(name)
    except PromptError as error:
        subject = Subject(name, library, prefix, None, _folder_files(library, name, prefix))
        subject.problems.append(subject.located(error))
        return subject
    subject = Subject(name, library, prefix, prompt, [])
    manifest_text = prompt.manifest_path.read_text(encoding="utf-8")
    subject.sources.append(
        Source(prompt.display, subject.display(prompt.display), manifest_text, "manifest")
    )
    specs = [component for message in prompt.manifest.messages for component in message.components]
    pending: list[tuple[str, ComponentKind, Role]] = [
        (template, spec.kind, "component")
        for template, spec in zip(prompt.templates, specs, strict=True)
    ]
    seen: set[str] = set()
    while pending:
        template, kind, role = pending.pop(0)
        if template in seen:
            continue
        seen.add(template)
        source = _template_source(subject, template, kind, role)
        subject.sources.append(source)
        pending.extend((included, kind, "include") for included in _references(subject, source))
    _add_schema(subject, prompt)
    return subject


def _template_source(subject: Subject, name: str, kind: ComponentKind, role: Role) -> Source:
    text = _read(subject, subject.library.root / name, name)
    source = Source(name, subject.display(name), text or "", role, kind)
    if text is None:
        return source
    try:
        source.tree = subject.library.environment.parse(text, name=name)
    except TemplateSyntaxError as error:
        subject.problems.append(
            Hit(source.display, error.lineno, 1, error.message or "syntax error")
        )
    return source


def _read(subject: Subject, path: Path, name: str) -> str | None:
    """The text of a prompt file, or None (and a problem) when it is not readable text."""
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        subject.problems.append(Hit(subject.display(name), 1, 1, f"cannot read: {error}"))
        return None


def _references(subject: Subject, source: Source) -> Iterator[str]:
    """Templates `source` includes or imports by a constant name; missing ones are problems."""
    if source.tree is None:
        return
    for name in meta.find_referenced_templates(source.tree):
        if not isinstance(name, str):
            continue
        if (subject.library.root / name).is_file():
            yield name
            continue
        offset = max(source.text.find(name), 0)
        subject.problems.append(source.hit(offset, f"{name!r} does not exist in the library"))


def _add_schema(subject: Subject, prompt: Prompt) -> None:
    schema = prompt.manifest.output.schema_file
    if schema is None:
        return
    path = (prompt.folder / schema).resolve()
    problem = None if path.is_file() else "does not exist"
    if not path.is_relative_to(subject.library.root):
        problem = "is outside prompts/"
    if problem:
        subject.problems.append(
            subject.manifest_hit(("output", "schema"), f"schema file {schema!r} {problem}")
        )
        return
    name = subject.library.relative(path)
    text = _read(subject, path, name)
    if text is None:
        return
    subject.sources.append(Source(name, subject.display(name), text, "schema"))
    try:
        json.loads(text)
    except json.JSONDecodeError as error:
        subject.problems.append(
            Hit(subject.display(name), error.lineno, error.colno, f"not valid JSON: {error.msg}")
        )


def _folder_files(library: PromptLibrary, name: str, prefix: str) -> list[Source]:
    """Every text file of a prompt folder whose manifest does not load, as plain text."""
    sources = []
    for path in sorted((library.root / name).rglob("*")):
        try:
            text = path.read_text(encoding="utf-8") if path.is_file() else None
        except (OSError, UnicodeDecodeError):
            continue
        if text is not None:
            relative = library.relative(path)
            sources.append(Source(relative, f"{prefix}/{relative}", text, "file"))
    return sources


def relative_prefix(project_root: Path, library: PromptLibrary) -> str:
    """The library folder as findings show it, relative to the project root (`prompts`)."""
    return library.root.relative_to(project_root.resolve()).as_posix()
