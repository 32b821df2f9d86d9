"""What the server needs from a copilot: a streamed answer to a message, and readiness.

The protocol is deliberately small so any copilot (RAG, agent, router) can sit behind the same
server; what a turn reports besides its text is typed (`kit.turn.TurnData`), and a project's
own facts travel in its extras.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Protocol

from scaffolder.kit.turn import JSONObject, Source, TurnData, redacted

if TYPE_CHECKING:
    from scaffolder.kit.safety.redaction import Redactor


@dataclass(frozen=True)
class Delta:
    """A piece of the answer text as it is generated."""

    text: str


@dataclass(frozen=True)
class Reply:
    """The finished turn; `text` is the whole answer (the deltas joined, or a corrected one)."""

    conversation_id: str
    turn_id: str
    text: str
    #: Passages the answer may cite as `[label]`.
    sources: tuple[Source, ...]
    skill: str | None = None
    #: The route, the decline and why, guards, evidence, the skill's data and extras.
    data: TurnData = field(default_factory=TurnData)

    def to_json(self) -> JSONObject:
        return {
            "conversation_id": self.conversation_id,
            "turn_id": self.turn_id,
            "text": self.text,
            "sources": [source.to_json() for source in self.sources],
            "skill": self.skill,
            "data": self.data.to_json(),
        }

    def cited_sources(self) -> tuple[Source, ...]:
        """The passages the answer cites, in the order they were given."""
        cited = set(self.data.result.cited or ())
        return tuple(source for source in self.sources if source.label in cited)

    def redacted(self, redactor: Redactor) -> Reply:
        """This reply as it may leave: identifiers masked in the text, in every field of every
        source (a passage's text, its citation) and in every string of `data` (citations,
        evidence, reasons, proposals, extras). Why all of it: `ask --json`, `/chat`, the page's
        source panel and `/v1/chat/completions` each send the whole reply, not just its text."""
        return replace(
            self,
            text=redactor.redact(self.text),
            sources=tuple(redacted(source, redactor.redact) for source in self.sources),
            data=redacted(self.data, redactor.redact),
        )


class ChatBackend(Protocol):
    def stream(
        self,
        message: str,
        conversation_id: str | None,
        history: Sequence[dict[str, str]] | None = None,
    ) -> Iterator[Delta | Reply]:
        """Deltas as the answer is generated, then exactly one `Reply`.

        `history` (role/content dicts) comes from stateless clients such as the
        OpenAI-compatible endpoint; None means the backend keeps the conversation itself under
        `conversation_id` (None: start a new one). Raise `CopilotError` subclasses for
        conditions the client should see (UsageError for rejected input, LLMError for a model
        failure); the server turns them into clean JSON errors.
        """
        ...

    def ready(self) -> tuple[bool, str]:
        """Whether the backend can answer now, and why (e.g. "index has 42 chunks")."""
        ...
