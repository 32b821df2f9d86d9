"""A turn's typed result keeps the JSON clients read: the same keys as the dicts it replaced
(`copilot ask --json`, `/chat`, `/v1/code`, benchmarks/answerability.py), optional facts left
out when a turn has none, and a project's extras beside them without shadowing any."""

from __future__ import annotations

import pytest

from scaffolder.kit.retrieval.evidence import Evidence
from scaffolder.kit.server.backend import Reply
from scaffolder.kit.turn import (
    ProposedAction,
    ProposedEdit,
    Route,
    SkillData,
    Source,
    Target,
    TurnData,
)

PASSAGE = Source("1", "data/a.md#0", "data/a.md, Reset", "data/a.md", "Hold the button.", 0.81234)


def test_a_blocked_turn_says_declined_why_and_which_guard_and_nothing_else() -> None:
    data = TurnData(reason="blocked: injection", declined=True, guard="prompt injection")
    assert data.to_json() == {
        "reason": "blocked: injection",
        "declined": True,
        "guard": "prompt injection",
    }


def test_a_declined_turn_carries_its_route_and_the_evidence_it_was_declined_on() -> None:
    evidence = Evidence(0.12345, 0.4, None, chunk=None, floor=0.2, decisive_from=0.7)
    data = TurnData(Route("out_of_scope", "embedding"), "near 'weather'", True, evidence=evidence)
    assert data.to_json() == {
        "intent": "out_of_scope",
        "route": "embedding",
        "reason": "near 'weather'",
        "declined": True,
        "evidence": {"score": 0.1235, "threshold": 0.4, "strong": False, "floor": 0.2,
                     "decisive_from": 0.7, "source": None, "calibration": "corpus",
                     "chunk": None},
    }  # fmt: skip


def test_an_answered_turn_puts_the_skills_data_beside_the_runtimes() -> None:
    result = SkillData(
        prompt="answer@3",
        grounded=False,
        cited=("1",),
        unknown_citations=("9",),
        reference="the request names function f",
        target=Target("src/m.py", 3, 9, "f", "function"),
        proposal=ProposedEdit("p1", "+x\n", "replace_selection", "why", ("src/m.py",)),
    )
    data = TurnData(
        Route("answer", "followup"),
        "follow-up",
        False,
        guard="the answer was stopped by an output guard",
        result=result,
        proposals=(ProposedAction("a1", "run pytest", "to check"),),
        history_left_out=2,
    )
    assert data.to_json() == {
        "intent": "answer",
        "route": "followup",
        "reason": "follow-up",
        "declined": False,
        "guard": "the answer was stopped by an output guard",
        "prompt": "answer@3",
        "grounded": False,
        "cited": ["1"],
        "unknown_citations": ["9"],
        "reference": "the request names function f",
        "target": {"file": "src/m.py", "start_line": 3, "end_line": 9, "symbol": "f",
                   "kind": "function"},
        "proposal": {"id": "p1", "diff": "+x\n", "mode": "replace_selection",
                     "rationale": "why", "files": ["src/m.py"]},
        "proposals": [{"id": "a1", "summary": "run pytest", "rationale": "to check"}],
        "history_left_out": 2,
    }  # fmt: skip


def test_facts_a_skill_did_not_state_are_left_out_but_citing_nothing_is_said() -> None:
    assert SkillData().to_json() == {}
    assert TurnData().to_json() == {}
    assert SkillData(cited=()).to_json() == {"cited": []}


def test_a_reply_is_the_json_clients_know_and_names_the_passages_it_cites() -> None:
    other = Source("2", "data/b.md#0", "data/b.md", "data/b.md", "Unrelated.", 0.1)
    reply = Reply("c1", "t1", "Hold it [1].", (PASSAGE, other), "answer",
                  TurnData(result=SkillData(grounded=True, cited=("1",))))  # fmt: skip
    assert reply.to_json() == {
        "conversation_id": "c1",
        "turn_id": "t1",
        "text": "Hold it [1].",
        "sources": [
            {"label": "1", "id": "data/a.md#0", "citation": "data/a.md, Reset",
             "source": "data/a.md", "score": 0.8123, "text": "Hold the button."},
            {"label": "2", "id": "data/b.md#0", "citation": "data/b.md", "source": "data/b.md",
             "score": 0.1, "text": "Unrelated."},
        ],
        "skill": "answer",
        "data": {"grounded": True, "cited": ["1"]},
    }  # fmt: skip
    assert reply.cited_sources() == (PASSAGE,)
    assert Reply("c", "t", "x", (PASSAGE,)).cited_sources() == ()  # nothing said: none cited


def test_a_projects_extras_go_out_beside_the_typed_facts() -> None:
    data = SkillData(grounded=True, extras={"history_turns": 2, "tags": ["a", {"b": None}]})
    assert data.to_json() == {"history_turns": 2, "tags": ["a", {"b": None}], "grounded": True}


@pytest.mark.parametrize("name", ["cited", "declined", "evidence", "route", "proposal"])
def test_extras_may_not_shadow_a_typed_fact(name: str) -> None:
    with pytest.raises(ValueError, match=f"names of typed fields: {name}"):
        SkillData(extras={name: "forged"})


def test_tests_written_for_dict_turns_still_read_them_with_a_deprecation_warning() -> None:
    """A 0.5 project's tests index the turn by its wire keys; a pip upgrade of the kit must
    not break them before the team runs `copilot update`."""
    edit = ProposedEdit("p1", "--- a\n+++ b\n", "create", "why", ("a.py",))
    data = TurnData(
        route=Route("answer", "followup"),
        result=SkillData(cited=("1",), target=Target("a.py", 1, 3, "f"), proposal=edit),
    )
    with pytest.warns(DeprecationWarning, match=r"copilot update"):
        assert data["route"] == "followup"
    with pytest.warns(DeprecationWarning, match=r"TurnData\['cited'\]"):
        assert data.get("cited", []) == ["1"]
    with pytest.warns(DeprecationWarning, match=r"TurnData\['proposal'\]"):
        assert data["proposal"]["id"] == "p1"  # type: ignore[index,call-overload]
    with pytest.warns(DeprecationWarning, match=r"TurnData\['guard'\]"):
        assert data.get("guard") is None
    with pytest.warns(DeprecationWarning, match=r"Source\['label'\]"):
        assert PASSAGE["label"] == "1"
    with pytest.warns(DeprecationWarning, match=r"Source\['source'\]"):
        assert PASSAGE["source"] == "data/a.md"
    with pytest.warns(DeprecationWarning, match="nothing"), pytest.raises(KeyError):
        PASSAGE["nothing"]
