"""What `copilot bench run` buys through concurrency, and what the runner costs per case.

Usage: python benchmarks/bench_runner.py [--cases N] [--latency S] [--overhead-cases N]
           [--promptfoo PATH [--node NODE] [--compare-rounds R]]

Everything runs on this machine: the loopback OpenAI-compatible server the tests use (real
`openai` SDK, real HTTP) and the offline provider. Measured side by side in one run:

1. throughput: N cases (default 1000) against a server taking 50 ms per request, run with
   concurrency 1 and with concurrency 32, cache off (target: at least 20x);
2. runner overhead: the same cases through `run_suite` (concurrency 1, offline provider,
   cache off, grading with `contains`) vs awaiting the same model calls directly, in
   alternating rounds; the median per-case difference is the overhead (target < 2 ms);
3. with `--promptfoo` (an npm install prefix, promptfoo's package folder or its entry script;
   promptfoo 0.123 needs Node >= 22.22, give it with `--node`): the same N cases against one
   fresh 50 ms server through our runner and through `promptfoo eval` (`openai:chat` provider
   pointed at the server, `contains` assertions), both at concurrency 32 with caches off, in
   alternating order round by round; then each tool once more with its own cache, run twice,
   counting the requests the server sees on the re-run. promptfoo runs with telemetry, update
   checks, sharing and remote generation off, its config and cache in a temporary folder, and
   every proxy variable pointing at a loopback port nothing listens on (`NO_PROXY` spares the
   server), so whatever it still tries to send elsewhere fails at once on this machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scaffolder.kit.bench.graders import known_graders
from scaffolder.kit.bench.results import Variant
from scaffolder.kit.bench.runner import RunOptions, run_suite
from scaffolder.kit.bench.suite import Suite, load_suite
from scaffolder.kit.bench.targets import ChatTarget
from scaffolder.kit.llm.cache import ResponseCache
from scaffolder.kit.llm.client import LLM
from scaffolder.kit.llm.providers.offline import OfflineProvider
from scaffolder.kit.llm.providers.openai_provider import OpenAIConfig, OpenAIProvider
from scaffolder.kit.llm.types import AnswerTask, ChatRequest, Message
from tests.kit.bench.conftest import CountingServer, echo_cases, write_cases
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


class TimedServer(CountingServer):
    """The counting server, also recording when a run's first request arrived and its last
    answer went out: the span both tools spend on the wire, without process start-up."""

    first = 0.0
    last = 0.0

    def start(self) -> TimedServer:
        super().start()
        base = self._server.RequestHandlerClass
        timed = self

        class Timed(base):  # type: ignore[valid-type, misc]
            def do_POST(self) -> None:
                with timed.lock:
                    timed.first = timed.first or time.perf_counter()
                try:
                    super().do_POST()
                finally:
                    with timed.lock:
                        timed.last = time.perf_counter()

        self._server.RequestHandlerClass = Timed
        return self

    def reset(self) -> None:
        with self.lock:
            self.requests.clear()
            self.paths.clear()
            self.max_in_flight = 0
            self.first = self.last = 0.0


@dataclass(frozen=True)
class Run:
    wall: float  # seconds the user waits: run_suite in-process, or the whole promptfoo process
    span: float  # first request in to last answer out, at the server (0 when none came)
    requests: int
    peak: int  # most requests in flight at once
    passed: int


def observed(server: TimedServer, wall: float, passed: int) -> Run:
    span = server.last - server.first if server.first else 0.0
    return Run(wall, span, server.count, server.max_in_flight, passed)


def server_provider(server: TimedServer) -> OpenAIProvider:
    config = OpenAIConfig(
        kind="openai-compatible", chat_model="gpt-4o-mini", embedding_model="e",
        api_key="sk-bench", base_url=server.url, timeout=60,
    )  # fmt: skip
    return OpenAIProvider(config)


def ours(server: TimedServer, suite: Suite, cache: ResponseCache | None) -> Run:
    async def run() -> tuple[float, int]:
        # A fresh client per event loop (the SDK's async client is bound to its first loop),
        # closed before the loop ends.
        provider, targets = server_provider(server), [(Variant(), ChatTarget())]
        start = time.perf_counter()
        result = await run_suite(
            LLM(provider, cache=cache), suite, targets, RunOptions(concurrency=32)
        )
        elapsed = time.perf_counter() - start
        await provider.async_client.close()
        return elapsed, sum(case.passed for case in result.cases)

    server.reset()
    wall, passed = asyncio.run(run())
    return observed(server, wall, passed)


@dataclass(frozen=True)
class Promptfoo:
    """How to start promptfoo here, and a refused loopback port to send its stray calls to."""

    command: list[str]
    trap: socket.socket

    @classmethod
    def find(cls, path: Path, node: str) -> Promptfoo:
        for entry in (
            path / "node_modules" / "promptfoo" / "dist" / "src" / "entrypoint.js",
            path / "dist" / "src" / "entrypoint.js",
            path,
        ):
            if entry.is_file():
                trap = socket.socket()  # bound, never listening: connections are refused
                trap.bind(("127.0.0.1", 0))
                return cls([node, str(entry)], trap)
        raise SystemExit(f"no promptfoo entry script under {path}")

    def env(self, home: Path, cache: Path, url: str) -> dict[str, str]:
        trap = f"http://127.0.0.1:{self.trap.getsockname()[1]}"
        proxies = {
            name: trap
            for base in ("https_proxy", "http_proxy", "all_proxy")
            for name in (base, base.upper())
        }
        return {
            **os.environ,
            **proxies,
            "no_proxy": "127.0.0.1,localhost",
            "NO_PROXY": "127.0.0.1,localhost",
            "HOME": str(home),
            "PROMPTFOO_CONFIG_DIR": str(home / "promptfoo"),
            "PROMPTFOO_CACHE_PATH": str(cache),
            "PROMPTFOO_DISABLE_TELEMETRY": "1",
            "PROMPTFOO_DISABLE_UPDATE": "1",
            "PROMPTFOO_DISABLE_SHARING": "1",
            "PROMPTFOO_DISABLE_REMOTE_GENERATION": "1",
            "PROMPTFOO_DISABLE_REDTEAM_REMOTE_GENERATION": "1",
            "OPENAI_API_KEY": "sk-bench",
            "OPENAI_BASE_URL": url,
        }

    def version(self, folder: Path) -> tuple[str, float]:
        """promptfoo's version, and how long a process doing nothing else takes."""
        home = folder / "pf-version"
        home.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        done = subprocess.run(
            [*self.command, "--version"], env=self.env(home, home / "cache", "http://127.0.0.1:1/v1"),
            capture_output=True, text=True,
        )  # fmt: skip
        elapsed = time.perf_counter() - start
        if done.returncode:
            raise SystemExit(f"promptfoo cannot start here: {(done.stdout + done.stderr).strip()}")
        return done.stdout.strip(), elapsed


def promptfoo_project(cases: int, folder: Path, server: TimedServer) -> Path:
    """The same cases as `suite_of`: prompt is the input, `contains` the reference. JSON is
    YAML, so no YAML writer is needed."""
    folder.mkdir(parents=True, exist_ok=True)
    tests = [
        {"vars": {"input": case["input"]}, "assert": [{"type": "contains", "value": reference}]}
        for case in echo_cases(cases)
        for reference in case["references"][:1]
    ]
    (folder / "tests.yaml").write_text(json.dumps(tests), encoding="utf-8")
    config = {
        "description": "bench_runner side by side",
        "prompts": ["{{input}}"],
        "providers": [
            {
                "id": "openai:chat:gpt-4o-mini",
                "config": {"apiBaseUrl": server.url, "apiKey": "sk-bench"},
            }
        ],
        "tests": "file://tests.yaml",
        "sharing": False,
    }
    path = folder / "promptfooconfig.yaml"
    path.write_text(json.dumps(config), encoding="utf-8")
    return path


def promptfoo_run(
    tool: Promptfoo, config: Path, server: TimedServer, home: Path, cache: Path | None
) -> tuple[Run, float]:
    """One `promptfoo eval` process; also promptfoo's own evaluation time in seconds."""
    home.mkdir(parents=True, exist_ok=True)
    output = home / "results.json"
    command = [
        *tool.command, "eval", "-c", str(config), "--max-concurrency", "32",
        "--no-table", "--no-progress-bar", "--no-share", "-o", str(output),
    ]  # fmt: skip
    if cache is None:
        command.append("--no-cache")
    env = tool.env(home, cache or home / "unused-cache", server.url)
    server.reset()
    start = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=config.parent, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if not output.is_file():
        raise SystemExit(f"promptfoo eval failed ({done.returncode}): {done.stderr[-2000:]}")
    stats = json.loads(output.read_text(encoding="utf-8"))["results"]["stats"]
    if stats["errors"]:
        raise SystemExit(f"promptfoo: {stats['errors']} errors: {done.stdout[-2000:]}")
    return observed(server, wall, stats["successes"]), stats.get("durationMs", 0) / 1000


@dataclass(frozen=True)
class SideBySide:
    version: str
    startup: float
    ours: list[Run]
    promptfoo: list[Run]
    promptfoo_own: list[float]
    ours_cached: tuple[Run, Run]
    promptfoo_cached: tuple[Run, Run]


def side_by_side(
    cases: int, latency: float, tool: Promptfoo, rounds: int, folder: Path
) -> SideBySide:
    version, startup = tool.version(folder)
    server = TimedServer(latency=latency).start()
    try:
        suite = suite_of(cases, folder)
        config = promptfoo_project(cases, folder / "promptfoo-project", server)
        mine: list[Run] = []
        theirs: list[Run] = []
        own: list[float] = []
        for index in range(rounds):
            home = folder / f"pf-round-{index}"
            order = ["ours", "promptfoo"] if index % 2 == 0 else ["promptfoo", "ours"]
            for name in order:
                if name == "ours":
                    mine.append(ours(server, suite, None))
                else:
                    run, seconds = promptfoo_run(tool, config, server, home, None)
                    theirs.append(run)
                    own.append(seconds)
        with ResponseCache(folder / "ours-cache.sqlite3") as cache:
            ours_cached = (ours(server, suite, cache), ours(server, suite, cache))
        pf_cache = folder / "pf-cache"
        pf_cached = (
            promptfoo_run(tool, config, server, folder / "pf-cached-1", pf_cache)[0],
            promptfoo_run(tool, config, server, folder / "pf-cached-2", pf_cache)[0],
        )
        return SideBySide(version, startup, mine, theirs, own, ours_cached, pf_cached)
    finally:
        server.stop()
        tool.trap.close()


def print_side_by_side(cases: int, rounds: int, result: SideBySide) -> None:
    def median(runs: list[Run], field: str) -> float:
        return statistics.median(getattr(run, field) for run in runs)

    ours_wall, pf_wall = median(result.ours, "wall"), median(result.promptfoo, "wall")
    ours_span, pf_span = median(result.ours, "span"), median(result.promptfoo, "span")
    (ours_first, ours_again), (pf_first, pf_again) = result.ours_cached, result.promptfoo_cached
    print()
    print(f"promptfoo {result.version}, {cases} cases, concurrency 32, median of {rounds} "
          "alternating rounds")  # fmt: skip
    print()
    print("| measure | ours | promptfoo | promptfoo / ours |")
    print("| --- | ---: | ---: | ---: |")
    print(f"| wall time, cache off | {ours_wall:.2f} s | {pf_wall:.2f} s "
          f"| {pf_wall / ours_wall:.1f}x |")  # fmt: skip
    print(f"| server span (first request to last answer) | {ours_span:.2f} s | {pf_span:.2f} s "
          f"| {pf_span / ours_span:.1f}x |")  # fmt: skip
    print(f"| promptfoo's own eval duration | | "
          f"{statistics.median(result.promptfoo_own):.2f} s | |")  # fmt: skip
    print(f"| promptfoo --version process (start-up floor) | | {result.startup:.2f} s | |")
    print(f"| requests at the server, cache off (each round) "
          f"| {'/'.join(str(r.requests) for r in result.ours)} "
          f"| {'/'.join(str(r.requests) for r in result.promptfoo)} | |")  # fmt: skip
    print(f"| most requests in flight | {max(r.peak for r in result.ours)} "
          f"| {max(r.peak for r in result.promptfoo)} | |")  # fmt: skip
    print(f"| cases passed (each round) | {'/'.join(str(r.passed) for r in result.ours)} "
          f"| {'/'.join(str(r.passed) for r in result.promptfoo)} | |")  # fmt: skip
    print(f"| cache on, first run: requests / wall | {ours_first.requests} / "
          f"{ours_first.wall:.2f} s | {pf_first.requests} / {pf_first.wall:.2f} s "
          f"| {pf_first.wall / ours_first.wall:.1f}x |")  # fmt: skip
    print(f"| cache on, re-run: requests / wall | {ours_again.requests} / "
          f"{ours_again.wall:.2f} s | {pf_again.requests} / {pf_again.wall:.2f} s "
          f"| {pf_again.wall / ours_again.wall:.1f}x |")  # fmt: skip
    print(f"| cases passed on re-run | {ours_again.passed} | {pf_again.passed} | |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--overhead-cases", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--promptfoo", type=Path, help="promptfoo install prefix, package folder or entry script"
    )
    parser.add_argument("--node", default="node", help="Node.js binary to run promptfoo with")
    parser.add_argument("--compare-rounds", type=int, default=3)
    parser.add_argument(
        "--only-compare", action="store_true", help="skip the throughput and overhead rows"
    )
    args = parser.parse_args()
    tool = Promptfoo.find(args.promptfoo, args.node) if args.promptfoo else None
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        compared = None
        if tool is not None:
            compared = side_by_side(args.cases, args.latency, tool, args.compare_rounds, folder)
        if args.only_compare:
            if compared is not None:
                print_side_by_side(args.cases, args.compare_rounds, compared)
            return
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
    if compared is not None:
        print_side_by_side(args.cases, args.compare_rounds, compared)


if __name__ == "__main__":
    main()
