"""Routing suites and their evaluation: accuracy, a confusion matrix, and where it went wrong.

A suite is a JSONL file, one conversation per line; each turn names the intent it should go
to (a skill name or `out_of_scope`):

    {"id": "install-then-linux", "turns": [
        {"text": "how do I install the CLI on Windows?", "intent": "install"},
        {"text": "and on Linux?", "intent": "install"}]}

Turns are routed in order with the context the router itself built (the active skill is the
one the router chose, as in production), so a misrouted turn can drag its follow-ups along,
which is exactly what a suite should show. Turns after the first are counted separately as
follow-up turns, and the share decided by the LLM fallback is reported, since it is the
expensive path.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from scaffolder.errors import UsageError
from scaffolder.kit.routing.decisions import OUT_OF_SCOPE, RouteDecision, RoutingContext


@dataclass(frozen=True)
class SuiteTurn:
    text: str
    intent: str


@dataclass(frozen=True)
class RoutingCase:
    id: str
    turns: tuple[SuiteTurn, ...]


class RoutesTurns(Protocol):
    def route(self, text: str, context: RoutingContext | None = None) -> RouteDecision: ...


@dataclass(frozen=True)
class TurnOutcome:
    case: str
    position: int
    text: str
    expected: str
    decision: RouteDecision

    @property
    def correct(self) -> bool:
        return self.decision.intent == self.expected


@dataclass
class RoutingReport:
    outcomes: list[TurnOutcome] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.outcomes)

    @property
    def accuracy(self) -> float:
        return _share(self.outcomes, lambda outcome: outcome.correct)

    @property
    def followup_accuracy(self) -> float:
        """Accuracy on turns after a conversation's first."""
        later = [outcome for outcome in self.outcomes if outcome.position > 0]
        return _share(later, lambda outcome: outcome.correct)

    @property
    def llm_fallback_rate(self) -> float:
        return _share(self.outcomes, lambda outcome: outcome.decision.method == "llm")

    @property
    def labels(self) -> list[str]:
        names = {o.expected for o in self.outcomes} | {o.decision.intent for o in self.outcomes}
        return sorted(names - {OUT_OF_SCOPE}) + ([OUT_OF_SCOPE] if OUT_OF_SCOPE in names else [])

    @property
    def confusion(self) -> dict[str, dict[str, int]]:
        """`confusion[expected][predicted]`: how many turns, for every pair of labels."""
        counts = Counter((o.expected, o.decision.intent) for o in self.outcomes)
        return {
            expected: {predicted: counts[expected, predicted] for predicted in self.labels}
            for expected in self.labels
        }

    @property
    def misses(self) -> list[TurnOutcome]:
        return [outcome for outcome in self.outcomes if not outcome.correct]

    def render(self) -> str:
        """Summary, confusion matrix (rows expected, columns predicted) and each miss."""
        methods = Counter(outcome.decision.method for outcome in self.outcomes)
        lines = [
            f"routing accuracy: {self.accuracy:.1%} ({self.total - len(self.misses)}/"
            f"{self.total} turns); follow-up turns: {self.followup_accuracy:.1%}",
            f"LLM fallback on {self.llm_fallback_rate:.1%} of turns; methods: "
            + ", ".join(f"{name} {count}" for name, count in sorted(methods.items())),
            "",
            "confusion (rows: expected, columns: predicted)",
        ]
        labels = self.labels
        width = max([len("expected"), *(len(label) for label in labels)])
        columns = [max(len(label), 3) for label in labels]
        header = (
            "expected".ljust(width)
            + "  "
            + "  ".join(label.rjust(size) for label, size in zip(labels, columns, strict=True))
        )
        lines.append(header)
        for expected, row in self.confusion.items():
            cells = "  ".join(
                str(row[label]).rjust(size) for label, size in zip(labels, columns, strict=True)
            )
            lines.append(f"{expected.ljust(width)}  {cells}")
        for miss in self.misses:
            lines.append(
                f"MISS {miss.case}#{miss.position + 1} {miss.text!r}: expected {miss.expected}, "
                f"got {miss.decision.intent} ({miss.decision.method}: {miss.decision.reason})"
            )
        return "\n".join(lines)


def evaluate_routing(router: RoutesTurns, cases: Iterable[RoutingCase]) -> RoutingReport:
    report = RoutingReport()
    for case in cases:
        context = RoutingContext()
        for position, turn in enumerate(case.turns):
            decision = router.route(turn.text, context)
            report.outcomes.append(TurnOutcome(case.id, position, turn.text, turn.intent, decision))
            active = decision.intent if decision.in_scope else context.active_skill
            context = RoutingContext(active_skill=active, previous_text=turn.text)
    return report


def load_routing_suite(path: Path) -> list[RoutingCase]:
    """The cases of a JSONL suite; blank lines and lines starting with `#` are skipped."""
    cases = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            data = json.loads(line)
            turns = tuple(SuiteTurn(str(t["text"]), str(t["intent"])) for t in data["turns"])
            case = RoutingCase(str(data.get("id", f"line-{number}")), turns)
        except (json.JSONDecodeError, KeyError, TypeError) as error:
            raise UsageError(f"{path}:{number}: not a routing case ({error})") from error
        if not turns:
            raise UsageError(f"{path}:{number}: a routing case needs at least one turn")
        cases.append(case)
    return cases


def _share(outcomes: Sequence[TurnOutcome], test: Callable[[TurnOutcome], bool]) -> float:
    return sum(1 for outcome in outcomes if test(outcome)) / len(outcomes) if outcomes else 0.0
