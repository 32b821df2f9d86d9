"""What the server needs from a copilot: a streamed answer to a message, and readiness.

The protocol is deliberately small so any copilot (RAG, agent, router) can sit behind the same
server; everything project-specific travels in `Reply.data`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING, Any, Protocol

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
    #: Passages the answer may cite as `[label]`: each has label, citation, source, text, score.
    sources: list[dict[str, Any]]
    skill: str | None = None
    #: Anything else worth showing or logging: intent, guard notes, grounded...
    data: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def redacted(self, redactor: Redactor) -> Reply:
        """This reply as it may leave: identifiers masked in the text, in every field of every
        source (a passage's text, its citation) and in every string of `data` (citations,
        evidence, reasons, proposals). Why all of it: `ask --json`, `/chat`, the page's source
        panel and `/v1/chat/completions` each send the whole reply, not just its text."""
        return replace(
            self,
            text=redactor.redact(self.text),
            sources=[redactor.redact_all(source) for source in self.sources],
            data=redactor.redact_all(self.data),
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
