"""What `copilot bench run` buys through concurrency, and what the runner costs per case.

Usage: python benchmarks/bench_runner.py [--cases N] [--latency S] [--overhead-cases N]

Everything runs on this machine: the loopback OpenAI-compatible server the tests use (real
`openai` SDK, real HTTP) and the offline provider. Measured side by side in one run:

1. throughput: N cases (default 1000) against a server taking 50 ms per request, run with
   concurrency 1 and with concurrency 32, cache off (target: at least 20x);
2. runner overhead: the same cases through `run_suite` (concurrency 1, offline provider,
   cache off, grading with `contains`) vs awaiting the same model calls directly, in
   alternating rounds; the median per-case difference is the overhead (target < 2 ms).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scaffolder.kit.bench.graders import known_graders
from scaffolder.kit.bench.results import Variant
from scaffolder.kit.bench.runner import RunOptions, run_suite
from scaffolder.kit.bench.suite import Suite, load_suite
from scaffolder.kit.bench.targets import ChatTarget
from scaffolder.kit.llm.client import LLM
from scaffolder.kit.llm.providers.offline import OfflineProvider
from scaffolder.kit.llm.providers.openai_provider import OpenAIConfig, OpenAIProvider
from scaffolder.kit.llm.types import AnswerTask, ChatRequest, Message
from tests.kit.bench.conftest import echo_cases, write_cases
from tests.kit.llm.fault_server import FaultServer


def suite_of(cases: int, folder: Path) -> Suite:
    return load_suite(write_cases(folder / "bench.jsonl", echo_cases(cases)), known_graders())


async def timed_run(llm: LLM, suite: Suite, concurrency: int) -> float:
    start = time.perf_counter()
    result = await run_suite(
        llm, suite, [(Variant(), ChatTarget())], RunOptions(concurrency=concurrency)
    )
    elapsed = time.perf_counter() - start
    errors = [case.error for case in result.cases if case.error]
    if errors:
        raise SystemExit(f"{len(errors)} cases failed, first: {errors[0]}")
    return elapsed


async def direct_calls(llm: LLM, suite: Suite) -> float:
    start = time.perf_counter()
    for case in suite.cases:
        await llm.acomplete(
            ChatRequest(messages=(Message("user", case.text),), task=AnswerTask(question=case.text))
        )
    return time.perf_counter() - start


async def both_ways(llm: LLM, suite: Suite) -> tuple[float, float]:
    """Sequential and concurrent runs in one event loop (the SDK's async client is bound to
    the loop it first ran in)."""
    concurrent = await timed_run(llm, suite, 32)
    sequential = await timed_run(llm, suite, 1)
    return sequential, concurrent


def throughput(cases: int, latency: float, folder: Path) -> tuple[float, float]:
    server = FaultServer(latency=latency).start()
    try:
        config = OpenAIConfig(
            kind="openai-compatible", chat_model="gpt-4o-mini", embedding_model="e",
            api_key="sk-bench", base_url=server.url, timeout=60,
        )  # fmt: skip
        llm = LLM(OpenAIProvider(config), cache=None)
        suite = suite_of(cases, folder)
        return asyncio.run(both_ways(llm, suite))
    finally:
        server.stop()


def overhead(cases: int, rounds: int, folder: Path) -> tuple[float, float]:
    """Median per-case ms of (runner, direct) over alternating rounds."""
    llm = LLM(OfflineProvider(), cache=None)
    suite = suite_of(cases, folder)
    runner, direct = [], []
    for _ in range(rounds):
        runner.append(asyncio.run(timed_run(llm, suite, 1)) / cases * 1000)
        direct.append(asyncio.run(direct_calls(llm, suite)) / cases * 1000)
    return statistics.median(runner), statistics.median(direct)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--overhead-cases", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        runner_ms, direct_ms = overhead(args.overhead_cases, args.rounds, folder)
        sequential, concurrent = throughput(args.cases, args.latency, folder)
    print("| measure | result | target |")
    print("| --- | --- | --- |")
    print(f"| {args.cases} cases, concurrency 1 ({args.latency * 1000:.0f} ms server) "
          f"| {sequential:.2f} s | |")  # fmt: skip
    print(f"| {args.cases} cases, concurrency 32 | {concurrent:.2f} s | |")
    print(f"| throughput gain | {sequential / concurrent:.1f}x | >= 20x |")
    print(f"| direct offline call, per case | {direct_ms:.3f} ms | |")
    print(f"| through run_suite (graded), per case | {runner_ms:.3f} ms | |")
    print(f"| runner overhead per case | {runner_ms - direct_ms:.3f} ms | < 2 ms |")


if __name__ == "__main__":
    main()
