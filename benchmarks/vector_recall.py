"""How exact, and how repeatable, the vector side of retrieval is: the same documents indexed
several times, the same questions asked of each index.

Usage: python benchmarks/vector_recall.py --docs FOLDER --questions FILE.jsonl [--builds 3] [--k 8]
[--pool N]

Each build is `copilot ingest` of FOLDER into a new embedded Chroma store (the kit's HNSW
settings, the offline `local` embeddings), in a scratch folder. For every question of FILE (a
JSONL file with a "question" field, as `benchmarks/answerability/*.jsonl`), the k nearest
chunks Chroma returns (the first k of `--pool` asked for, k by default; the retriever asks for
32 and fuses the first 16) are compared with the exact k nearest by cosine (numpy over every
stored vector) and with the first build's. Reported: recall@k against the exact neighbours
per build, and in how many questions a build's k nearest differ from the first build's.

Why: an HNSW graph is approximate and built with randomness, so two indexes of the same
documents can return different neighbours. `copilot adapt` checks its suites against an index
it builds in a scratch copy of the project, and a generated project's CI indexes data/ again:
what this measures is how much their vector results can differ from the index the team has.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scaffolder.kit.retrieval.embedders import LocalEmbedder
from scaffolder.kit.retrieval.ingest import ingest
from scaffolder.kit.retrieval.store import VectorStore, connect


def nearest_of_one_build(
    docs: Path, questions: list[str], k: int, pool: int
) -> tuple[list[set[str]], ...]:
    """(Chroma's k nearest chunk texts, the exact k nearest) per question, for one new index."""
    scratch = Path(tempfile.mkdtemp(prefix="vector-recall-"))
    try:
        shutil.copytree(docs, scratch / "data")
        store = VectorStore(connect(None, scratch / "chroma"), LocalEmbedder())
        ingest([scratch / "data"], scratch, store)
        collection = store.snapshot().collection
        assert collection is not None
        embedder = LocalEmbedder()
        vectors = embedder.embed(questions)
        found = collection.query(query_embeddings=vectors, n_results=pool, include=["documents"])
        approximate = [set(texts[:k]) for texts in found["documents"] or []]
        everything = collection.get(include=["documents", "embeddings"])
        stored = np.asarray(everything["embeddings"], dtype=float)
        stored /= np.linalg.norm(stored, axis=1, keepdims=True) + 1e-12
        asked = np.asarray(vectors, dtype=float)
        asked /= np.linalg.norm(asked, axis=1, keepdims=True) + 1e-12
        texts = everything["documents"] or []
        exact = [
            {texts[i] for i in np.argsort(-row, kind="stable")[:k]} for row in asked @ stored.T
        ]
        return approximate, exact
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=Path, required=True)
    parser.add_argument("--questions", type=Path, required=True)
    parser.add_argument("--builds", type=int, default=3)
    parser.add_argument("--k", type=int, default=8)
    parser.add_argument("--pool", type=int, default=0, help="how many to ask for (default: k)")
    args = parser.parse_args()
    pool = max(args.pool, args.k)
    lines = args.questions.read_text(encoding="utf-8").splitlines()
    questions = [json.loads(line)["question"] for line in lines if line.strip()]
    builds = [nearest_of_one_build(args.docs, questions, args.k, pool) for _ in range(args.builds)]
    first = builds[0][0]
    print(
        f"{len(questions)} questions, {args.builds} builds of {args.docs}, k={args.k}, pool={pool}"
    )
    print("| build | recall@k against exact | questions whose k nearest differ from build 1 |")
    print("| ---: | ---: | ---: |")
    for number, (approximate, exact) in enumerate(builds, start=1):
        recall = sum(len(a & e) for a, e in zip(approximate, exact, strict=True))
        differ = sum(a != f for a, f in zip(approximate, first, strict=True))
        print(f"| {number} | {recall / (args.k * len(questions)):.3f} | {differ} |")


if __name__ == "__main__":
    main()
