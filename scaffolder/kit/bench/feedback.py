"""Rated conversations as benchmark cases: `copilot bench import-feedback`.

Why: a thumbs-down is a question the copilot got wrong, the cheapest real case there is.
The server appends ratings to `.copilot/feedback.jsonl`; `feedback_to_cases` redacts them
(the project's own `redact_patterns` too) and this module turns them into answer-suite lines:
the question becomes the `input`, the answer given and the comment go to `notes` for the
reviewer who adds `references`. Case ids come from the record's position in the append-only
feedback file, so importing the same file again adds only the new ratings: an id already in
the suite is skipped, never overwritten.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from scaffolder.errors import BenchError
from scaffolder.kit.bench.suite import SUITE_SUFFIX, SUITES_DIR
from scaffolder.kit.safety.feedback import FeedbackStore, Rating, feedback_to_cases
from scaffolder.kit.safety.redaction import Redactor

Only = Literal["down", "up", "all"]
_RATINGS: dict[str, tuple[Rating, ...]] = {"down": ("down",), "up": ("up",), "all": ("down", "up")}
#: Fields of a feedback case that are the bench case itself; the rest become its notes.
_CASE_FIELDS = ("id", "question", "tags")


@dataclass(frozen=True)
class FeedbackImport:
    added: tuple[str, ...]
    skipped: tuple[str, ...]
    created: bool


def feedback_suite(root: Path, source: Path, name: str) -> tuple[Path, Path]:
    """The feedback file (as given when it exists or is absolute, else under the project
    root) and the suite file `name` means; a name that is a path is refused."""
    if Path(name).name != name or not name:
        raise BenchError(f"--name {name!r} is a suite name, not a path")
    feedback = source if source.is_absolute() or source.exists() else root / source
    return feedback, root / SUITES_DIR / f"{name}{SUITE_SUFFIX}"


def import_feedback(
    source: Path, destination: Path, only: Only, redactor: Redactor
) -> FeedbackImport:
    """Append the rated conversations of `source` to the suite at `destination` (created
    with a description line when missing); nothing is written when nothing is new."""
    if not source.is_file():
        raise BenchError(
            f"no feedback file at {source} (the server writes .copilot/feedback.jsonl)"
        )
    try:
        records = list(FeedbackStore(source))
    except (OSError, UnicodeDecodeError) as error:
        raise BenchError(f"cannot read feedback {source}: {error}") from error
    cases = [
        _bench_case(case) for case in feedback_to_cases(records, redactor, ratings=_RATINGS[only])
    ]
    created = not destination.exists()
    existing = set() if created else _ids(destination)
    new = [case for case in cases if case["id"] not in existing]
    skipped = tuple(case["id"] for case in cases if case["id"] in existing)
    if new:
        _append(destination, new, source, created=created)
    return FeedbackImport(tuple(case["id"] for case in new), skipped, created and bool(new))


def _bench_case(case: dict[str, Any]) -> dict[str, Any]:
    notes = {key: value for key, value in case.items() if key not in _CASE_FIELDS and value}
    bench: dict[str, Any] = {"id": case["id"], "input": case["question"], "tags": case["tags"]}
    return {**bench, "notes": notes} if notes else bench


def _ids(path: Path) -> set[str]:
    """The case ids already in a suite file (any kind: only `id` is read)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise BenchError(f"cannot read suite {path}: {error}") from error
    ids = set()
    for number, line in enumerate(lines, 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            raise BenchError(
                f"{path.name}:{number}: not JSON ({error.msg}); fix it first"
            ) from error
        if isinstance(row, dict) and "id" in row:
            ids.add(str(row["id"]))
    return ids


def _append(path: Path, cases: Iterable[dict[str, Any]], source: Path, *, created: bool) -> None:
    lines = []
    if created:
        header = {"description": f"rated conversations from {source.name}; add references"}
        lines.append(json.dumps({"suite": header}, ensure_ascii=False))
    lines += [json.dumps(case, ensure_ascii=False) for case in cases]
    path.parent.mkdir(parents=True, exist_ok=True)
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    if text and not text.endswith("\n"):
        text += "\n"
    path.write_text(text + "\n".join(lines) + "\n", encoding="utf-8")
