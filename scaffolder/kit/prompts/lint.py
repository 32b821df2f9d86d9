"""`copilot prompts lint`: static checks on a project's prompt library.

The linter loads every prompt (or the ones named) without ever stopping at a broken one, runs
the built-in rules (`lint_rules`, `lint_text`) and the team's rules from `prompts/lint.yaml`
(`lint_team`), and reports findings as `file:line:col rule-id message`, paths relative to the
project root, so editors and CI annotate the right line. Errors fail the run; warnings fail
it only in strict mode.

A finding is silenced by a comment on its line naming the rule, in the file's own comment
syntax: `{# lint: ignore P003 #}` in templates, `<!-- lint: ignore P003 -->` in markdown,
`# lint: ignore P003` in YAML. Several ids may follow `ignore`; none silences every rule on
that line.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from scaffolder.errors import UsageError
from scaffolder.kit.prompts.library import PromptLibrary
from scaffolder.kit.prompts.lint_rules import TEMPLATE_RULES
from scaffolder.kit.prompts.lint_subject import (
    Rule,
    Severity,
    Subject,
    load_subject,
    relative_prefix,
)
from scaffolder.kit.prompts.lint_team import CONFIG_NAME, LintConfig, load_config
from scaffolder.kit.prompts.lint_text import TEXT_RULES

BUILTIN_RULES: tuple[Rule, ...] = tuple(sorted((*TEMPLATE_RULES, *TEXT_RULES), key=lambda r: r.id))
_IGNORE = re.compile(r"lint:\s*ignore\b((?:[ \t,]+[A-Za-z][\w-]*)*)")


@dataclass(frozen=True, order=True)
class Finding:
    """One problem, at a file (relative to the project root), 1-based line and column."""

    file: str
    line: int
    column: int
    rule_id: str
    severity: Severity
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column} {self.rule_id} {self.message}"


@dataclass(frozen=True)
class LintResult:
    findings: tuple[Finding, ...]
    #: The prompts that were linted.
    prompts: tuple[str, ...]

    @property
    def errors(self) -> int:
        return sum(finding.severity == "error" for finding in self.findings)

    @property
    def warnings(self) -> int:
        return sum(finding.severity == "warning" for finding in self.findings)

    def failed(self, *, strict: bool = False) -> bool:
        """Whether the run fails: on any error, or with `strict` on any finding at all."""
        return self.errors > 0 or (strict and self.warnings > 0)

    def text(self) -> str:
        return "\n".join(str(finding) for finding in self.findings)

    def json(self) -> str:
        return json.dumps([asdict(finding) for finding in self.findings], indent=2)

    def summary(self) -> str:
        if not self.findings:
            return f"no problems in {len(self.prompts)} prompt(s)"
        return (
            f"{self.errors} error(s), {self.warnings} warning(s) in {len(self.prompts)} prompt(s)"
        )


def lint(project_root: Path, names: Sequence[str] = ()) -> LintResult:
    """Lint the prompts `names` (all when empty) of the project at `project_root`.

    Raises `UsageError` when there is no prompt library, a named prompt does not exist, or
    `prompts/lint.yaml` is malformed.
    """
    library = project_library(project_root)
    prefix = relative_prefix(project_root, library)
    config = load_config(
        library.root / CONFIG_NAME, f"{prefix}/{CONFIG_NAME}", [r.id for r in BUILTIN_RULES]
    )
    chosen = _chosen(library, names)
    rules = [
        rule for rule in (*BUILTIN_RULES, *config.team_rules()) if rule.id not in config.disable
    ]
    findings: set[Finding] = set()
    for name in chosen:
        subject = load_subject(library, name, prefix)
        findings.update(_findings(subject, rules, config))
    readable = _Lines(project_root)
    kept = sorted(finding for finding in findings if not readable.suppresses(finding))
    return LintResult(tuple(kept), tuple(chosen))


def project_library(project_root: Path) -> PromptLibrary:
    """The project's prompt library; a `UsageError` when the project has none."""
    library = PromptLibrary.for_project(project_root)
    if not library.root.is_dir():
        raise UsageError(f"no prompts/ folder in {project_root} (each prompt is prompts/<name>/)")
    return library


def _chosen(library: PromptLibrary, names: Sequence[str]) -> list[str]:
    known = library.names()
    for name in names:
        if name not in known:
            listing = ", ".join(known) or "none"
            raise UsageError(f"no prompt named {name!r} in prompts/ (prompts: {listing})")
    return list(dict.fromkeys(names)) if names else known


def _findings(subject: Subject, rules: list[Rule], config: LintConfig) -> Iterator[Finding]:
    """Every rule's hits on `subject`, skipping rules whose needs the prompt cannot meet."""
    met = _needs_met(subject)
    for rule in rules:
        if rule.needs in met:
            severity = config.severity.get(rule.id, rule.severity)
            for hit in rule.check(subject):
                yield Finding(hit.file, hit.line, hit.column, rule.id, severity, hit.message)


def _needs_met(subject: Subject) -> set[str]:
    """What rules can rely on for this prompt. Rendering is tried only when the prompt loaded
    without problems and reads only declared variables (the failures are reported already);
    a failing render becomes a load problem (P000), since a prompt that cannot render is
    broken."""
    if subject.prompt is None:
        return {"files"}
    if subject.broken:
        return {"files", "manifest"}
    if subject.problems or subject.undeclared():
        return {"files", "manifest", "templates"}
    try:
        subject.sample()
    except UsageError as error:
        subject.problems.append(subject.located(error))
        return {"files", "manifest", "templates"}
    return {"files", "manifest", "templates", "render"}


class _Lines:
    """Project files read once each, to find `lint: ignore` comments on finding lines."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._files: dict[str, list[str]] = {}

    def of(self, file: str) -> list[str]:
        if file not in self._files:
            try:
                text = (self.root / file).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                text = ""
            self._files[file] = text.splitlines()
        return self._files[file]

    def suppresses(self, finding: Finding) -> bool:
        lines = self.of(finding.file)
        if not 0 < finding.line <= len(lines):
            return False
        comment = _IGNORE.search(lines[finding.line - 1])
        if comment is None:
            return False
        ids = re.findall(r"[A-Za-z][\w-]*", comment.group(1))
        return not ids or finding.rule_id in ids


__all__ = ["BUILTIN_RULES", "Finding", "LintResult", "lint", "project_library"]
