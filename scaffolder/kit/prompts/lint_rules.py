"""Built-in lint rules about a prompt's structure: its manifest, inputs, templates and budget.

Each rule is a function from a `Subject` (one prompt, see `lint_subject`) to hits; its
docstring is the rule's documentation. The text heuristics (duplicate and contradictory
rules, TODOs, secrets, language-specific wording) live in `lint_text`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from jinja2 import Environment, TemplateSyntaxError, nodes

from scaffolder.errors import TokenBudgetError
from scaffolder.kit.prompts.conditions import known_checks
from scaffolder.kit.prompts.lint_subject import (
    Hit,
    Rule,
    Subject,
    column_in_code,
    literal_text,
)

_EXPRESSION = re.compile(r"\{\{-?(.*?)-?\}\}", re.DOTALL)
_COMMENT = re.compile(r"\{#.*?#\}", re.DOTALL)
_TAG = re.compile(r"<(/?)([A-Za-z][\w.:-]*)(?:\s[^<>]*)?>")
_FENCE = re.compile(r"^[ \t]*(```|~~~|\"\"\")", re.MULTILINE)
_QUOTES = {'"': '"', "'": "'", "`": "`", "\u201c": "\u201d", "\u2018": "\u2019", "«": "»"}


def _invalid_prompt(subject: Subject) -> Iterator[Hit]:
    """The prompt itself does not load: a manifest that is not valid YAML or breaks the
    manifest format, a component, include or schema file that does not exist, a template
    syntax error, a schema that is not JSON, or a render with sample inputs that fails. The
    linter reports these where they are instead of stopping at the first one."""
    yield from subject.problems


def _undeclared_variable(subject: Subject) -> Iterator[Hit]:
    """A template reads a variable the manifest does not declare under `inputs`. Rendering
    would fail on it (undefined variables are errors). Loop variables, `set` names and macro
    arguments are the template's own and are fine; so is a name an including template binds."""
    for variable, (source, line) in subject.undeclared().items():
        column = column_in_code(source.text.splitlines()[line - 1], variable)
        yield Hit(
            source.display,
            line,
            column,
            f"{variable!r} is not an input of prompt {subject.name}: declare it under inputs: "
            "in prompt.yaml",
        )


def _unused_input(subject: Subject) -> Iterator[Hit]:
    """An input the manifest declares that no component (nor any template one includes)
    reads: a leftover, or a component that forgot to print it."""
    read: set[str] = set()
    for source in subject.templates():
        assert source.tree is not None
        read |= {n.name for n in source.tree.find_all(nodes.Name) if n.ctx == "load"}
    for name in subject.manifest.inputs:
        if name not in read:
            yield subject.manifest_hit(
                ("inputs", name), f"input {name!r} is declared but no component uses it"
            )


def _undelimited_user_input(subject: Subject) -> Iterator[Hit]:
    """User text printed where the model cannot tell it from instructions.

    User input is a `str` input without a `step`: inputs with a step are produced by the
    program (retrieval, the editor...). The rule flags every `{{ expression }}` that reads
    such an input unless the expression is delimited, which means one of:

    - inside a fenced block: between a line starting with ``` (or ~~~ or \"\"\") and the next
      such line;
    - inside an XML-style element: after an opening `<tag ...>` and before its `</tag>`,
      on the same line or spanning lines;
    - quoted on its line: the character right before `{{` is a quote (" ' ` or typographic)
      and the one right after `}}` closes it.

    Delimiters make prompt injection harder and tell the model where the input ends.
    """
    user_inputs = {
        name
        for name, spec in subject.manifest.inputs.items()
        if spec.type == "str" and not spec.step
    }
    if not user_inputs:
        return
    environment = subject.library.environment
    for source in subject.templates():
        text = _COMMENT.sub(lambda match: " " * len(match.group()), source.text)
        regions = delimited_regions(source.text)
        for match in _EXPRESSION.finditer(text):
            read = sorted(_names_read(environment, match.group(1)) & user_inputs)
            if not read or _is_delimited(source.text, match.start(), match.end(), regions):
                continue
            yield source.hit(
                match.start(),
                f"user input {{{{ {read[0]} }}}} is outside delimiters (a ``` fence, "
                "<tag>...</tag> or quotes): the model cannot tell where it ends",
            )


def _names_read(environment: Environment, expression: str) -> set[str]:
    try:
        tree = environment.parse("{{ " + expression + " }}")
    except TemplateSyntaxError:
        return set()
    return {n.name for n in tree.find_all(nodes.Name) if n.ctx == "load"}


def delimited_regions(text: str) -> list[tuple[int, int]]:
    """Character ranges of `text` inside fenced blocks or matched `<tag>...</tag>` pairs."""
    literal = literal_text(text)
    regions: list[tuple[int, int]] = []
    opened: tuple[str, int] | None = None
    for match in _FENCE.finditer(literal):
        line_end = literal.find("\n", match.end())
        if opened is None:
            opened = (match.group(1), len(literal) if line_end < 0 else line_end)
        elif opened[0] == match.group(1):
            regions.append((opened[1], match.start()))
            opened = None
    stack: list[tuple[str, int]] = []
    for match in _TAG.finditer(literal):
        closing, tag = match.group(1), match.group(2)
        if match.group().endswith("/>"):
            continue
        if not closing:
            stack.append((tag, match.end()))
            continue
        for index in range(len(stack) - 1, -1, -1):
            if stack[index][0] == tag:
                regions.append((stack[index][1], match.start()))
                del stack[index:]
                break
    return regions


def _is_delimited(text: str, start: int, end: int, regions: list[tuple[int, int]]) -> bool:
    if any(low <= start and end <= high for low, high in regions):
        return True
    before = text[start - 1] if start > 0 else ""
    return before in _QUOTES and text[end : end + 1] == _QUOTES[before]


def _over_budget(subject: Subject) -> Iterator[Hit]:
    """The prompt, rendered with sample inputs (strings of about 100 characters, lists of
    3 items), takes more tokens than the manifest's `budget`, counted with the tokenizer of
    the prompt's model (a conservative estimate when it is not known). At that size the
    budget already drops components, or cannot be met at all: the budget is too small for
    ordinary inputs, or the fixed text too long."""
    budget = subject.manifest.budget
    if budget is None:
        return
    tokens = subject.counter.count_messages(subject.sample().chat_messages())
    if tokens <= budget:
        return
    message = f"with sample inputs the prompt takes {tokens} tokens, over its budget of {budget}"
    try:
        dropped = subject.render_sample(budget=budget).dropped
    except TokenBudgetError:
        message += ", even without the components the budget may drop"
    else:
        if dropped:
            message += f": the budget leaves out {', '.join(dropped)}"
    yield subject.manifest_hit(("budget",), message)


def _schema_without_example(subject: Subject) -> Iterator[Hit]:
    """The output has a JSON schema but no component of kind `examples`: models follow a
    schema far more reliably when they see one valid answer."""
    manifest = subject.manifest
    kinds = {component.kind for message in manifest.messages for component in message.components}
    if manifest.output.schema_file and "examples" not in kinds:
        yield subject.manifest_hit(
            ("output", "schema"),
            "the output has a schema but the prompt shows no example: add a component of "
            "kind examples with a valid answer",
        )


def _unknown_output_check(subject: Subject) -> Iterator[Hit]:
    """An `output.checks` entry that is not a registered check. The linter knows only the
    built-in checks: a check your project registers with `@output_check` is reported too,
    so silence it on that line (`# lint: ignore P011`) once you have checked the name."""
    known = known_checks()
    for index, check in enumerate(subject.manifest.output.checks):
        if check not in known:
            yield subject.manifest_hit(
                ("output", "checks", index),
                f"output check {check!r} is not registered (built-in: {', '.join(sorted(known))})",
            )


TEMPLATE_RULES = (
    Rule("P000", "invalid-prompt", "error", "files", _invalid_prompt),
    Rule("P001", "undeclared-variable", "error", "manifest", _undeclared_variable),
    Rule("P002", "unused-input", "warning", "templates", _unused_input),
    Rule("P003", "undelimited-user-input", "error", "manifest", _undelimited_user_input),
    Rule("P004", "over-budget", "error", "render", _over_budget),
    Rule("P009", "schema-without-example", "warning", "manifest", _schema_without_example),
    Rule("P011", "unknown-output-check", "warning", "manifest", _unknown_output_check),
)
