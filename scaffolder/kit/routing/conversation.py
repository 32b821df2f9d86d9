"""Conversation state across turns: in memory for the CLI, SQLite (or your own) for a server.

A conversation is its turns; each turn keeps the user's text, the routing decision with its
reason, the reply and the ids of any proposals it made. The active skill is derived from the
turns (the skill of the latest in-scope turn), so it can never disagree with them.

Stores implement `ConversationStore` (`load` returns a new, empty conversation for an
unknown id; `save` replaces the stored one). `SQLiteStore` keeps one JSON row per
conversation and opens a connection per call, so one store can serve several threads.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from scaffolder.kit.agents.audit import utc_now
from scaffolder.kit.llm.types import Message
from scaffolder.kit.routing.decisions import RouteDecision, RoutingContext


@dataclass
class Turn:
    text: str
    decision: RouteDecision
    reply: str = ""
    proposals: list[str] = field(default_factory=list)
    at: str = field(default_factory=utc_now)

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "decision": self.decision.to_dict(),
            "reply": self.reply,
            "proposals": list(self.proposals),
            "at": self.at,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Turn:
        return cls(
            text=data["text"],
            decision=RouteDecision.from_dict(data["decision"]),
            reply=data.get("reply", ""),
            proposals=list(data.get("proposals", [])),
            at=data.get("at", ""),
        )


@dataclass
class Conversation:
    id: str
    turns: list[Turn] = field(default_factory=list)

    @property
    def active_skill(self) -> str | None:
        for turn in reversed(self.turns):
            if turn.decision.in_scope:
                return turn.decision.intent
        return None

    def context(self) -> RoutingContext:
        previous = self.turns[-1].text if self.turns else None
        return RoutingContext(active_skill=self.active_skill, previous_text=previous)

    def messages(self) -> list[Message]:
        """The conversation as chat messages, oldest first: each user turn and its reply."""
        messages = []
        for turn in self.turns:
            messages.append(Message("user", turn.text))
            if turn.reply:
                messages.append(Message("assistant", turn.reply))
        return messages

    def to_json(self) -> str:
        return json.dumps(
            {"id": self.id, "turns": [turn.to_dict() for turn in self.turns]}, ensure_ascii=False
        )

    @classmethod
    def from_json(cls, text: str) -> Conversation:
        data = json.loads(text)
        return cls(id=data["id"], turns=[Turn.from_dict(turn) for turn in data["turns"]])


class ConversationStore(Protocol):
    def load(self, conversation_id: str) -> Conversation: ...

    def save(self, conversation: Conversation) -> None: ...


class InMemoryStore:
    """Conversations of one process (the CLI); copies in and out, like a real store."""

    def __init__(self) -> None:
        self._data: dict[str, str] = {}
        self._lock = threading.Lock()

    def load(self, conversation_id: str) -> Conversation:
        with self._lock:
            stored = self._data.get(conversation_id)
        return Conversation.from_json(stored) if stored else Conversation(conversation_id)

    def save(self, conversation: Conversation) -> None:
        with self._lock:
            self._data[conversation.id] = conversation.to_json()


class SQLiteStore:
    """Conversations in one SQLite file, one JSON row each."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connection() as connection:
            connection.execute(
                "CREATE TABLE IF NOT EXISTS conversations ("
                "id TEXT PRIMARY KEY, body TEXT NOT NULL, updated TEXT NOT NULL)"
            )

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        with closing(sqlite3.connect(self.path, timeout=30)) as connection, connection:
            yield connection

    def load(self, conversation_id: str) -> Conversation:
        with self._connection() as connection:
            row = connection.execute(
                "SELECT body FROM conversations WHERE id = ?", (conversation_id,)
            ).fetchone()
        return Conversation.from_json(row[0]) if row else Conversation(conversation_id)

    def save(self, conversation: Conversation) -> None:
        with self._connection() as connection:
            connection.execute(
                "INSERT INTO conversations (id, body, updated) VALUES (?, ?, ?) "
                "ON CONFLICT(id) DO UPDATE SET body = excluded.body, updated = excluded.updated",
                (conversation.id, conversation.to_json(), utc_now()),
            )
