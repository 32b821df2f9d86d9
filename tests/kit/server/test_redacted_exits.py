"""What leaves the server masked: a rating's question and comment (whatever sink stores
them), and a reply built with `Reply.redacted` (text, every source field, all of its data)."""

from __future__ import annotations

from pathlib import Path

import httpx

from scaffolder.kit.safety.feedback import FeedbackStore
from scaffolder.kit.safety.redaction import Redactor
from scaffolder.kit.server.backend import Reply
from tests.kit.server.conftest import Serve

EMAIL = "jane.doe@example.org"
CARD = "4111 1111 1111 1111"
IBAN = "GB82 WEST 1234 5698 7654 32"


def test_feedback_is_stored_masked_by_a_store_that_does_not_redact(
    serve: Serve, feedback_path: Path
) -> None:
    question = f"How do I reset the lamp? I am {EMAIL}"
    with serve() as url:  # the fixture's store has no redactor of its own
        reply = httpx.post(f"{url}/chat?stream=false", json={"message": question}).json()
        rated = httpx.post(
            f"{url}/feedback",
            json={"conversation_id": reply["conversation_id"], "turn_id": reply["turn_id"],
                  "rating": "down", "comment": f"charged twice on {CARD}, refund to {IBAN}"},
        )  # fmt: skip
    assert rated.status_code == 204
    [record] = list(FeedbackStore(feedback_path))
    assert record.comment == "charged twice on [CARD], refund to [IBAN]"
    assert record.question == "How do I reset the lamp? I am [EMAIL]"
    assert (record.rating, record.skill) == ("down", "answer")


def test_a_redacted_reply_masks_every_string_it_carries_and_keeps_the_rest() -> None:
    reply = Reply(
        "c1",
        "t1",
        f"Write to {EMAIL}.",
        [{"label": "1", "citation": f"billing.md ({EMAIL})", "text": f"Pay to {IBAN}.",
          "score": 0.5}],
        skill="answer",
        data={"cited": ["1"], "evidence": {"source": f"card {CARD}", "score": 0.9},
              "proposals": [{"summary": f"mail {EMAIL}"}], "grounded": True},
    )  # fmt: skip
    masked = reply.redacted(Redactor())
    assert masked.text == "Write to [EMAIL]."
    assert masked.sources == [
        {"label": "1", "citation": "billing.md ([EMAIL])", "text": "Pay to [IBAN].", "score": 0.5}
    ]
    assert masked.data == {
        "cited": ["1"],
        "evidence": {"source": "card [CARD]", "score": 0.9},
        "proposals": [{"summary": "mail [EMAIL]"}],
        "grounded": True,
    }
    assert (masked.conversation_id, masked.turn_id, masked.skill) == ("c1", "t1", "answer")
    assert reply.sources[0]["text"] == f"Pay to {IBAN}."  # the original is left as it was
