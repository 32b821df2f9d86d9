"""The test session's tapes, as the response cache sees them.

Why a module of its own: the recordings module (`recordings.py`) activates tapes here and the
cache (`cache.py`) asks the active one, so neither has to import the other.
"""

from __future__ import annotations

from typing import Protocol

from scaffolder.kit.llm.types import ChatRequest, Completion, EmbeddingRequest, Embeddings


class SessionTape(Protocol):
    """What the cache asks of a test session's tape (`recordings.Tape` is the one there is).

    Why a Protocol: the recordings module imports this one to activate its tapes; naming its
    class here would make the two import each other, and make the cache (which the pytest
    plugin imports) load the recordings module."""

    def completion(self, cache_key: str, request: ChatRequest, provider: str) -> Completion | None:
        """The recorded answer, or None when the answer is to be recorded now."""

    def embeddings(
        self, cache_key: str, request: EmbeddingRequest, provider: str, describe: str
    ) -> Embeddings | None:
        """The recorded vectors, or None when they are to be recorded now."""

    def record_completion(self, cache_key: str, completion: Completion) -> bool:
        """Record the answer the tape asked for; False when it asked for none."""

    def record_embeddings(self, cache_key: str, embeddings: Embeddings) -> bool:
        """Record the vectors the tape asked for; False when it asked for none."""


#: The tapes `recordings.activated` made active, innermost last. Kept here, not there, so the
#: cache (which the pytest plugin imports) never has to import the recordings module.
ACTIVE_TAPES: list[SessionTape] = []


def active_tape() -> SessionTape | None:
    """The tape of the running test session, if the plugin activated one."""
    return ACTIVE_TAPES[-1] if ACTIVE_TAPES else None
