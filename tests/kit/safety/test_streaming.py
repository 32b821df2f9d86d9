"""Output guards on streamed answers: whatever the chunking, nothing unsafe is released."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from scaffolder.kit.llm.types import StreamChunk, Usage
from scaffolder.kit.safety.guardlist import GuardList
from scaffolder.kit.safety.guardrails import Guardrails

RAILS = Guardrails.offline(guard_lists=[GuardList("team", ["competitor x", "frobnicate"])])
FILLER = "Lumen exports dashboards as PDF and PNG files every night. " * 6


def chunked(text: str, size: int) -> list[StreamChunk]:
    pieces = [StreamChunk(text[i : i + size]) for i in range(0, len(text), size)]
    return [*pieces, StreamChunk("", usage=Usage(10, 20), finish_reason="stop")]


def released(chunks: list[StreamChunk]) -> str:
    return "".join(chunk.text for chunk in chunks)


@pytest.mark.parametrize("size", [1, 2, 3, 5, 8, 13, 64])
def test_a_phrase_split_across_chunks_is_blocked_before_release(size: int) -> None:
    text = FILLER + "Honestly, comp etitor X is worse. " + FILLER
    out = list(RAILS.guard_stream(chunked(text, size)))
    assert out[-1].finish_reason == "content_filter"
    assert out[-1].text == "The answer was withheld by a safety check."
    shown = released(out[:-1])
    assert text.startswith(shown)  # only clean text before the phrase was shown
    assert "comp" not in shown.lower()


@pytest.mark.parametrize("size", [1, 4, 7, 32])
def test_harmful_content_split_across_chunks_is_blocked(size: int) -> None:
    text = FILLER + "Here is how to make a pipe bomb at home. " + FILLER
    out = list(RAILS.guard_stream(chunked(text, size)))
    assert out[-1].finish_reason == "content_filter"
    assert "bomb" not in released(out[:-1])


@pytest.mark.parametrize("size", [1, 3, 6, 11, 50])
def test_identifiers_split_across_chunks_are_redacted(size: int) -> None:
    text = (
        FILLER + "Mail maria@example.com or call +44 20 7946 0958, IBAN DE89 3704 0044 0532 "
        "0130 00, key sk-proj-Q8xv2LmN4pR7tY1wZ3aB6cD9eF0gH5jK. " + FILLER
    )
    out = list(RAILS.guard_stream(chunked(text, size)))
    assert released(out) == RAILS.check_output(text).text
    assert "[EMAIL]" in released(out) and "[IBAN]" in released(out)
    assert "maria" not in released(out)
    assert out[-1].finish_reason == "stop"
    assert out[-1].usage == Usage(10, 20)


def test_clean_text_streams_through_unchanged_and_early() -> None:
    text = FILLER * 3
    out = list(RAILS.guard_stream(chunked(text, 7)))
    assert released(out) == text
    assert len(out) > 10  # released progressively, not all at the end


def test_an_unterminated_private_key_is_held_until_it_ends() -> None:
    key = "-----BEGIN RSA PRIVATE KEY-----\n" + "MIIEow" * 200 + "\n-----END RSA PRIVATE KEY-----"
    text = FILLER + key + " done."
    out = list(RAILS.guard_stream(chunked(text, 9)))
    assert "MIIEow" not in released(out)
    assert "[SECRET] done." in released(out)


def test_stream_guard_feed_and_finish() -> None:
    guard = RAILS.stream()
    shown = guard.feed("Write to a@b.example and ") + guard.feed("done ") + guard.finish()
    assert shown == "Write to [EMAIL] and done "
    (decision,) = guard.decisions
    assert decision.describe() == "redaction:redact:pii:3"


def test_async_streams_are_guarded_too() -> None:
    async def source() -> AsyncIterator[StreamChunk]:
        for chunk in chunked(FILLER + "we frob-nicate it " + FILLER, 5):
            yield chunk

    async def collect() -> list[StreamChunk]:
        return [chunk async for chunk in RAILS.aguard_stream(source())]

    out = asyncio.run(collect())
    assert out[-1].finish_reason == "content_filter"
    assert "frob" not in released(out[:-1])
