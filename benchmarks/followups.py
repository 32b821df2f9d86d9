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

from benchmarks.answerability import asker_in, cites_document, normalised, wilson

HERE = Path(__file__).resolve().parent
PAIRS = HERE / "followups"

Ask = Callable[[str, str | None], dict[str, object]]


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
    return cites_document(reply, source) and normalised(key) in normalised(str(reply["text"]))


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reuse", type=Path, required=True,
                        help="the folder of an answerability.py --keep run")  # fmt: skip
    parser.add_argument("--domains", nargs="+", default=["manpages", "pydoc"])
    options = parser.parse_args()
    os.environ["COPILOT_PROVIDER"] = "offline"
    tallies = []
    for domain in options.domains:
        project = options.reuse.resolve() / f"{domain}bot"
        if not project.is_dir():
            raise SystemExit(f"{project} is missing: run answerability.py --keep first")
        tallies.append(run(domain, asker_in(project)))
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


if __name__ == "__main__":
    main()
