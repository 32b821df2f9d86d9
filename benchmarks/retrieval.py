"""Retrieval: ingest throughput, query latency at scale, and answer quality.

Usage: python benchmarks/retrieval.py [--sizes 10000 100000] [--server]

- Ingest throughput of `copilot ingest`'s engine with the `local` embedder into embedded Chroma,
  on a corpus made of real text (Python standard library docstrings, the evaluation set's
  source) repeated with a numbered header per copy.
- Query latency p50/p95 of hybrid search (dense + BM25, fused) at each size, embedded and,
  with --server, through a `chroma run` server on loopback started by this script.
- Quality on the evaluation set (74 questions over 165 stdlib docstring chunks): hit@5 and
  MRR of dense, our BM25, hybrid, and the `rank-bm25` library's BM25Okapi side by side.
"""

from __future__ import annotations

import argparse
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rank_bm25 import BM25Okapi

from scaffolder.kit.retrieval.embedders import LocalEmbedder
from scaffolder.kit.retrieval.ingest import ingest
from scaffolder.kit.retrieval.retriever import Retriever
from scaffolder.kit.retrieval.store import VectorStore, connect
from scaffolder.kit.text import tokenize
from tests.kit.retrieval.test_eval import (
    DEPTH,
    corpus,
    evaluation_table,
    questions,
    score,
)

QUERIES = [question.text for question in questions()]


def write_corpus(root: Path, chunks: int) -> None:
    """`chunks` markdown sections of real docstring text, 100 per file."""
    texts = list(corpus().values())
    for file_index in range(0, chunks, 100):
        sections = [
            f"## Copy {n}\n\n{texts[n % len(texts)][:1200]}\n"
            for n in range(file_index, min(file_index + 100, chunks))
        ]
        (root / f"doc{file_index // 100:05}.md").write_text("\n".join(sections))


def latency(retriever: Retriever, repeats: int = 3) -> tuple[float, float]:
    retriever.search("warm up the index", k=5)
    samples = []
    for _ in range(repeats):
        for query in QUERIES:
            start = time.perf_counter()
            retriever.search(query, k=5)
            samples.append(time.perf_counter() - start)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95)]


def start_server(path: Path) -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    chroma = Path(sys.executable).with_name("chroma")
    process = subprocess.Popen(
        [str(chroma), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    for _ in range(300):
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return process, f"http://127.0.0.1:{port}"
        time.sleep(0.1)
    process.kill()
    raise RuntimeError("chroma run did not start")


def rank_bm25_score() -> tuple[float, float]:
    texts = corpus()
    ids = list(texts)
    library = BM25Okapi([tokenize(text) for text in texts.values()])

    def ranker(question: str) -> list[str]:
        scores = library.get_scores(tokenize(question))
        order = sorted(range(len(ids)), key=lambda i: -scores[i])[:DEPTH]
        return [ids[i] for i in order]

    result = score("rank-bm25", ranker)
    return result.hit_at_5, result.mrr


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000])
    parser.add_argument("--server", action="store_true", help="also measure server mode")
    options = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        for size in options.sizes:
            root = Path(scratch, f"corpus{size}")
            (root / "docs").mkdir(parents=True)
            write_corpus(root / "docs", size)
            modes = [("embedded", None)]
            server = None
            if options.server:
                server, url = start_server(Path(scratch, f"server{size}"))
                modes.append(("server", url))
            try:
                for mode, url in modes:
                    store = VectorStore(connect(url, Path(scratch, f"db{size}")), LocalEmbedder())
                    start = time.perf_counter()
                    report = ingest([root / "docs"], root, store)
                    seconds = time.perf_counter() - start
                    p50, p95 = latency(Retriever(store))
                    rows.append((size, mode, report.added / seconds, p50, p95))
            finally:
                if server is not None:
                    server.terminate()
                    server.wait(timeout=30)
    print(f"python benchmarks/retrieval.py --sizes {' '.join(map(str, options.sizes))}"
          f"{' --server' if options.server else ''}\n")  # fmt: skip
    print("| chunks | mode | ingest chunks/s | query p50 | query p95 |")
    print("| ---: | --- | ---: | ---: | ---: |")
    for size, mode, rate, p50, p95 in rows:
        print(f"| {size} | {mode} | {rate:.0f} | {p50 * 1000:.1f} ms | {p95 * 1000:.1f} ms |")
    print("\n| method (74 questions) | hit@5 | MRR |")
    print("| --- | ---: | ---: |")
    for entry in evaluation_table():
        print(f"| {entry.method} | {entry.hit_at_5:.3f} | {entry.mrr:.3f} |")
    hit, mrr = rank_bm25_score()
    print(f"| rank-bm25 (BM25Okapi, same tokenizer) | {hit:.3f} | {mrr:.3f} |")


if __name__ == "__main__":
    main()
