"""Ready-made skill handlers' bodies, so a generated skill is a few declarative lines.

`answer_from_documents` is the qa-rag template's answer skill: retrieve (taking the previous
question along when the turn is a follow-up, so "and on Linux?" searches for what it follows),
drop passages that carry hidden instructions, stream the project's answer prompt, and say at the
end whether every citation resolved.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from scaffolder.errors import SkillError
from scaffolder.kit.llm.types import Completion, Message, Passage
from scaffolder.kit.rag import DEFAULT_K
from scaffolder.kit.routing.skills import SkillReply, SkillRequest
from scaffolder.kit.text import only_asks_for_more
from scaffolder.kit.turn import SkillData, Source

if TYPE_CHECKING:
    from scaffolder.kit.safety.guardrails import Guardrails


def answer_from_documents(
    request: SkillRequest,
    *,
    prompt: str = "answer",
    k: int = DEFAULT_K,
    passages: Callable[[str], Sequence[Source]] | None = None,
) -> SkillReply:
    """`passages`: how the passages for the search query are found, when not by the
    answerer's retrieval (the code assistant puts the code a question names first)."""
    services = request.services
    if services is None:
        raise SkillError("answer_from_documents needs a Copilot's project services")
    answerer = services.answerer(prompt, k)
    query, follows = request.text, ""
    previous = request.previous_text
    if request.decision.method == "followup" and previous is not None:
        # "tell me more" adds nothing to search with; its words would only dilute the question.
        own = "" if only_asks_for_more(request.text) else f" {request.text}"
        query, follows = f"{previous}{own}", previous
    found = passages(query) if passages is not None else answerer.retrieve(query)
    sources = _safe(tuple(found), services.guardrails)
    history = _history(request.messages)
    chat = answerer.request(request.text, sources, history, follows=follows)
    data = SkillData(prompt=f"{answerer.prompt.name}@{answerer.prompt.version}")
    finished: list[SkillData] = []  # set when the stream has run to its end

    def pieces() -> Iterator[str]:
        collected: list[str] = []
        chunks = answerer.llm.stream(chat)
        try:
            for chunk in chunks:
                if chunk.text:
                    collected.append(chunk.text)
                    yield chunk.text
        finally:
            chunks.close()  # a reader that stops early stops the model too
        text = "".join(collected)
        completion = Completion(text=text, model=chat.model or "", provider=answerer.llm.info.name)
        answer = answerer.finish(request.text, sources, completion, 0.0)
        finished.append(
            replace(
                data,
                grounded=answer.grounded,
                cited=tuple(source.label for source in answer.cited),
                unknown_citations=tuple(answer.citations.unknown),
                abstained=answer.citations.dont_know,
            )
        )

    return SkillReply(
        text="",
        stream=pieces(),
        sources=sources,
        data=data,
        completed=lambda: finished[-1] if finished else data,
    )


def _safe(sources: tuple[Source, ...], guardrails: Guardrails) -> tuple[Source, ...]:
    """The sources without those whose text tries to instruct the model (kept labels)."""
    passages = [Passage(source.label, source.text, source.citation) for source in sources]
    kept, _dropped = guardrails.check_documents(passages)
    labels = {passage.id for passage in kept}
    return tuple(source for source in sources if source.label in labels)


def _history(messages: tuple[Message, ...]) -> list[dict[str, str]]:
    """Earlier user and assistant turns that fit the budget (the last message is this turn)."""
    earlier = [m for m in messages[:-1] if m.role in ("user", "assistant")]
    return [{"role": m.role, "content": m.content} for m in earlier]
