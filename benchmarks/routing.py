"""How long routing takes per turn with local embeddings, and how often it needs the LLM.

Usage: python benchmarks/routing.py [--turns N]

1. latency: a router over 20 synthetic intents with 10 examples each (200 examples) routes
   N turns (new requests and follow-ups, with context); reported as p50/p95/max per turn,
   for `Router.route` whole (offline LLM fallback included when it triggers) and for the
   part every turn pays: embedding the turn and scoring it against the example matrix.
   Target: p95 under 5 ms;
2. fallback rate: the example routing suite of the tests (4 skills, follow-up
   conversations, out-of-scope requests), routed with the offline provider: accuracy and the
   share of turns the LLM fallback decided.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scaffolder.kit.llm.client import LLM
from scaffolder.kit.llm.cost import CostLedger, PriceTable
from scaffolder.kit.llm.providers.offline import OfflineProvider
from scaffolder.kit.routing import (
    Router,
    RoutingContext,
    Skill,
    SkillReply,
    SkillRequest,
    SkillSet,
    evaluate_routing,
    load_routing_suite,
    load_skills,
    local_embedder,
)
from tests.kit.routing.conftest import EXAMPLE_SKILLS, ROUTING_SUITE

TOPICS = (
    "invoice billing payment", "password login account", "shipping delivery parcel",
    "refund return order", "printer driver setup", "calendar meeting invite",
    "vpn network connection", "backup restore files", "email mailbox quota",
    "database query index", "laptop battery charging", "license activation key",
    "report dashboard chart", "translation language locale", "security phishing alert",
    "deployment release pipeline", "storage disk space", "keyboard shortcut settings",
    "subscription plan upgrade", "api token rate limit",
)  # fmt: skip
FRAMES = (
    "how do I fix my {0} {1}", "the {1} {2} stopped working", "where can I change the {0}",
    "help with {2} {0} please", "why is the {0} {1} so slow", "set up a new {1}",
    "my {2} shows an error", "can you explain the {0} {2}", "reset the {1} for me",
    "what is wrong with the {2}",
)  # fmt: skip
FOLLOWUPS = ("and on the other one?", "make it shorter", "what about tomorrow?", "fix it")


def reply(request: SkillRequest) -> SkillReply:
    return SkillReply("ok")


def synthetic_skills() -> SkillSet:
    skills = []
    for index, topic in enumerate(TOPICS):
        words = topic.split()
        examples = tuple(frame.format(*words) for frame in FRAMES)
        skills.append(Skill(f"intent_{index:02d}", topic, reply, examples))
    return SkillSet(skills)


def turns(count: int) -> list[tuple[str, RoutingContext]]:
    """New requests (reworded examples) and follow-ups, three to one, in a fixed order."""
    rng = random.Random(7)
    made = []
    for number in range(count):
        topic = rng.randrange(len(TOPICS))
        if number % 4 == 3:
            context = RoutingContext(f"intent_{topic:02d}", "an earlier request")
            made.append((rng.choice(FOLLOWUPS), context))
        else:
            words = TOPICS[topic].split()
            rng.shuffle(words)
            made.append((f"{rng.choice(FRAMES).format(*words)} today", RoutingContext()))
    return made


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return (
        f"p50 {statistics.median(ordered) * 1000:.3f} ms, p95 {p95 * 1000:.3f} ms, "
        f"max {ordered[-1] * 1000:.3f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=2000)
    arguments = parser.parse_args()
    llm = LLM(OfflineProvider(), ledger=CostLedger("bench", prices=PriceTable({})))

    started = time.perf_counter()
    router = Router(synthetic_skills(), model=llm)
    build = time.perf_counter() - started
    workload = turns(arguments.turns)
    for text, context in workload[:50]:  # warm up
        router.route(text, context)
    whole: list[float] = []
    scoring: list[float] = []
    fallbacks = 0
    for text, context in workload:
        start = time.perf_counter()
        decision = router.route(text, context)
        middle = time.perf_counter()
        router.index.best_by_label(local_embedder([text])[0])
        end = time.perf_counter()
        whole.append(middle - start)
        scoring.append(end - middle)
        fallbacks += decision.method == "llm"
    print(f"router: {len(router.skills)} intents, {router.index.size} examples, built in "
          f"{build * 1000:.1f} ms")  # fmt: skip
    print(f"Router.route, {len(workload)} turns: {percentiles(whole)}")
    print(f"embed + score only: {percentiles(scoring)}")
    print(f"LLM fallback on the synthetic workload: {fallbacks / len(workload):.1%}")

    suite = load_routing_suite(ROUTING_SUITE)
    report = evaluate_routing(Router(load_skills(EXAMPLE_SKILLS), model=llm), suite)
    print()
    print(f"example suite ({len(suite)} conversations):")
    print(report.render())


if __name__ == "__main__":
    main()
