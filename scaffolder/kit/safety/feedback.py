"""Thumbs up or down on an answer, with an optional comment, kept in a local JSON Lines file.

Feedback is the cheapest source of benchmark cases: a thumbs-down is a question the copilot
got wrong. `feedback_to_cases` turns records into bench cases with identifiers redacted, so a
case file can be committed and shared without the e-mail addresses or keys users pasted.
The store itself is local to the deployment; pass a `Redactor` to redact before writing too.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from scaffolder.errors import UsageError
from scaffolder.kit.safety.redaction import Redactor

Rating = Literal["up", "down"]
DEFAULT_PATH = Path(".copilot/feedback.jsonl")


@dataclass(frozen=True)
class FeedbackRecord:
    rating: Rating
    question: str = ""
    answer: str = ""
    comment: str = ""
    #: Links the feedback to its telemetry trace (`copilot.turn` span), when known.
    trace_id: str = ""
    skill: str = ""
    prompt: str = ""
    at: str = ""


class FeedbackStore:
    """Appends records to a JSON Lines file; safe to share between threads of one process."""

    def __init__(self, path: Path = DEFAULT_PATH, *, redactor: Redactor | None = None) -> None:
        self.path = path
        self.redactor = redactor
        self._lock = threading.Lock()

    def record(
        self,
        rating: Rating,
        *,
        question: str = "",
        answer: str = "",
        comment: str = "",
        trace_id: str = "",
        skill: str = "",
        prompt: str = "",
    ) -> FeedbackRecord:
        if rating not in ("up", "down"):
            raise UsageError(f"feedback rating must be up or down, not {rating!r}")
        if self.redactor is not None:
            question, answer, comment = (
                self.redactor.redact(text) for text in (question, answer, comment)
            )
        entry = FeedbackRecord(
            rating, question, answer, comment, trace_id, skill, prompt,
            at=datetime.now(UTC).isoformat(timespec="seconds"),
        )  # fmt: skip
        line = json.dumps(asdict(entry), ensure_ascii=False)
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as file:
                file.write(line + "\n")
        return entry

    def __iter__(self) -> Iterator[FeedbackRecord]:
        if not self.path.is_file():
            return
        with self.path.open(encoding="utf-8") as file:
            for number, line in enumerate(file, start=1):
                if line.strip():
                    yield _parse(line, f"{self.path}:{number}")


def _parse(line: str, where: str) -> FeedbackRecord:
    try:
        data = json.loads(line)
        return FeedbackRecord(**{key: data[key] for key in data if key in _FIELDS})
    except (ValueError, TypeError) as error:
        raise UsageError(f"{where}: not a feedback record ({error})") from error


_FIELDS = set(FeedbackRecord.__dataclass_fields__)


def feedback_to_cases(
    records: Iterable[FeedbackRecord], redactor: Redactor, *, ratings: Iterable[Rating] = ("down",)
) -> list[dict[str, Any]]:
    """Bench cases from feedback (thumbs-down only by default), every text redacted.

    Each case: id, question, the answer that was given (`rejected_answer` for a thumbs-down,
    `accepted_answer` for a thumbs-up), the comment, and tags naming where it came from.
    """
    wanted = set(ratings)
    cases = []
    for number, record in enumerate(records, start=1):
        if record.rating not in wanted or not record.question:
            continue
        answer_key = "rejected_answer" if record.rating == "down" else "accepted_answer"
        case: dict[str, Any] = {
            "id": f"feedback-{number:04d}",
            "question": redactor.redact(record.question),
            answer_key: redactor.redact(record.answer),
            "comment": redactor.redact(record.comment),
            "tags": ["feedback", f"thumbs-{record.rating}"]
            + ([record.skill] if record.skill else []),
        }
        if record.prompt:
            case["prompt"] = record.prompt
        cases.append(case)
    return cases
