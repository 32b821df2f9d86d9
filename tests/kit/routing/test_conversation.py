"""Conversation state across turns: stores, the active skill, and the history budget."""

from __future__ import annotations

from pathlib import Path

import pytest

from scaffolder.kit.routing import (
    Conversation,
    ConversationStore,
    Dispatcher,
    InMemoryStore,
    RouteDecision,
    Router,
    Skill,
    SkillReply,
    SkillRequest,
    SkillSet,
    SQLiteStore,
    Turn,
)


def stores(tmp_path: Path) -> list[ConversationStore]:
    return [InMemoryStore(), SQLiteStore(tmp_path / "state" / "conversations.sqlite3")]


@pytest.mark.parametrize("kind", [0, 1], ids=["memory", "sqlite"])
def test_a_conversation_survives_a_round_trip(tmp_path: Path, kind: int) -> None:
    store = stores(tmp_path)[kind]
    assert store.load("c1").turns == []
    decision = RouteDecision("install", "followup", 0.5, "follow-up", (("install", 0.5),))
    store.save(Conversation("c1", [Turn("and on Linux?", decision, "use apt", ["p-1"])]))
    (turn,) = store.load("c1").turns
    assert (turn.text, turn.decision, turn.reply, turn.proposals) == (
        "and on Linux?",
        decision,
        "use apt",
        ["p-1"],
    )


def test_sqlite_conversations_outlive_the_store_object(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    dispatcher_store = SQLiteStore(path)
    conversation = Conversation("web-42")
    conversation.turns.append(Turn("hi", RouteDecision("tables", "embedding", 0.9, "r")))
    dispatcher_store.save(conversation)
    conversation.turns.append(Turn("more", RouteDecision("tables", "followup", 0.3, "r")))
    dispatcher_store.save(conversation)
    assert len(SQLiteStore(path).load("web-42").turns) == 2


def test_the_active_skill_is_the_latest_in_scope_turn() -> None:
    conversation = Conversation("c")
    assert conversation.active_skill is None
    conversation.turns.append(Turn("a", RouteDecision("tables", "embedding", 0.9, "r")))
    conversation.turns.append(Turn("b", RouteDecision("out_of_scope", "llm", 0.1, "r")))
    assert conversation.active_skill == "tables"
    assert conversation.context().previous_text == "b"


def test_turns_record_their_decision_and_follow_ups_keep_the_skill(router: Router) -> None:
    store = InMemoryStore()
    dispatcher = Dispatcher(router, store)
    first = dispatcher.handle("cli", "how do I install the CLI on Windows?")
    second = dispatcher.handle("cli", "and on Linux?")
    weather = dispatcher.handle("cli", "what's the weather in Paris tomorrow?")
    assert second.reply.startswith("(install)")
    assert weather.reply.startswith("Sorry")
    turns = store.load("cli").turns
    assert [t.decision.intent for t in turns] == ["install", "install", "out_of_scope"]
    assert [t.decision.method for t in turns] == ["embedding", "followup", "llm"]
    assert turns[1].decision.reason.startswith("follow-up to install")
    assert first.turn.decision == turns[0].decision
    assert store.load("another user").turns == []


def test_the_token_budget_decides_what_history_reaches_the_skill() -> None:
    seen: list[SkillRequest] = []
    long_reply = "| date | release |\n" + "| 2026-01-01 | 1.0 |\n" * 6

    def record(request: SkillRequest) -> SkillReply:
        seen.append(request)
        return SkillReply(long_reply if len(seen) == 1 else "ok")

    skill = Skill("tables", "tables", record, ("make a table",), prompt="You format tables.")
    dispatcher = Dispatcher(
        Router(SkillSet([skill])), InMemoryStore(), context_tokens=185, reply_tokens=40
    )
    texts = ["make a table", "add borders to the table", "and sort it by date"]
    results = [dispatcher.handle("c", text) for text in texts]
    first, second, third = seen
    assert [m.content for m in first.messages] == ["You format tables.", texts[0]]
    assert [m.content for m in second.messages] == [
        "You format tables.",
        texts[0],
        long_reply,
        texts[1],
    ]
    assert [m.content for m in third.messages] == ["You format tables.", texts[1], "ok", texts[2]]
    assert not results[1].cuts
    (cut,) = results[2].cuts
    assert (cut.part, cut.what) == ("history", "1 oldest turn (2 messages)")
