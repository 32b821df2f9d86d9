from __future__ import annotations

from pathlib import Path

import pytest

from scaffolder.errors import UsageError
from scaffolder.kit.safety.feedback import FeedbackStore, feedback_to_cases
from scaffolder.kit.safety.redaction import Redactor


def test_feedback_is_stored_and_read_back(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "fb" / "feedback.jsonl")
    store.record("up", question="How do I export?", answer="Use Share.", skill="qa")
    store.record("down", question="Refund to DE89 3704 0044 0532 0130 00?", comment="wrong")
    records = list(store)
    assert [record.rating for record in records] == ["up", "down"]
    assert records[0].skill == "qa"
    assert records[1].at.endswith("+00:00")


def test_cases_from_thumbs_down_are_redacted(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "feedback.jsonl")
    store.record("up", question="fine", answer="fine")
    store.record(
        "down",
        question="Why was card 4111 1111 1111 1111 charged? Mail me at jo@example.com",
        answer="Your key sk-proj-Q8xv2LmN4pR7tY1wZ3aB6cD9eF0gH5jK is invalid.",
        comment="it leaked my key, call +44 20 7946 0958",
        prompt="answer@3",
    )
    (case,) = feedback_to_cases(store, Redactor())
    assert case["question"] == "Why was card [CARD] charged? Mail me at [EMAIL]"
    assert case["rejected_answer"] == "Your key [SECRET] is invalid."
    assert case["comment"] == "it leaked my key, call [PHONE]"
    assert case["tags"] == ["feedback", "thumbs-down"]
    assert case["prompt"] == "answer@3"
    both = feedback_to_cases(store, Redactor(), ratings=("up", "down"))
    assert both[0]["accepted_answer"] == "fine"


def test_a_store_can_redact_before_writing(tmp_path: Path) -> None:
    path = tmp_path / "feedback.jsonl"
    FeedbackStore(path, redactor=Redactor()).record("down", comment="mail x@y.example")
    assert "x@y.example" not in path.read_text()


def test_bad_ratings_and_lines_are_clear_errors(tmp_path: Path) -> None:
    path = tmp_path / "feedback.jsonl"
    with pytest.raises(UsageError, match="rating must be up or down"):
        FeedbackStore(path).record("meh")  # type: ignore[arg-type]
    path.write_text("{not json\n")
    with pytest.raises(UsageError, match=r"feedback\.jsonl:1: not a feedback record"):
        list(FeedbackStore(path))
