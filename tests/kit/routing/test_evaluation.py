"""The example routing suite, offline with local embeddings, and the report format."""

from __future__ import annotations

from pathlib import Path

import pytest

from scaffolder.errors import UsageError
from scaffolder.kit.llm.client import LLM
from scaffolder.kit.routing import (
    OUT_OF_SCOPE,
    RouteDecision,
    Router,
    RoutingCase,
    RoutingContext,
    SkillSet,
    evaluate_routing,
    load_routing_suite,
)
from scaffolder.kit.routing.evaluation import SuiteTurn
from tests.kit.routing.conftest import ROUTING_SUITE


class WithoutHistory:
    """The same router, but blind to the conversation, as history-free routers are."""

    def __init__(self, router: Router) -> None:
        self.router = router

    def route(self, text: str, context: RoutingContext | None = None) -> RouteDecision:
        return self.router.route(text)


def test_the_example_suite_routes_accurately_offline(
    router: Router, capsys: pytest.CaptureFixture[str]
) -> None:
    report = evaluate_routing(router, load_routing_suite(ROUTING_SUITE))
    print(report.render())  # shown with -s: the accuracy and confusion matrix of the suite
    assert report.total == 37
    assert report.accuracy >= 0.95, report.render()
    assert report.followup_accuracy >= 0.95, report.render()
    assert report.confusion[OUT_OF_SCOPE][OUT_OF_SCOPE] == 3
    assert 0 < report.llm_fallback_rate < 0.25


def test_follow_up_conversations_keep_their_skill(router: Router) -> None:
    cases = load_routing_suite(ROUTING_SUITE)
    report = evaluate_routing(router, cases)
    followups = [o for o in report.outcomes if o.decision.method == "followup"]
    assert len(followups) >= 10
    assert all(outcome.correct for outcome in followups)


def test_routing_without_history_misroutes_follow_ups(router: Router) -> None:
    cases = load_routing_suite(ROUTING_SUITE)
    with_history = evaluate_routing(router, cases)
    blind = evaluate_routing(WithoutHistory(router), cases)
    assert blind.followup_accuracy < with_history.followup_accuracy - 0.2


def test_embeddings_through_the_llm_client_route_the_same(
    skills: SkillSet, offline_llm: LLM, router: Router
) -> None:
    through_client = Router(skills, embed=offline_llm.embed, model=offline_llm)
    cases = load_routing_suite(ROUTING_SUITE)
    assert (
        evaluate_routing(through_client, cases).accuracy == evaluate_routing(router, cases).accuracy
    )


def test_the_report_renders_a_confusion_matrix_and_each_miss(router: Router) -> None:
    cases = [
        RoutingCase(
            "wrong-on-purpose",
            (
                SuiteTurn("make a table of the release dates", "tables"),
                SuiteTurn("and sort it by date", "install"),
            ),
        )
    ]
    report = evaluate_routing(router, cases)
    assert report.accuracy == 0.5
    assert report.confusion["install"] == {"install": 0, "tables": 1}
    text = report.render()
    assert "routing accuracy: 50.0% (1/2 turns); follow-up turns: 0.0%" in text
    assert "expected  install  tables" in text
    assert (
        "MISS wrong-on-purpose#2 'and sort it by date': expected install, got tables (followup"
        in text
    )


def test_suite_files_are_checked(tmp_path: Path) -> None:
    suite = tmp_path / "suite.jsonl"
    suite.write_text('# comment\n\n{"turns": [{"text": "hi", "intent": "x"}]}\n', "utf-8")
    (case,) = load_routing_suite(suite)
    assert case.id == "line-3"
    suite.write_text('{"turns": [{"text": "hi"}]}\n', "utf-8")
    with pytest.raises(UsageError, match=r"suite\.jsonl:1: not a routing case"):
        load_routing_suite(suite)
    suite.write_text('{"turns": []}\n', "utf-8")
    with pytest.raises(UsageError, match="at least one turn"):
        load_routing_suite(suite)
