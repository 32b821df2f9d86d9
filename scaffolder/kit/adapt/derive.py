"""From documents to derived items: which questions teach routing, which test the copilot,
and the exact lines each derived file gets.

Questions are split per document: alternately one for the answer skill's routing examples and
one for the suites, so the suites never test the router on its own examples. Suite questions
and off-topic requests are kept only when the copilot passes them (`verify`); how many were
dropped is reported, because that number says how well the documents and the derivation fit.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from scaffolder.kit.adapt.manifest import Chosen, text_hash
from scaffolder.kit.adapt.merge import Item
from scaffolder.kit.adapt.offtopic import OffTopic
from scaffolder.kit.adapt.questions import Candidate
from scaffolder.kit.adapt.topic import Topic
from scaffolder.kit.adapt.verify import FOLLOW_UP, Checker

EXAMPLES = "skills/answer/examples.txt"
DESCRIPTION = "skills/answer/description.txt"
OUT_OF_SCOPE_EXAMPLES = "skills/out_of_scope/examples.txt"
REPLY = "skills/out_of_scope/reply.md"
QA = "benchmarks/qa.jsonl"
ROUTING = "benchmarks/routing.jsonl"
SAFETY = "benchmarks/safety.jsonl"
BASELINE = "benchmarks/baseline.json"
LINE_FILES = (EXAMPLES, OUT_OF_SCOPE_EXAMPLES, QA, ROUTING, SAFETY)
WHOLE_FILES = (DESCRIPTION, REPLY, BASELINE)

MAX_EXAMPLES = 120
MAX_SUITE_QUESTIONS = 40
OUT_OF_SCOPE_EXAMPLE_COUNT = 8
ROUTING_FOLLOW_UPS = 6
SAFETY_BENIGN = 10


@dataclass(frozen=True)
class Split:
    examples: list[Candidate]
    suite: list[Candidate]
    #: Per document, its questions as split (recorded in the manifest).
    chosen: dict[str, Chosen] = field(default_factory=dict)


@dataclass(frozen=True)
class Roles:
    """What the last run chose for the documents that have not changed since: each one's
    examples and suite questions (`Manifest.chosen`), and the key phrase each suite question
    was graded by, by case id."""

    chosen: Mapping[str, Chosen] = field(default_factory=dict)
    key_phrases: Mapping[str, str] = field(default_factory=dict)


def split(candidates: Sequence[Candidate], roles: Roles | None = None) -> Split:
    """Per document, alternately an example and a suite question (best first), then taken
    round-robin across documents so every document is represented before any has many.

    A document in `roles` is split as last time (`_as_chosen`), whatever its questions weigh
    now. Without that, one document added to a collection moved the rarity of words in all of
    them, and with it which questions of unchanged documents were chosen and which were
    examples: adding a page rewrote other pages' lines."""
    roles = roles or Roles()
    by_document: dict[str, list[Candidate]] = {}
    for candidate in candidates:
        by_document.setdefault(candidate.source, []).append(candidate)
    examples: list[list[Candidate]] = []
    suite: list[list[Candidate]] = []
    order: dict[str, Chosen] = {}
    for source, group in by_document.items():
        chosen = roles.chosen.get(source)
        if chosen is None:
            own, asked = group[0::2], group[1::2]
        else:
            own, asked = _as_chosen(group, chosen, roles)
        order[source] = Chosen(tuple(c.anchor for c in own), tuple(c.anchor for c in asked))
        examples.append(own)
        suite.append(asked)
    return Split(_round_robin(examples, MAX_EXAMPLES), _round_robin(suite, 10**6), order)


def _as_chosen(
    group: list[Candidate], chosen: Chosen, roles: Roles
) -> tuple[list[Candidate], list[Candidate]]:
    """A document's examples and suite questions as last run split them (those still derived,
    in the same order, graded as then), and a model's new ones after, alternately, the first
    an example (the project got a key since)."""
    by_anchor = {candidate.anchor: candidate for candidate in group}
    own = [by_anchor[anchor] for anchor in chosen.examples if anchor in by_anchor]
    asked = [_graded_as_before(by_anchor[a], roles) for a in chosen.suite if a in by_anchor]
    picked = {*chosen.examples, *chosen.suite}
    new = [c for c in group if c.kind == "model" and c.anchor not in picked]
    return own + new[0::2], asked + new[1::2]


def _graded_as_before(candidate: Candidate, roles: Roles) -> Candidate:
    """The suite question with the key phrase it had, while its sentence still holds it: a
    key phrase is the sentence's rarest word, and rarity moves with the collection."""
    before = roles.key_phrases.get(_case_id(candidate))
    if before and before.lower() in candidate.sentence.lower():
        return replace(candidate, key_phrase=before)
    return candidate


def _round_robin(groups: list[list[Candidate]], limit: int) -> list[Candidate]:
    taken: list[Candidate] = []
    depth = 0
    while len(taken) < limit and any(depth < len(g) for g in groups):
        taken.extend(g[depth] for g in groups if depth < len(g))
        depth += 1
    return taken[:limit]


@dataclass
class Derived:
    """Every derived file's items, and what verification kept and dropped."""

    lines: dict[str, list[Item]] = field(default_factory=dict)
    files: dict[str, Item | None] = field(default_factory=dict)
    questions_checked: int = 0
    questions_kept: int = 0
    off_topic_checked: int = 0
    off_topic_kept: int = 0
    dropped: list[str] = field(default_factory=list)


def skill_files(topic: Topic, examples: Sequence[Candidate], off: Sequence[OffTopic]) -> Derived:
    """The routing side: examples, description, out-of-scope examples and reply."""
    derived = Derived()
    derived.lines[EXAMPLES] = [Item(c.anchor, c.question, c.source) for c in examples]
    derived.lines[OUT_OF_SCOPE_EXAMPLES] = [
        Item(f"off-{text_hash(o.text)[:8]}", o.text) for o in off[:OUT_OF_SCOPE_EXAMPLE_COUNT]
    ]
    derived.files[DESCRIPTION] = Item(DESCRIPTION, topic.description() + "\n")
    derived.files[REPLY] = Item(REPLY, topic.out_of_scope_reply() + "\n")
    # The baseline (a run of the new qa suite) is recorded once that suite is final.
    return derived


def suite_files(
    derived: Derived,
    topic: Topic,
    questions: Sequence[Candidate],
    off: Sequence[OffTopic],
    checker: Checker,
) -> None:
    """The suites, from the questions and off-topic requests the copilot passes."""
    kept: list[Candidate] = []
    for candidate in questions:
        if len(kept) >= MAX_SUITE_QUESTIONS:
            break
        derived.questions_checked += 1
        checked = checker.question(candidate)
        if checked.passed:
            kept.append(candidate)
        else:
            derived.dropped.append(f"{candidate.question} ({candidate.source}): {checked.why}")
    derived.questions_kept = len(kept)
    # The project's tests wrap the first question in irrelevant context: lead with one that
    # holds up, so that test measures stability rather than a weak first pick.
    robust = next((i for i, c in enumerate(kept[:10]) if checker.robust(c)), 0)
    kept.insert(0, kept.pop(robust)) if kept else None
    declined: list[OffTopic] = []
    for request in off[OUT_OF_SCOPE_EXAMPLE_COUNT:]:
        derived.off_topic_checked += 1
        if checker.declined(request.text):
            declined.append(request)
        else:
            derived.dropped.append(f"{request.text}: not declined")
    derived.off_topic_kept = len(declined)
    follow_ups = [c for c in kept[: ROUTING_FOLLOW_UPS * 2] if checker.follow_up(c)]
    derived.lines[QA] = _qa_items(kept, follow_ups[:1], declined[:2], topic)
    derived.lines[ROUTING] = _routing_items(kept, follow_ups[:ROUTING_FOLLOW_UPS], declined)
    derived.lines[SAFETY] = _safety_items(topic, kept, declined)


def _qa_items(
    kept: Sequence[Candidate],
    follow_ups: Sequence[Candidate],
    declined: Sequence[OffTopic],
    topic: Topic,
) -> list[Item]:
    items = [
        _case(
            _case_id(c),
            c.source,
            input=c.question,
            references=[c.key_phrase],
            sources=[c.source],
            tags=["derived", c.kind],
        )
        for c in kept
    ]
    for candidate in follow_ups:
        conversation = [
            {"role": "user", "content": candidate.question},
            {"role": "assistant", "content": candidate.sentence},
            {"role": "user", "content": FOLLOW_UP},
        ]
        items.append(
            _case(
                f"follow-up-{candidate.anchor[:6]}",
                candidate.source,
                conversation=conversation,
                sources=[candidate.source],
                tags=["derived", "follow-up"],
                graders=["citations"],
            )
        )
    reply = topic.out_of_scope_reply().rstrip(".")
    for request in declined:
        items.append(
            _case(
                f"decline-{text_hash(request.text)[:6]}",
                None,
                input=request.text,
                references=[reply],
                tags=["derived", "out-of-scope"],
                graders=["contains"],
            )
        )
    return items


def _routing_items(
    kept: Sequence[Candidate], follow_ups: Sequence[Candidate], declined: Sequence[OffTopic]
) -> list[Item]:
    items = []
    for candidate in follow_ups:
        turns = [
            {"text": candidate.question, "intent": "answer"},
            {"text": FOLLOW_UP, "intent": "answer"},
        ]
        items.append(_case(f"follow-up-{candidate.anchor[:6]}", candidate.source, turns=turns))
    for candidate, (closing, intent) in zip(
        kept[len(follow_ups) :],
        (("thanks!", "smalltalk"), ("that answer was wrong", "feedback")),
        strict=False,
    ):
        turns = [
            {"text": candidate.question, "intent": "answer"},
            {"text": closing, "intent": intent},
        ]
        items.append(_case(f"then-{intent}-{candidate.anchor[:6]}", candidate.source, turns=turns))
    for candidate in kept[len(follow_ups) + 2 :]:
        turns = [{"text": candidate.question, "intent": "answer"}]
        items.append(_case(f"ask-{candidate.anchor[:6]}", candidate.source, turns=turns))
    items.append(
        _case(
            "greeting",
            None,
            turns=[
                {"text": "hi there", "intent": "smalltalk"},
                {"text": "what can you do?", "intent": "smalltalk"},
            ],
        )
    )
    for request in declined:
        turns = [{"text": request.text, "intent": "out_of_scope"}]
        items.append(_case(f"off-{text_hash(request.text)[:6]}", None, turns=turns))
    return items


def _safety_items(
    topic: Topic, kept: Sequence[Candidate], declined: Sequence[OffTopic]
) -> list[Item]:
    meta = {
        "meta": {
            "suite": "safety",
            "version": 1,
            "product": topic.name,
            "topic_keywords": list(topic.keywords),
        }
    }
    items = [Item("meta", json.dumps(meta, ensure_ascii=False))]
    for request in declined:
        items.append(
            _case(
                f"off-{text_hash(request.text)[:6]}",
                None,
                category="off-topic",
                subcategory=request.subcategory,
                stage="input",
                expect="block",
                text=request.text,
            )
        )
    for candidate in kept[:SAFETY_BENIGN]:
        items.append(
            _case(
                f"benign-{candidate.anchor[:6]}",
                candidate.source,
                category="benign",
                subcategory="documents",
                stage="input",
                expect="allow",
                text=candidate.question,
            )
        )
    return items


def _case(case_id: str, document: str | None, **fields: object) -> Item:
    text = json.dumps({"id": case_id, **fields}, ensure_ascii=False)
    return Item(f"case:{case_id}", text, document)


def _case_id(candidate: Candidate) -> str:
    slug = "-".join(re.findall(r"[a-z0-9]+", candidate.question.lower()))[:40].strip("-")
    return f"{slug}-{candidate.anchor[:6]}"


def documents_of(items: Iterable[Item]) -> set[str]:
    return {item.document for item in items if item.document}
