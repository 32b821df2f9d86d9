"""Guard overhead: every offline output guard on a 2 KB answer, per streamed chunk, and the
input guards on a question.

Usage: python benchmarks/guards.py [--rounds N]

The answer is ordinary product-help text with a few identifiers in it (so redaction has work to
do) and no blocked content (so every guard scans the whole text, the worst case for a pass).
Guards: a 40-entry team guard list, the offline content filter, redaction; input adds the size
limit, a keyword topic check and the injection heuristics. Targets: under 2 ms per 2 KB answer
with all offline guards; per-chunk cost is reported.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from functools import partial

from scaffolder.kit.safety.guardlist import GuardList
from scaffolder.kit.safety.guardrails import Guardrails
from scaffolder.kit.safety.topic import keyword_topics

PARAGRAPH = (
    "To share a dashboard, open it, choose Share and pick the people or teams who may view it. "
    "Viewers cannot edit queries; editors can. Exports run nightly at 02:00 UTC and land in "
    "the bucket you configured under Settings > Storage. If an export fails, Lumen retries "
    "five times with exponential backoff and then emails the workspace owner. "
)
IDENTIFIERS = (
    "For billing questions write to billing@lumen.example.com or call +44 20 7946 0958; the "
    "webhook host is 203.0.113.42 and the old token sk-proj-Q8xv2LmN4pR7tY1wZ3aB6cD9eF0gH5jK "
    "was revoked. "
)
TEAM_TERMS = [f"forbidden phrase {n}" for n in range(30)] + [
    "guaranteed returns", "risk free", "competitor x", "frobnicate", "darn", "heck",
    "acme rocket", "lifetime deal", "no questions asked", "best in the world",
]  # fmt: skip


def answer_text(size: int = 2048) -> str:
    text = IDENTIFIERS
    while len(text) < size:
        text += PARAGRAPH
    return text[:size]


def timed(call: Callable[[], object], rounds: int) -> list[float]:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1e3)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=500)
    parser.add_argument("--chunk", type=int, default=16, help="characters per streamed chunk")
    args = parser.parse_args()

    rails = Guardrails.offline(
        topic=keyword_topics(["lumen", "dashboard", "export", "billing"]),
        guard_lists=[GuardList("team", TEAM_TERMS)],
    )
    text = answer_text()
    question = "How do I share a Lumen dashboard with my team and export it every night? " * 6
    assert not rails.check_output(text).blocked

    def stream() -> list[float]:
        guard = rails.stream()
        per_chunk = []
        for start in range(0, len(text), args.chunk):
            began = time.perf_counter()
            guard.feed(text[start : start + args.chunk])
            per_chunk.append((time.perf_counter() - began) * 1e3)
        guard.finish()
        return per_chunk

    timed(lambda: rails.check_output(text), 50)  # warm up regex caches
    results = {
        "check_output, 2 KB, all offline guards": timed(
            lambda: rails.check_output(text), args.rounds
        ),
        **{
            f"  {type(guard).__name__} alone": timed(partial(guard.find, text), args.rounds)
            for guard in rails.stream_guards
        },
        f"check_input, {len(question)} chars": timed(
            lambda: rails.check_input(question), args.rounds
        ),
    }
    chunks = [sample for _ in range(max(1, args.rounds // 10)) for sample in stream()]
    results[f"stream, per {args.chunk}-char chunk"] = chunks
    whole = timed(lambda: stream(), max(1, args.rounds // 10))
    results["stream, whole 2 KB answer"] = whole

    print(f"{'measure':<44} {'median ms':>10} {'p95 ms':>8}")
    for name, samples in results.items():
        p95 = statistics.quantiles(samples, n=20)[-1]
        print(f"{name:<44} {statistics.median(samples):>10.3f} {p95:>8.3f}")


if __name__ == "__main__":
    main()
