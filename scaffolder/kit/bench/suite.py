"""Benchmark suites: `benchmarks/<name>.jsonl`, one case per line.

A suite is a plain JSONL file so that it diffs well in review and a team can grow it by
appending lines. An optional first line `{"suite": {...}}` holds suite-level settings: the
`kind` (which default target and graders apply: "answer" here, "intent" suites and the
whole-suite "routing" and "safety" kinds, with case lines of their own, plug in through
`register_suite_kind`), the `target` callable, the library `prompt` the
default target renders, and default `graders`. Every other line is a case:

    {"id": "refund-1", "input": "How do refunds work?", "references": ["30 days"],
     "tags": ["billing"], "graders": ["contains", {"name": "judge", "judgements": 3}]}

`conversation` (a list of {role, content}) may replace `input`; `sources` names the passage
ids retrieval should find, `intent` the route a router should pick, `vars` extra prompt
inputs, `notes` what a reviewer should know (e.g. the rejected answer of a thumbs-down;
never sent to the model nor graded). The suite version is a hash of the file, so results
cite exactly what they ran.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from scaffolder.errors import BenchError

SUITES_DIR = "benchmarks"
SUITE_SUFFIX = ".jsonl"
_CASE_KEYS = {
    "id",
    "input",
    "conversation",
    "reference",
    "references",
    "tags",
    "graders",
    "sources",
    "intent",
    "vars",
    "notes",
}
_SUITE_KEYS = {"kind", "target", "prompt", "graders", "description"}


@dataclass(frozen=True)
class GraderSpec:
    """A grader by registered name, with its options (`{"name": "numeric", "tolerance": 0.1}`)."""

    name: str
    options: Mapping[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, **self.options}


@dataclass(frozen=True)
class Case:
    id: str
    input: str = ""
    conversation: tuple[Mapping[str, str], ...] = ()
    references: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    graders: tuple[GraderSpec, ...] = ()
    sources: tuple[str, ...] = ()
    intent: str | None = None
    vars: Mapping[str, Any] = field(default_factory=dict)
    line: int = 0

    @property
    def text(self) -> str:
        """What the user said last: the input, or the last user turn of the conversation."""
        if self.input:
            return self.input
        users = [turn["content"] for turn in self.conversation if turn.get("role") == "user"]
        return users[-1] if users else ""


@dataclass(frozen=True)
class Suite:
    name: str
    path: Path
    version: str
    cases: tuple[Case, ...]
    kind: str = "answer"
    target: str | None = None
    prompt: str | None = None
    graders: tuple[GraderSpec, ...] = ()
    description: str = ""

    def limited(self, limit: int | None) -> Suite:
        if limit is None:
            return self
        return replace(self, cases=self.cases[:limit])


def suite_path(root: Path, name_or_path: str) -> Path:
    """A suite by name (`benchmarks/<name>.jsonl`) or by path."""
    direct = Path(name_or_path)
    if direct.suffix == SUITE_SUFFIX or direct.is_file():
        path = direct if direct.is_absolute() else Path.cwd() / direct
    else:
        path = root / SUITES_DIR / f"{name_or_path}{SUITE_SUFFIX}"
    if not path.is_file():
        known = ", ".join(list_suites(root)) or "none"
        raise BenchError(f"no suite {name_or_path!r} (suites in {SUITES_DIR}/: {known})")
    return path


def list_suites(root: Path) -> list[str]:
    folder = root / SUITES_DIR
    return sorted(p.stem for p in folder.glob(f"*{SUITE_SUFFIX}")) if folder.is_dir() else []


def load_suite(path: Path, known_graders: Sequence[str] | None = None) -> Suite:
    """Parse and check a suite; every problem is reported as `file:line: message`.

    `known_graders`, when given, makes an unknown grader name an error at load time rather
    than after half the run was paid for.
    """
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise BenchError(f"cannot read suite {path}: {error}") from error
    header: dict[str, Any] = {}
    cases: list[Case] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        where = f"{path.name}:{number}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            problems.append(f"{where}: not JSON ({error.msg} at column {error.colno})")
            continue
        if not isinstance(row, dict):
            problems.append(f"{where}: a case is a JSON object")
            continue
        if "suite" in row and not cases and not header:
            try:
                header = _header(row["suite"])
            except BenchError as error:
                problems.append(f"{where}: {error}")
            continue
        try:
            case = _case(row, number)
            _check_graders(case.graders, known_graders)
        except BenchError as error:
            problems.append(f"{where}: {error}")
            continue
        if case.id in seen:
            problems.append(f"{where}: duplicate id {case.id!r} (first on line {seen[case.id]})")
            continue
        seen[case.id] = number
        cases.append(case)
    suite_graders = header.get("graders", ())
    try:
        _check_graders(suite_graders, known_graders)
    except BenchError as error:
        problems.insert(0, f"{path.name}:1: {error}")
    if problems:
        more = f" (and {len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
        raise BenchError(problems[0] + more)
    if not cases:
        raise BenchError(f"{path.name}: the suite has no cases")
    return Suite(
        name=path.stem,
        path=path,
        version=hashlib.sha256(raw).hexdigest()[:12],
        cases=tuple(cases),
        kind=header.get("kind", "answer"),
        target=header.get("target"),
        prompt=header.get("prompt"),
        graders=suite_graders,
        description=header.get("description", ""),
    )


def write_suite(path: Path, cases: Sequence[Mapping[str, Any]], header: Mapping[str, Any]) -> None:
    lines = [json.dumps({"suite": dict(header)}, ensure_ascii=False)] if header else []
    lines += [json.dumps(dict(case), ensure_ascii=False) for case in cases]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def parse_graders(value: object) -> tuple[GraderSpec, ...]:
    """Graders as written in a suite: names, or objects with a `name` and options."""
    items = value if isinstance(value, list) else [value]
    specs = []
    for item in items:
        if isinstance(item, str) and item.strip():
            specs.append(GraderSpec(item.strip()))
        elif isinstance(item, dict) and isinstance(item.get("name"), str):
            options = {k: v for k, v in item.items() if k != "name"}
            specs.append(GraderSpec(item["name"], options))
        else:
            raise BenchError(f"a grader is a name or an object with a name, not {item!r}")
    return tuple(specs)


def _header(value: object) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise BenchError('"suite" holds an object of suite settings')
    unknown = set(value) - _SUITE_KEYS
    if unknown:
        raise BenchError(
            f"unknown suite setting(s) {sorted(unknown)} (known: {sorted(_SUITE_KEYS)})"
        )
    header = dict(value)
    if "graders" in header:
        header["graders"] = parse_graders(header["graders"])
    for key in ("kind", "target", "prompt", "description"):
        if key in header and not isinstance(header[key], str):
            raise BenchError(f"suite setting {key!r} must be a string")
    return header


def _case(row: dict[str, Any], number: int) -> Case:
    unknown = set(row) - _CASE_KEYS
    if unknown:
        raise BenchError(f"unknown field(s) {sorted(unknown)} (known: {sorted(_CASE_KEYS)})")
    case_id = row.get("id")
    if not isinstance(case_id, str | int) or not str(case_id).strip():
        raise BenchError('every case needs an "id" (a non-empty string)')
    text = row.get("input", "")
    conversation = row.get("conversation", [])
    if not isinstance(text, str):
        raise BenchError('"input" must be a string')
    if not isinstance(conversation, list) or not all(
        isinstance(t, dict) and isinstance(t.get("role"), str) and isinstance(t.get("content"), str)
        for t in conversation
    ):
        raise BenchError('"conversation" must be a list of {"role", "content"} objects')
    if not text.strip() and not conversation:
        raise BenchError(f'case {case_id!r} has neither "input" nor "conversation"')
    references = row.get("references", row.get("reference", []))
    if isinstance(references, str | int | float):
        references = [references]
    vars_ = row.get("vars", {})
    if not isinstance(vars_, dict):
        raise BenchError('"vars" must be an object of prompt inputs')
    if not isinstance(row.get("notes", {}), dict):
        raise BenchError('"notes" must be an object (for reviewers; never sent or graded)')
    intent = row.get("intent")
    return Case(
        id=str(case_id),
        input=text,
        conversation=tuple(conversation),
        references=tuple(str(r) for r in _strings(references, "references")),
        tags=tuple(_strings(row.get("tags", []), "tags")),
        graders=parse_graders(row["graders"]) if "graders" in row else (),
        sources=tuple(_strings(row.get("sources", []), "sources")),
        intent=str(intent) if intent is not None else None,
        vars=vars_,
        line=number,
    )


def _strings(value: object, name: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str | int | float) for v in value):
        raise BenchError(f'"{name}" must be a list of strings')
    return [str(v) for v in value]


def _check_graders(specs: Sequence[GraderSpec], known: Sequence[str] | None) -> None:
    if known is None:
        return
    for spec in specs:
        if spec.name not in known:
            raise BenchError(f"unknown grader {spec.name!r} (known: {', '.join(sorted(known))})")
