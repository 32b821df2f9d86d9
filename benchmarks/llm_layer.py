"""What the LLM layer costs on top of the openai SDK, and what its cache and async calls buy.

Usage: python benchmarks/llm_layer.py [--calls N]

Everything runs against the loopback OpenAI-compatible server the tests use; nothing leaves
the machine. Measured side by side in one run:

1. cache hit latency: `LLM.complete` answered from the SQLite cache (target < 1 ms);
2. layer overhead: `LLM.complete` without a cache vs the bare `openai` SDK call it makes,
   interleaved call by call against the same server (target < 1 ms per call);
3. throughput: 200 calls through `LLM.acomplete` at once vs one after another, against a
   server that takes 50 ms per request (target at least 10x).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

import openai

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scaffolder.kit.llm.cache import ResponseCache
from scaffolder.kit.llm.client import LLM
from scaffolder.kit.llm.providers.openai_provider import OpenAIConfig, OpenAIProvider
from scaffolder.kit.llm.types import ChatRequest, Message
from tests.kit.llm.fault_server import FaultServer

REQUEST = ChatRequest(messages=(Message("user", "how do I reset the lamp?"),), model="gpt-4o-mini")


def layer(server: FaultServer, cache: ResponseCache | None = None) -> LLM:
    config = OpenAIConfig(
        kind="openai-compatible", chat_model="gpt-4o-mini", embedding_model="e",
        base_url=server.url, timeout=30,
    )  # fmt: skip
    return LLM(OpenAIProvider(config), cache=cache)


def per_call_ms(samples: list[float]) -> str:
    return f"{statistics.median(samples) * 1000:.3f}"


def cache_hits(server: FaultServer, calls: int) -> list[float]:
    with tempfile.TemporaryDirectory() as scratch:
        llm = layer(server, ResponseCache(Path(scratch, "cache.sqlite3")))
        llm.complete(REQUEST)
        samples = []
        for _ in range(calls):
            start = time.perf_counter()
            llm.complete(REQUEST)
            samples.append(time.perf_counter() - start)
        return samples


def overhead(server: FaultServer, calls: int) -> tuple[list[float], list[float]]:
    bare = openai.OpenAI(base_url=server.url, api_key="unused", max_retries=0)
    llm = layer(server)
    messages = [{"role": "user", "content": REQUEST.messages[0].content}]
    bare_samples, layer_samples = [], []
    for _ in range(calls):
        start = time.perf_counter()
        bare.chat.completions.create(model="gpt-4o-mini", messages=messages)  # type: ignore[arg-type]
        bare_samples.append(time.perf_counter() - start)
        start = time.perf_counter()
        llm.complete(REQUEST)
        layer_samples.append(time.perf_counter() - start)
    return bare_samples, layer_samples


def throughput(server: FaultServer, calls: int) -> tuple[float, float]:
    server.latency = 0.05
    llm = layer(server)
    requests = [ChatRequest(messages=(Message("user", f"q{n}"),)) for n in range(calls)]
    start = time.perf_counter()
    for request in requests:
        llm.complete(request)
    sequential = time.perf_counter() - start

    async def together() -> None:
        await asyncio.gather(*(llm.acomplete(request) for request in requests))

    start = time.perf_counter()
    asyncio.run(together())
    concurrent = time.perf_counter() - start
    server.latency = 0.0
    return sequential, concurrent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200)
    calls = parser.parse_args().calls
    server = FaultServer().start()
    try:
        hits = cache_hits(server, calls * 5)
        bare, wrapped = overhead(server, calls)
        sequential, concurrent = throughput(server, 200)
    finally:
        server.stop()
    extra = [w - b for w, b in zip(wrapped, bare, strict=True)]
    print(f"python benchmarks/llm_layer.py --calls {calls}\n")
    print("| measure | result | target |")
    print("| --- | --- | --- |")
    print(f"| cache hit, median per call | {per_call_ms(hits)} ms | < 1 ms |")
    print(f"| bare openai SDK call, median | {per_call_ms(bare)} ms | |")
    print(f"| LLM.complete (no cache), median | {per_call_ms(wrapped)} ms | |")
    print(f"| layer overhead, median of paired differences | {per_call_ms(extra)} ms | < 1 ms |")
    print(f"| 200 calls one after another (50 ms server) | {sequential:.2f} s | |")
    print(f"| 200 calls at once through acomplete | {concurrent:.2f} s | |")
    print(f"| throughput gain | {sequential / concurrent:.1f}x | >= 10x |")


if __name__ == "__main__":
    main()
