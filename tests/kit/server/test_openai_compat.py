"""The OpenAI-compatible endpoints, driven by the real `openai` SDK over loopback HTTP."""

from __future__ import annotations

import httpx
import openai
import pytest

from tests.kit.server.backends import QUESTION, PassageBackend
from tests.kit.server.conftest import Serve


def client(url: str, key: str = "unused") -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{url}/v1", api_key=key, max_retries=0, timeout=30)


def test_non_streaming_completion(serve: Serve) -> None:
    with serve() as url:
        completion = client(url).chat.completions.create(
            model="lamp-copilot", messages=[{"role": "user", "content": QUESTION}]
        )
    assert completion.object == "chat.completion"
    assert completion.model == "lamp-copilot"
    content = completion.choices[0].message.content or ""
    assert "hold the power button" in content and "[1]" in content
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage is not None
    assert completion.usage.prompt_tokens > 0 and completion.usage.completion_tokens > 0
    extra = completion.model_extra or {}
    assert extra["copilot"]["sources"][0]["citation"] == "manual.md#reset"


def test_streaming_completion_ends_with_done(serve: Serve) -> None:
    with serve() as url:
        stream = client(url).chat.completions.create(
            model="lamp-copilot",
            messages=[{"role": "user", "content": QUESTION}],
            stream=True,
            stream_options={"include_usage": True},
        )
        chunks = list(stream)
    text = "".join(chunk.choices[0].delta.content or "" for chunk in chunks if chunk.choices)
    assert "hold the power button" in text
    content_chunks = [c for c in chunks if c.choices and c.choices[0].delta.content]
    assert len(content_chunks) >= 3
    finals = [c for c in chunks if c.choices and c.choices[0].finish_reason == "stop"]
    assert len(finals) == 1
    assert (finals[0].model_extra or {})["copilot"]["sources"][0]["label"] == "1"
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens > 0


def test_raw_stream_is_chunk_lines_then_done(serve: Serve) -> None:
    body = {"model": "m", "messages": [{"role": "user", "content": QUESTION}], "stream": True}
    with serve() as url:
        response = httpx.post(f"{url}/v1/chat/completions", json=body, timeout=30)
    lines = [line for line in response.text.splitlines() if line]
    assert all(line.startswith("data: ") for line in lines)
    assert lines[-1] == "data: [DONE]"
    assert '"object": "chat.completion.chunk"' in lines[0]


def test_earlier_messages_are_the_history(serve: Serve) -> None:
    backend = PassageBackend()
    messages = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello!"},
        {"role": "user", "content": [{"type": "text", "text": QUESTION}]},
    ]
    with serve(backend) as url:
        client(url).chat.completions.create(model="x", messages=messages)  # type: ignore[arg-type]
    assert backend.seen_histories == [
        [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Hi"},
            {"role": "assistant", "content": "Hello!"},
        ]
    ]


def test_models_lists_the_project(serve: Serve) -> None:
    with serve() as url:
        models = list(client(url).models.list())
    assert [model.id for model in models] == ["lamp-copilot"]


def test_errors_reach_the_sdk_as_its_own_exceptions(serve: Serve) -> None:
    with serve(server_api_key="s3cret-key-for-tests") as url:
        with pytest.raises(openai.AuthenticationError, match="missing or wrong API key"):
            client(url, "wrong").models.list()
        with pytest.raises(openai.BadRequestError, match="last message must be"):
            client(url, "s3cret-key-for-tests").chat.completions.create(
                model="x", messages=[{"role": "assistant", "content": "hi"}]
            )
        answer = client(url, "s3cret-key-for-tests").chat.completions.create(
            model="x", messages=[{"role": "user", "content": QUESTION}]
        )
    assert "[1]" in (answer.choices[0].message.content or "")
