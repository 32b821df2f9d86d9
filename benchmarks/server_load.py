"""How many chat requests per second the server handles, and at what latency.

Usage: python benchmarks/server_load.py [--requests N] [--clients C] [--max-seconds S]

The server runs in its own process (as `copilot serve` would), on loopback, in front of the
offline backend the server tests use: answers come from the kit's offline provider through
`LLM`, so the numbers measure the server and the kit, not a model. Then C concurrent
`httpx.AsyncClient` clients send N requests in all (stopping early after S seconds) to each
endpoint in turn; every response is read to the end. Reported per endpoint: requests per
second, p50/p95 latency (to the end of the response) and the error count.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.conftest import free_port

QUESTION = "How do I reset the lamp?"
Call = Callable[[httpx.AsyncClient], Awaitable[bool]]


def run_server(port: int) -> None:
    """The server process: the real app under uvicorn, rate limit out of the way."""
    import uvicorn

    from scaffolder.kit.safety.feedback import FeedbackStore
    from scaffolder.kit.server import create_app
    from scaffolder.kit.settings import CopilotSettings
    from tests.kit.server.backends import PassageBackend

    folder = Path(tempfile.mkdtemp())
    settings = CopilotSettings.load(folder, env_file=None, rate_limit_per_minute=10**9)
    feedback = FeedbackStore(folder / "feedback.jsonl")
    app = create_app(PassageBackend(), settings, feedback=feedback, name="bench")
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


async def chat_json(client: httpx.AsyncClient) -> bool:
    response = await client.post("/chat?stream=false", json={"message": QUESTION})
    return response.status_code == 200 and "[1]" in response.json()["text"]


async def chat_stream(client: httpx.AsyncClient) -> bool:
    async with client.stream("POST", "/chat", json={"message": QUESTION}) as response:
        body = "".join([text async for text in response.aiter_text()])
    return response.status_code == 200 and "event: reply" in body


async def openai_completion(client: httpx.AsyncClient) -> bool:
    body = {"model": "bench", "messages": [{"role": "user", "content": QUESTION}]}
    response = await client.post("/v1/chat/completions", json=body)
    return response.status_code == 200 and response.json()["object"] == "chat.completion"


async def healthz(client: httpx.AsyncClient) -> bool:
    response = await client.get("/healthz")
    return response.status_code == 200


@dataclass
class Result:
    name: str
    done: int
    errors: int
    seconds: float
    latencies: list[float]

    def row(self) -> str:
        cuts = statistics.quantiles(self.latencies, n=100) if len(self.latencies) > 1 else [0] * 99
        return (
            f"| {self.name} | {self.done} | {self.done / self.seconds:.0f} | "
            f"{cuts[49] * 1000:.1f} | {cuts[94] * 1000:.1f} | {self.errors} |"
        )


async def load(
    url: str, name: str, call: Call, requests: int, clients: int, limit: float
) -> Result:
    """`clients` workers, each with its own AsyncClient (one keep-alive connection), sending
    requests in a row until `requests` are sent or `limit` seconds pass. Clients are built and
    connected before the clock starts: building one loads the TLS trust store, which would
    otherwise block the event loop and show up as server latency."""
    pool = [httpx.AsyncClient(base_url=url, timeout=60) for _ in range(clients)]
    await asyncio.gather(*(client.get("/healthz") for client in pool))
    remaining = requests
    latencies: list[float] = []
    errors = 0
    started = time.perf_counter()
    deadline = started + limit

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal remaining, errors
        while remaining > 0 and time.perf_counter() < deadline:
            remaining -= 1
            begun = time.perf_counter()
            try:
                ok = await call(client)
            except httpx.HTTPError:
                ok = False
            latencies.append(time.perf_counter() - begun)
            errors += not ok

    try:
        await asyncio.gather(*(worker(client) for client in pool))
        elapsed = time.perf_counter() - started
    finally:
        await asyncio.gather(*(client.aclose() for client in pool))
    return Result(name, len(latencies), errors, elapsed, latencies)


def wait_until_up(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(f"{url}/healthz").status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise SystemExit("the server did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000, help="per endpoint")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--max-seconds", type=float, default=60.0, help="per endpoint")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        run_server(args.serve)
        return
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, __file__, "--serve", str(port)]
    server = subprocess.Popen(command, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        wait_until_up(url, server)
        scenarios: list[tuple[str, Call]] = [
            ("GET /healthz", healthz),
            ("POST /chat (JSON)", chat_json),
            ("POST /chat (SSE stream)", chat_stream),
            ("POST /v1/chat/completions", openai_completion),
        ]
        asyncio.run(load(url, "warm-up", chat_json, 100, args.clients, 30))
        print(f"{args.clients} concurrent clients, up to {args.requests} requests per endpoint\n")
        print("| endpoint | requests | req/s | p50 ms | p95 ms | errors |")
        print("| --- | ---: | ---: | ---: | ---: | ---: |")
        for name, call in scenarios:
            result = asyncio.run(
                load(url, name, call, args.requests, args.clients, args.max_seconds)
            )
            print(result.row(), flush=True)
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
