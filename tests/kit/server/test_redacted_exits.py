"""What leaves the server masked: a rating's question and comment (whatever sink stores
them), and a reply built with `Reply.redacted` (text, every source field, all of its data)."""

from __future__ import annotations

from pathlib import Path

import httpx

from scaffolder.kit.retrieval.evidence import Evidence
from scaffolder.kit.safety.feedback import FeedbackStore
from scaffolder.kit.safety.redaction import Redactor
from scaffolder.kit.server.backend import Reply
from scaffolder.kit.turn import (
    ProposedAction,
    ProposedEdit,
    Route,
    SkillData,
    Source,
    TurnData,
)
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
    source = Source("1", "c9", f"billing.md ({EMAIL})", "billing.md", f"Pay to {IBAN}.", 0.5)
    edit = ProposedEdit("p1", f"+mail {EMAIL}", "create", f"asked by {EMAIL}", ("a.py",))
    data = TurnData(
        Route("answer", "embedding"),
        f"near {EMAIL}",
        declined=False,
        evidence=Evidence(0.9, 0.5, f"card {CARD}", chunk="c9"),
        result=SkillData(cited=("1",), grounded=True, proposal=edit,
                         extras={"note": [f"to {EMAIL}", 3], "ok": True}),
        proposals=(ProposedAction("a1", f"mail {EMAIL}", "why"),),
    )  # fmt: skip
    reply = Reply("c1", "t1", f"Write to {EMAIL}.", (source,), skill="answer", data=data)
    masked = reply.redacted(Redactor())
    assert masked.text == "Write to [EMAIL]."
    assert masked.sources == (
        Source("1", "c9", "billing.md ([EMAIL])", "billing.md", "Pay to [IBAN].", 0.5),
    )
    assert masked.data.to_json() == {
        "intent": "answer",
        "route": "embedding",
        "reason": "near [EMAIL]",
        "declined": False,
        "grounded": True,
        "cited": ["1"],
        "proposal": {"id": "p1", "diff": "+mail [EMAIL]", "mode": "create",
                     "rationale": "asked by [EMAIL]", "files": ["a.py"]},
        "note": ["to [EMAIL]", 3],
        "ok": True,
        "evidence": {"score": 0.9, "threshold": 0.5, "strong": True, "floor": 0.0,
                     "decisive_from": 1.0, "source": "card [CARD]", "calibration": "corpus",
                     "chunk": "c9"},
        "proposals": [{"id": "a1", "summary": "mail [EMAIL]", "rationale": "why"}],
    }  # fmt: skip
    assert (masked.conversation_id, masked.turn_id, masked.skill) == ("c1", "t1", "answer")
    assert reply.sources[0].text == f"Pay to {IBAN}."  # the original is left as it was
    assert reply.data.result.extras["note"] == [f"to {EMAIL}", 3]
