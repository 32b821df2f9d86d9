"""Where thumbs up/down go, and the turns they refer to.

The page and API clients rate a turn by its ids only; the server remembers recent turns so the
stored record carries the question and answer, which is what makes feedback usable as a
benchmark case (`scaffolder.kit.safety.feedback.feedback_to_cases`).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Protocol

from scaffolder.kit.safety.feedback import Rating
from scaffolder.kit.safety.redaction import Redactor


class FeedbackSink(Protocol):
    """What the server calls to store a rating; `FeedbackStore` (kit.safety) is one."""

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
    ) -> object: ...


class DiscardedFeedback:
    """The sink of an app built without one: a rating is acknowledged and kept nowhere.

    Why not a default file: the kit does not guess a project from the working directory
    (`copilot serve` passes the project's `.copilot/feedback.jsonl`); an app a test or another
    program builds says where its ratings go, or they go nowhere rather than into whatever
    folder it happened to start in."""

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
    ) -> object:
        return None


class RedactedFeedback:
    """The sink the server records through: question, answer and comment masked before the
    sink it wraps sees them, whatever that sink is (a plain `FeedbackStore`, a team's queue).

    Why here: the comment is what a client typed, and a feedback file is read, shared and
    turned into benchmark cases far from the deployment."""

    def __init__(self, sink: FeedbackSink, redactor: Redactor) -> None:
        self.sink = sink
        self.redactor = redactor

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
    ) -> object:
        redact = self.redactor.redact
        return self.sink.record(
            rating, question=redact(question), answer=redact(answer), comment=redact(comment),
            trace_id=trace_id, skill=skill, prompt=prompt,
        )  # fmt: skip


@dataclass(frozen=True)
class Turn:
    question: str
    answer: str
    skill: str
    trace_id: str
    prompt: str


class RecentTurns:
    """The last `capacity` turns by (conversation_id, turn_id); older ones are forgotten, so
    memory stays bounded however long the server runs."""

    def __init__(self, capacity: int = 2000) -> None:
        self.capacity = capacity
        self._turns: OrderedDict[tuple[str, str], Turn] = OrderedDict()
        self._lock = threading.Lock()

    def remember(self, conversation_id: str, turn_id: str, turn: Turn) -> None:
        with self._lock:
            self._turns[(conversation_id, turn_id)] = turn
            self._turns.move_to_end((conversation_id, turn_id))
            while len(self._turns) > self.capacity:
                self._turns.popitem(last=False)

    def get(self, conversation_id: str, turn_id: str) -> Turn | None:
        with self._lock:
            return self._turns.get((conversation_id, turn_id))
