"""Bench fixtures: a loopback OpenAI-compatible server that counts requests in flight, a
client for it with a real cache file, and a small project to run suites in."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from scaffolder.kit.llm.cache import ResponseCache
from scaffolder.kit.llm.client import LLM
from scaffolder.kit.llm.providers.openai_provider import OpenAIConfig, OpenAIProvider
from scaffolder.kit.llm.retry import RetryPolicy
from tests.kit.llm.fault_server import FaultServer


class CountingServer(FaultServer):
    """The fault server, also recording the most requests it handled at the same time."""

    in_flight = 0
    max_in_flight = 0

    def start(self) -> CountingServer:
        super().start()
        base = self._server.RequestHandlerClass
        counter = self

        class Counting(base):  # type: ignore[valid-type, misc]
            def do_POST(self) -> None:
                with counter.lock:
                    counter.in_flight += 1
                    counter.max_in_flight = max(counter.max_in_flight, counter.in_flight)
                try:
                    super().do_POST()
                finally:
                    with counter.lock:
                        counter.in_flight -= 1

        self._server.RequestHandlerClass = Counting
        return self


@pytest.fixture
def server() -> Iterator[CountingServer]:
    running = CountingServer(lock=threading.Lock()).start()
    try:
        yield running
    finally:
        running.stop()


def server_llm(server: FaultServer, cache_path: Path | None) -> LLM:
    provider = OpenAIProvider(
        OpenAIConfig(
            kind="openai-compatible",
            chat_model="gpt-4o-mini",
            embedding_model="emb",
            api_key="sk-test",
            base_url=server.url,
            timeout=10.0,
        )
    )
    cache = ResponseCache(cache_path) if cache_path is not None else None
    return LLM(provider, cache=cache, retry=RetryPolicy(max_attempts=2, base_delay=0.01))


def write_cases(
    path: Path, cases: Sequence[Mapping[str, Any]], header: Mapping[str, Any] | None = None
) -> Path:
    lines = [json.dumps({"suite": dict(header)})] if header else []
    lines += [json.dumps(dict(case)) for case in cases]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def echo_cases(count: int) -> list[dict[str, Any]]:
    """Cases the echo server passes: the answer repeats the input."""
    return [
        {"id": f"c{i}", "input": f"word{i}", "references": [f"word{i}"], "tags": [f"t{i % 3}"]}
        for i in range(count)
    ]
