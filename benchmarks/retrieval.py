"""Retrieval: ingest throughput, query latency at scale, and answer quality.

Usage: python benchmarks/retrieval.py [--sizes 10000 100000] [--server]

- Ingest throughput of `copilot ingest`'s engine with the `local` embedder into embedded Chroma,
  on a corpus made of real text (Python standard library docstrings, the evaluation set's
  source) repeated with a numbered header per copy.
- Query latency p50/p95 of hybrid search (dense + BM25, fused) at each size, embedded and,
  with --server, through a `chroma run` server on loopback started by this script, and the
  first query of a new process (a fresh `Retriever`, which loads the BM25 side).
- Quality on the evaluation set (118 questions over 165 stdlib docstring chunks, see
  tests/kit/retrieval/test_eval.py): hit@5 and MRR of dense (`local` and MiniLM vectors),
  our BM25, hybrid, rank fusion, and the `rank-bm25` library's BM25Okapi side by side, on
  all questions and per kind.
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


def first_query(store: VectorStore, index_dir: Path) -> tuple[float, float]:
    """Seconds for a new process's first search, what each `copilot search` pays: right after
    an ingest (BM25 side built from every chunk, then saved) and later (the saved side loaded)."""
    timings = []
    for _ in range(2):
        start = time.perf_counter()
        Retriever(store, index_dir=index_dir).search("how do I read a file", k=5)
        timings.append(time.perf_counter() - start)
    return timings[0], timings[1]


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


def rank_bm25_score(kind: str | None = None) -> tuple[float, float]:
    texts = corpus()
    ids = list(texts)
    library = BM25Okapi([tokenize(text) for text in texts.values()])

    def ranker(question: str) -> list[str]:
        scores = library.get_scores(tokenize(question))
        order = sorted(range(len(ids)), key=lambda i: -scores[i])[:DEPTH]
        return [ids[i] for i in order]

    result = score("rank-bm25", ranker, kind)
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
                    built, loaded = first_query(store, Path(scratch, f"bm25-{size}-{mode}"))
                    p50, p95 = latency(Retriever(store))
                    rows.append((size, mode, report.added / seconds, built, loaded, p50, p95))
            finally:
                if server is not None:
                    server.terminate()
                    server.wait(timeout=30)
    print(f"python benchmarks/retrieval.py --sizes {' '.join(map(str, options.sizes))}"
          f"{' --server' if options.server else ''}\n")  # fmt: skip
    print(
        "| chunks | mode | ingest chunks/s | first query after ingest | first query later "
        "| query p50 | query p95 |"
    )
    print("| ---: | --- | ---: | ---: | ---: | ---: | ---: |")
    for size, mode, rate, built, loaded, p50, p95 in rows:
        print(
            f"| {size} | {mode} | {rate:.0f} | {built * 1000:.0f} ms | {loaded * 1000:.0f} ms "
            f"| {p50 * 1000:.1f} ms | {p95 * 1000:.1f} ms |"
        )
    kinds = ("paraphrase", "keyword")
    counts = {kind: sum(q.kind == kind for q in questions()) for kind in kinds}
    tables = [evaluation_table(), *(evaluation_table(kind) for kind in kinds)]
    header = f"all {len(questions())}", *(f"{kind} {counts[kind]}" for kind in kinds)
    print("\n| method | " + " | ".join(f"{h} hit@5 | MRR" for h in header) + " |")
    print("| --- |" + " ---: | ---: |" * len(header))
    for row in zip(*tables, strict=True):
        cells = " | ".join(f"{entry.hit_at_5:.3f} | {entry.mrr:.3f}" for entry in row)
        print(f"| {row[0].method} | {cells} |")
    library = [rank_bm25_score(kind) for kind in (None, *kinds)]
    cells = " | ".join(f"{hit:.3f} | {mrr:.3f}" for hit, mrr in library)
    print(f"| rank-bm25 (BM25Okapi, same tokenizer) | {cells} |")


if __name__ == "__main__":
    main()
