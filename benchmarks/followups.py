"""Follow-up questions on a team's own documents: after "How do I compress a file with gzip?",
does "and how do I decompress it again?" reach the answer skill and get answered from gzip's
page, offline?

Usage: python benchmarks/followups.py --reuse DIR [--domains manpages pydoc]

DIR holds the projects an `answerability.py --keep DIR` run built (`new --docs` over 20 man
pages and 20 standard-library pydoc pages). Each pair in benchmarks/followups/<domain>.jsonl is
asked as a conversation in the project's copilot, in this process (as `copilot chat` asks it):
the first question, then the follow-up, which names neither the command nor the module.
Reported per domain: follow-ups routed to the answer skill, follow-ups answered from the
expected document with the key phrase in the answer (Wilson 95% interval), and how many first
questions were answered rather than declined (what the follow-up builds on); then each miss.

Then follow-ups that say nothing of their own (`GENERIC`: "can you tell me more about that?",
"tell me more", ...) after the first answerable questions of each domain's answerability set
that the copilot answers: how often each stays with the answer skill as a follow-up and cites
the document the first answer cited. No phrase was chosen on these projects' answers.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.answerability import (
    QUESTIONS,
    asker_in,
    cited_sources,
    cites_document,
    normalised,
    wilson,
)

HERE = Path(__file__).resolve().parent
PAIRS = HERE / "followups"

Ask = Callable[[str, str | None], dict[str, object]]
#: Follow-ups with no subject of their own: they ask about whatever was just answered.
GENERIC = (
    "can you tell me more about that?",
    "tell me more",
    "could you elaborate on that?",
    "and what else?",
)
#: How many answered first questions each generic follow-up is asked after, per domain.
GENERIC_FIRSTS = 12


@dataclass
class Tally:
    domain: str
    pairs: int = 0
    first_answered: int = 0
    routed: int = 0
    right: int = 0
    misses: list[str] = field(default_factory=list)


def answered_from(reply: dict[str, object], source: str, key: str) -> bool:
    """Cited the expected document and said the key phrase (whitespace and case aside)."""
    said = normalised(key) in normalised(str(reply["text"]))
    return said and cites_document(cited_sources(reply), source)


def run(domain: str, ask: Ask) -> Tally:
    tally = Tally(domain)
    for line in (PAIRS / f"{domain}.jsonl").read_text("utf-8").splitlines():
        if not line.strip():
            continue
        pair = json.loads(line)
        tally.pairs += 1
        first = ask(pair["first"], None)
        tally.first_answered += first["skill"] == "answer" and not first["declined"]
        follow = ask(pair["follow_up"], str(first["conversation_id"]))
        routed = follow["skill"] == "answer"
        right = answered_from(follow, pair["source"], pair["key"])
        tally.routed += routed
        tally.right += right
        if not right:
            why = "routed to " + str(follow["skill"]) if not routed else "answered"
            tally.misses.append(
                f"{why}: {pair['first']} / {pair['follow_up']} (want {pair['source']}: "
                f"{pair['key']!r}) -> {str(follow['text'])[:100]!r}"
            )
    return tally


def generic(domain: str, ask: Ask) -> dict[str, int]:
    """Per generic follow-up: after how many of the answered first questions it stayed with
    the answer skill as a follow-up and cited the first answer's document."""
    firsts: list[tuple[str, set[str]]] = []
    for line in (QUESTIONS / f"{domain}.jsonl").read_text("utf-8").splitlines():
        case = json.loads(line) if line.strip() else {}
        if case and not case.get("off_topic") and len(firsts) < GENERIC_FIRSTS:
            reply = ask(case["question"], None)
            if reply["skill"] == "answer" and not reply["declined"]:
                firsts.append((case["question"], cited_sources(reply)))
    kept = dict.fromkeys(GENERIC, 0)
    for phrase in GENERIC:
        for question, cited in firsts:
            first = ask(question, None)
            follow = ask(phrase, str(first["conversation_id"]))
            data = follow["data"]
            followed = isinstance(data, dict) and data.get("route") == "followup"
            kept[phrase] += followed and bool(cited & cited_sources(follow))
    return kept


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reuse", type=Path, required=True,
                        help="the folder of an answerability.py --keep run")  # fmt: skip
    parser.add_argument("--domains", nargs="+", default=["manpages", "pydoc"])
    options = parser.parse_args()
    os.environ["COPILOT_PROVIDER"] = "offline"
    tallies, counts = [], []
    for domain in options.domains:
        project = options.reuse.resolve() / f"{domain}bot"
        if not project.is_dir():
            raise SystemExit(f"{project} is missing: run answerability.py --keep first")
        ask = asker_in(project)  # one copilot per project, for both measurements
        tallies.append(run(domain, ask))
        counts.append(generic(domain, ask))
    print("| domain | first question answered | follow-up routed to answer "
          "| follow-up answered from the right document |")  # fmt: skip
    print("| --- | ---: | ---: | ---: |")
    for t in tallies:
        print(
            f"| {t.domain} | {t.first_answered}/{t.pairs} | {t.routed}/{t.pairs} "
            f"| {t.right}/{t.pairs} ({t.right / t.pairs:.0%}, {wilson(t.right, t.pairs)}) |"
        )
    for t in tallies:
        print(f"\n{t.domain}:")
        for miss in t.misses:
            print(f"- {miss}")
    print(f"\nFollow-ups with no subject, after {GENERIC_FIRSTS} answered questions of each domain:"
          " stayed with the answer as a follow-up and cited its document\n")  # fmt: skip
    print("| follow-up | " + " | ".join(options.domains) + " |")
    print("| --- |" + " ---: |" * len(options.domains))
    for phrase in GENERIC:
        print(f"| {phrase} | " + " | ".join(f"{c[phrase]}/{GENERIC_FIRSTS}" for c in counts) + " |")


if __name__ == "__main__":
    main()
