"""Real `ChatBackend`s for the server tests: answers come from the kit's offline provider
through `LLM`, over a fixed set of passages, so streaming and citations behave as in a
generated project without any network."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator, Sequence

from scaffolder.kit.llm import LLM, AnswerTask, ChatRequest, Message, Passage
from scaffolder.kit.llm.providers.offline import OfflineProvider
from scaffolder.kit.server import Delta, Reply
from scaffolder.kit.turn import SkillData, Source, TurnData

PASSAGES = (
    Passage(
        "1",
        "To reset the lamp, hold the power button for ten seconds until the light blinks twice.",
        source="manual.md#reset",
        score=0.9,
    ),
    Passage(
        "2",
        "The lamp battery lasts about eight hours on the brightest setting and charges in three.",
        source="manual.md#battery",
        score=0.7,
    ),
    Passage(
        "3",
        "The warranty covers manufacturing defects for two years from the date of purchase.",
        source="warranty.md",
        score=0.5,
    ),
)
QUESTION = "How do I reset the lamp?"


class PassageBackend:
    """Answers from `PASSAGES`, keeping conversations itself unless given a history."""

    def __init__(self, *, ready: bool = True, llm: LLM | None = None) -> None:
        self.llm = llm or LLM(OfflineProvider())
        self.is_ready = ready
        self.conversations: dict[str, list[dict[str, str]]] = {}
        #: The history each turn was answered with (what the server passed, or the stored one).
        self.seen_histories: list[list[dict[str, str]]] = []

    def stream(
        self,
        message: str,
        conversation_id: str | None,
        history: Sequence[dict[str, str]] | None = None,
    ) -> Iterator[Delta | Reply]:
        conversation_id = conversation_id or uuid.uuid4().hex
        stored = self.conversations.setdefault(conversation_id, [])
        past = list(history) if history is not None else list(stored)
        self.seen_histories.append(past)
        request = ChatRequest(
            messages=(Message("user", message),), task=AnswerTask(message, PASSAGES)
        )
        pieces = []
        for chunk in self.llm.stream(request):
            pieces.append(chunk.text)
            yield Delta(chunk.text)
        text = "".join(pieces)
        if history is None:
            stored += [{"role": "user", "content": message}, {"role": "assistant", "content": text}]
        sources = tuple(
            Source(p.id, p.id, p.source or "", p.source or "", p.text, p.score or 0.0)
            for p in PASSAGES
            if f"[{p.id}]" in text
        )
        yield Reply(
            conversation_id,
            uuid.uuid4().hex[:12],
            text,
            sources,
            skill="answer",
            data=TurnData(
                result=SkillData(grounded=bool(sources), extras={"history_turns": len(past) // 2})
            ),
        )

    def ready(self) -> tuple[bool, str]:
        if self.is_ready:
            return True, f"index has {len(PASSAGES)} chunks"
        return False, "index is empty: run `copilot ingest`"


class FailingBackend:
    """Streams `deltas` pieces of text, then raises `error`."""

    def __init__(self, error: Exception, deltas: int = 0) -> None:
        self.error = error
        self.deltas = deltas

    def stream(
        self,
        message: str,
        conversation_id: str | None,
        history: Sequence[dict[str, str]] | None = None,
    ) -> Iterator[Delta | Reply]:
        for number in range(self.deltas):
            yield Delta(f"piece {number} ")
        raise self.error

    def ready(self) -> tuple[bool, str]:
        return True, "always"


class GatedBackend(PassageBackend):
    """Pauses after the first delta until `resume` is set, so a test can look at a
    half-streamed answer without relying on timing."""

    def __init__(self) -> None:
        super().__init__()
        self.resume = threading.Event()

    def stream(
        self,
        message: str,
        conversation_id: str | None,
        history: Sequence[dict[str, str]] | None = None,
    ) -> Iterator[Delta | Reply]:
        for number, event in enumerate(super().stream(message, conversation_id, history)):
            if number == 1:
                self.resume.wait(timeout=60)
            yield event
