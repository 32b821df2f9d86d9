"""Team rules: a project's own prompt checks, and its choices about built-in ones, in
`prompts/lint.yaml`.

    disable: [P010]                 # built-in or team rule ids to skip
    severity: {P002: error}         # change the severity of a built-in rule
    rules:
      - id: cite-sources            # letters, digits, - and _; not a built-in id
        severity: error             # or warning (default: error)
        message: Answers must cite their sources.
        require: '\\[id\\]'          # a regex that must match...
        files: "*/rules.md"         # ...in every file matching this glob (under prompts/;
                                    # `*` crosses folders), or, without `files`, somewhere
                                    # in the prompt rendered with sample inputs
      - {id: no-sorry, message: No apologies., forbid: '(?i)\\bsorry\\b'}
      - {id: has-format, message: Say the format., require_section: Output format}
      - {id: small, message: Keep prompts small., max_tokens: 4000}

Each rule has exactly one check. `forbid` reports every match, in the files or, without
`files`, in the rendered prompt, located through its source map at the file and line the
text came from. `require_section` wants a markdown heading with that title (any level, any
case) in every matched file, or, without `files`, in some component of the prompt.
`max_tokens` counts the prompt rendered with sample inputs, before the budget drops anything.
A malformed file is a one-line error naming its line.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from fnmatch import fnmatchcase
from functools import partial
from pathlib import Path
from typing import Self

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from scaffolder.kit.prompts.lint_subject import Hit, Needs, Rule, Severity, Subject
from scaffolder.kit.prompts.manifest import NodePath, PromptError, closest_line, node_lines

CONFIG_NAME = "lint.yaml"
_CHECKS = ("require", "forbid", "require_section", "max_tokens")


class TeamRule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[A-Za-z][\w-]*$")
    severity: Severity = "error"
    message: str = Field(min_length=1)
    files: str | None = None
    require: re.Pattern[str] | None = None
    forbid: re.Pattern[str] | None = None
    require_section: str | None = Field(default=None, min_length=1)
    max_tokens: int | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _one_check(self) -> Self:
        given = [check for check in _CHECKS if getattr(self, check) is not None]
        if len(given) != 1:
            found = f" (it has {' and '.join(given)})" if given else ""
            raise ValueError(f"a rule needs exactly one of {', '.join(_CHECKS)}{found}")
        if self.max_tokens is not None and self.files is not None:
            raise ValueError("max_tokens counts whole prompts: remove files")
        return self

    @property
    def needs(self) -> Needs:
        if self.max_tokens is not None or (self.files is None and self.require_section is None):
            return "render"
        return "files" if self.files is not None else "manifest"


class LintConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    rules: list[TeamRule] = Field(default_factory=list)
    disable: list[str] = Field(default_factory=list)
    severity: dict[str, Severity] = Field(default_factory=dict)

    def team_rules(self) -> list[Rule]:
        return [
            Rule(rule.id, "team", rule.severity, rule.needs, partial(_check, rule))
            for rule in self.rules
        ]


def load_config(path: Path, display: str, builtin: Collection[str]) -> LintConfig:
    """The lint configuration at `path` (defaults when there is none), fully checked."""
    if not path.is_file():
        return LintConfig()
    try:
        text = path.read_text(encoding="utf-8")
        node = yaml.compose(text)
        data = yaml.safe_load(text)
    except (OSError, UnicodeDecodeError) as error:
        raise PromptError(f"{display}:1: cannot read: {error}") from error
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        raise PromptError(
            f"{display}:{line}: {getattr(error, 'problem', None) or error}"
        ) from error
    if data is None:
        return LintConfig()
    lines = node_lines(node) if node is not None else {}
    if not isinstance(data, dict):
        raise PromptError(f"{display}:1: lint.yaml is a mapping (rules, disable, severity)")
    try:
        config = LintConfig.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        location = tuple(first["loc"])
        where = ".".join(str(part) for part in location) or "lint.yaml"
        problem = first["msg"].removeprefix("Value error, ")
        raise PromptError(
            f"{display}:{closest_line(lines, location)}: {where}: {problem}"
        ) from error
    _check_ids(config, display, lines, builtin)
    return config


def _check_ids(
    config: LintConfig, display: str, lines: dict[NodePath, int], builtin: Collection[str]
) -> None:
    team: set[str] = set()
    for index, rule in enumerate(config.rules):
        if rule.id in builtin or rule.id in team:
            taken = "a built-in rule" if rule.id in builtin else "another rule"
            line = lines.get(("rules", index, "id"), 1)
            raise PromptError(f"{display}:{line}: rules.{index}.id: {rule.id!r} is {taken}'s id")
        team.add(rule.id)
    for index, rule_id in enumerate(config.disable):
        if rule_id not in builtin and rule_id not in team:
            line = lines.get(("disable", index), 1)
            raise PromptError(f"{display}:{line}: disable: no rule {rule_id!r}")
    for rule_id in config.severity:
        if rule_id not in builtin:
            line = lines.get(("severity", rule_id), 1)
            raise PromptError(
                f"{display}:{line}: severity: no built-in rule {rule_id!r} (team rules set "
                "their own severity)"
            )


def _check(rule: TeamRule, subject: Subject) -> Iterator[Hit]:
    if rule.max_tokens is not None:
        tokens = subject.counter.count_messages(subject.sample().chat_messages())
        if tokens > rule.max_tokens:
            yield subject.manifest_hit(
                ("budget",),
                f"{rule.message} ({tokens} tokens with sample inputs, over {rule.max_tokens})",
            )
    elif rule.require_section is not None:
        yield from _require_section(rule, rule.require_section, subject)
    elif rule.files is not None:
        yield from _in_files(rule, rule.files, subject)
    else:
        yield from _in_rendered(rule, subject)


def _require_section(rule: TeamRule, title: str, subject: Subject) -> Iterator[Hit]:
    heading = re.compile(rf"^#{{1,6}}[ \t]+{re.escape(title)}[ \t#]*$", re.IGNORECASE | re.M)
    if rule.files is None:
        if not any(heading.search(source.text) for source in subject.components()):
            yield Hit(subject.manifest_display, 1, 1, f"{rule.message} (no '{title}' heading)")
        return
    for source in subject.sources:
        if fnmatchcase(source.name, rule.files) and not heading.search(source.text):
            yield Hit(source.display, 1, 1, f"{rule.message} (no '{title}' heading)")


def _in_files(rule: TeamRule, files: str, subject: Subject) -> Iterator[Hit]:
    for source in subject.sources:
        if not fnmatchcase(source.name, files):
            continue
        if rule.require is not None and not rule.require.search(source.text):
            yield Hit(source.display, 1, 1, rule.message)
        if rule.forbid is not None:
            for match in rule.forbid.finditer(source.text):
                yield source.hit(match.start(), rule.message)


def _in_rendered(rule: TeamRule, subject: Subject) -> Iterator[Hit]:
    """`require` and `forbid` on the prompt rendered with sample inputs."""
    messages = subject.sample().messages
    if rule.require is not None and not any(rule.require.search(m.content) for m in messages):
        yield Hit(subject.manifest_display, 1, 1, f"{rule.message} (not in the rendered prompt)")
    if rule.forbid is None:
        return
    texts = {source.name: source.text for source in subject.sources}
    for message in messages:
        for match in rule.forbid.finditer(message.content):
            origin = message.origin_at(match.start())
            lines = texts.get(origin.file, "").splitlines()
            line = lines[origin.line - 1] if origin.line <= len(lines) else ""
            found = rule.forbid.search(line)
            column = found.start() + 1 if found else 1
            yield Hit(subject.display(origin.file), origin.line, column, rule.message)
