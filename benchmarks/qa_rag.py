"""The qa-rag template as a user runs it: answer latency, server load, and new-to-green time.

Usage: python benchmarks/qa_rag.py [--sizes 1000 10000] [--requests 500] [--clients 50]
                                   [--skip-setup]

1. `ask` latency, offline: a qa-rag project (the template's skills, prompts and sample
   documents) whose index is grown to each size with real text (standard-library docstrings,
   as in benchmarks/retrieval.py); p50/p95 of a whole turn (guards, routing, retrieval, the
   answer prompt, the offline provider, citation checks) in one process, and of the
   `copilot ask` command as a new process (what a user waits for at the prompt).
2. Server load: the same project's copilot behind `create_app` in its own process, 50
   concurrent clients on loopback (bounded count and time): requests per second, p50/p95,
   errors.
3. New to green: `copilot new qa-rag bot --defaults --setup` (a fresh virtualenv with the kit
   installed from this checkout), then the project's tests in that virtualenv; seconds each.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx

from benchmarks.retrieval import write_corpus
from benchmarks.server_load import load, wait_until_up
from tests.conftest import QA_PYPROJECT, TEMPLATES, add_package, free_port, project_copilot

QUESTIONS = [
    "Why does my lamp blink three times?",
    "How do I reset the lamp to factory settings?",
    "How long is the warranty?",
    "How many scenes can I save?",
    "Does the lamp support 5 GHz Wi-Fi?",
]
COPILOT = Path(sys.executable).with_name("copilot")


def make_project(root: Path, chunks: int) -> Path:
    """A qa-rag project from the template folders, its index grown to about `chunks`."""
    from scaffolder.kit.retrieval.ingest import ingest
    from scaffolder.kit.retrieval.store import open_store
    from scaffolder.kit.settings import CopilotSettings

    root.mkdir(parents=True)
    for folder in ("skills", "prompts", "data"):
        shutil.copytree(TEMPLATES / "qa_rag" / folder, root / folder)
    add_package(root, "qa_rag", "lumenbot")
    (root / "pyproject.toml").write_text(QA_PYPROJECT)
    write_corpus(root / "data", max(chunks - 20, 0))
    settings = CopilotSettings.load(root, env_file=None)
    ingest([root / "data"], root, open_store(settings, root))
    return root


def percentiles(samples: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(samples, n=100)
    return cuts[49] * 1000, cuts[94] * 1000


def turn_latency(root: Path, rounds: int) -> tuple[float, float]:
    copilot = project_copilot(root)
    copilot.ask("warm up")
    samples = []
    for _ in range(rounds):
        for question in QUESTIONS:
            started = time.perf_counter()
            copilot.ask(question)
            samples.append(time.perf_counter() - started)
    return percentiles(samples)


def command_latency(root: Path, rounds: int) -> tuple[float, float]:
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        subprocess.run(
            [str(COPILOT), "ask", QUESTIONS[0]], cwd=root, check=True, capture_output=True
        )
        samples.append(time.perf_counter() - started)
    return percentiles(samples)


async def chat_json(client: httpx.AsyncClient) -> bool:
    response = await client.post("/chat?stream=false", json={"message": QUESTIONS[0]})
    return response.status_code == 200 and response.json()["skill"] == "answer"


async def chat_stream(client: httpx.AsyncClient) -> bool:
    async with client.stream("POST", "/chat", json={"message": QUESTIONS[0]}) as response:
        body = "".join([text async for text in response.aiter_text()])
    return response.status_code == 200 and "event: reply" in body


async def openai_completion(client: httpx.AsyncClient) -> bool:
    body = {"model": "bench", "messages": [{"role": "user", "content": QUESTIONS[0]}]}
    response = await client.post("/v1/chat/completions", json=body)
    return (
        response.status_code == 200
        and "current" in response.json()["choices"][0]["message"]["content"]
    )


def serve_project(root: Path, port: int) -> None:
    """The server process: the project's copilot, rate limit out of the way."""
    import uvicorn

    from scaffolder.kit.server import create_app
    from scaffolder.kit.settings import CopilotSettings

    settings = CopilotSettings.load(root, env_file=None, rate_limit_per_minute=10**9)
    app = create_app(project_copilot(root, rate_limit_per_minute=10**9), settings, name="bench")
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def server_load(root: Path, requests: int, clients: int) -> list[str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(root), "--port", str(port)],
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)},
    )
    try:
        wait_until_up(url, process)
        calls = [
            ("POST /chat (JSON)", chat_json),
            ("POST /chat (SSE)", chat_stream),
            ("POST /v1/chat/completions", openai_completion),
        ]
        return [
            asyncio.run(load(url, name, call, requests, clients, 60.0)).row()
            for name, call in calls
        ]
    finally:
        process.terminate()
        process.wait(timeout=30)


def new_to_green(scratch: Path) -> tuple[float, float, str]:
    started = time.perf_counter()
    subprocess.run(
        [str(COPILOT), "new", "qa-rag", "bot", "--defaults", "--setup"],
        cwd=scratch, check=True, capture_output=True,
    )  # fmt: skip
    created = time.perf_counter() - started
    project = scratch / "bot"
    started = time.perf_counter()
    tests = subprocess.run(
        [str(project / ".venv" / "bin" / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=project, capture_output=True, text=True,
    )  # fmt: skip
    tested = time.perf_counter() - started
    summary = tests.stdout.strip().splitlines()[-1] if tests.stdout.strip() else tests.stderr
    return created, tested, summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--requests", type=int, default=500, help="per endpoint")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--skip-setup", action="store_true", help="skip new-to-green")
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.serve:
        serve_project(options.serve, options.port)
        return
    os.environ["COPILOT_PROVIDER"] = "offline"
    with tempfile.TemporaryDirectory() as scratch:
        print("| chunks | turn p50 | turn p95 | `copilot ask` p50 | `copilot ask` p95 |")
        print("| ---: | ---: | ---: | ---: | ---: |")
        projects = {}
        for size in options.sizes:
            root = make_project(Path(scratch, f"bot{size}"), size)
            projects[size] = root
            turn = turn_latency(root, options.rounds)
            command = command_latency(root, max(3, options.rounds // 2))
            print(
                f"| {size} | {turn[0]:.1f} ms | {turn[1]:.1f} ms | {command[0]:.0f} ms "
                f"| {command[1]:.0f} ms |"
            )
        print(f"\nServer, {options.clients} clients, {options.requests} requests per endpoint:\n")
        print("| endpoint | requests | req/s | p50 ms | p95 ms | errors |")
        print("| --- | ---: | ---: | ---: | ---: | ---: |")
        for row in server_load(projects[options.sizes[0]], options.requests, options.clients):
            print(row)
        if not options.skip_setup:
            created, tested, summary = new_to_green(Path(scratch))
            print(
                f"\n`copilot new qa-rag bot --defaults --setup`: {created:.1f} s; "
                f"its tests: {tested:.1f} s ({summary})"
            )


if __name__ == "__main__":
    main()
