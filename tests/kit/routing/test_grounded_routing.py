"""Scope grounded in the index: the evidence a skill that answers from the index has for a
request weighs with (and against) the nearest examples, offline and with a model."""

from __future__ import annotations

import pytest

from scaffolder.kit.llm.types import ChatModel, ChatRequest, Completion, ProviderInfo
from scaffolder.kit.retrieval.evidence import Evidence
from scaffolder.kit.routing import OUT_OF_SCOPE, Router, Skill, SkillReply, SkillRequest, SkillSet
from scaffolder.kit.routing.decisions import RouteDecision, RoutingContext

THRESHOLD = 0.25
FLOOR = 0.1
STRONG = Evidence(0.4, THRESHOLD, "data/sync.md, lines 1-4", floor=FLOOR, decisive_from=0.5)
#: As strong as the corpus's own passages match.
DECISIVE = Evidence(0.7, THRESHOLD, "data/sync.md, lines 1-4", floor=FLOOR, decisive_from=0.5)
#: Weak, and under the floor: no better than a typical off-topic request.
NONE = Evidence(0.05, THRESHOLD, "data/proxy.md, lines 2-3", floor=FLOOR)
#: Weak but above the floor: the examples and the model decide.
WEAK = Evidence(0.18, THRESHOLD, "data/proxy.md, lines 2-3", floor=FLOOR)


def _reply(request: SkillRequest) -> SkillReply:
    return SkillReply(request.text)


SKILLS = SkillSet(
    [
        Skill(
            "answer",
            "Questions about the tidewater sync tool: installing, configuring, syncing.",
            _reply,
            examples=("How do I install tidewater?", "Which key sets the sync interval?"),
            answers_from_index=True,
        ),
        Skill(
            "smalltalk",
            "Greetings and thanks.",
            _reply,
            examples=("hello there", "thanks a lot", "thank you so much"),
        ),
    ]
)
OUT_OF_SCOPE_EXAMPLES = ("write me a poem about the sea", "what is the weather tomorrow?")


class Index:
    """What a test's index holds: strong evidence for some texts, weak evidence for others
    and none for the rest."""

    def __init__(
        self,
        strong: set[str],
        *,
        weak: frozenset[str] = frozenset(),
        decisive: frozenset[str] = frozenset(),
        empty: bool = False,
    ) -> None:
        self.strong = strong
        self.weak = weak
        self.decisive = decisive
        self.empty = empty
        self.asked: list[str] = []

    def __call__(self, text: str) -> Evidence | None:
        self.asked.append(text)
        if self.empty:
            return None
        if text in self.decisive:
            return DECISIVE
        return STRONG if text in self.strong else WEAK if text in self.weak else NONE


def router(index: Index, model: ChatModel | None = None) -> Router:
    return Router(SKILLS, model=model, out_of_scope_examples=OUT_OF_SCOPE_EXAMPLES, evidence=index)


def test_strong_evidence_takes_a_request_no_example_resembles() -> None:
    text = "What does the dry-run flag of sync print?"
    decision = router(Index({text})).route(text)
    assert (decision.intent, decision.method, decision.evidence) == ("answer", "evidence", STRONG)
    assert "strong evidence 0.40 in data/sync.md" in decision.reason
    # Without the index, the same request matched no example well enough: out of scope.
    assert router(Index(set(), empty=True)).route(text).intent == OUT_OF_SCOPE


def test_a_near_out_of_scope_example_stands_unless_the_evidence_is_decisive() -> None:
    text = "write me a poem about the sea with tidewater"
    decision = router(Index({text})).route(text)
    assert (decision.intent, decision.method, decision.evidence) == (
        OUT_OF_SCOPE,
        "embedding",
        STRONG,
    )
    assert "nearest examples: out_of_scope" in decision.reason
    # Unless the index holds it as strongly as its own passages match: then it is answered.
    decisive = router(Index(set(), decisive=frozenset({text}))).route(text)
    assert (decisive.intent, decisive.method, decisive.evidence) == ("answer", "evidence", DECISIVE)
    assert "the index holds decisive, strong evidence 0.70" in decisive.reason


def test_no_evidence_near_an_out_of_scope_example_is_declined() -> None:
    text = "please write me a poem about the sea"
    decision = router(Index(set())).route(text)
    assert (decision.intent, decision.method, decision.evidence) == (
        OUT_OF_SCOPE,
        "embedding",
        NONE,
    )
    assert "no evidence 0.05" in decision.reason


def test_a_confident_example_match_stands_and_records_the_evidence() -> None:
    # Worded unlike the documents (the index holds nothing for it), but an example says so.
    text = "How do I install tidewater on my laptop?"
    decision = router(Index(set())).route(text)
    assert (decision.intent, decision.method, decision.evidence) == ("answer", "embedding", NONE)
    assert "nearest examples: answer" in decision.reason
    assert "no evidence 0.05" in decision.reason
    repeated = router(Index(set())).route("How do I install tidewater?")
    assert (repeated.intent, repeated.evidence) == ("answer", NONE)


def test_other_skills_and_follow_ups_are_not_second_guessed_by_the_index() -> None:
    index = Index({"thanks a lot, tidewater", "and on Windows?"})
    assert router(index).route("thanks a lot, tidewater").intent == "smalltalk"
    followup = router(index).route(
        "and on Windows?", RoutingContext(active_skill="answer", previous_text="install it?")
    )
    assert (followup.intent, followup.method) == ("answer", "followup")
    assert index.asked == []  # neither needed the index


def test_an_empty_index_leaves_routing_to_the_examples() -> None:
    decision = router(Index(set(), empty=True)).route("How do I install tidewater on Linux?")
    assert (decision.intent, decision.method, decision.evidence) == ("answer", "embedding", None)


class RecordingModel:
    """A model that answers every classification with one label and keeps the requests."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.requests: list[ChatRequest] = []
        self.info = ProviderInfo(name="recording")

    def complete(self, request: ChatRequest) -> Completion:
        self.requests.append(request)
        return Completion(text=f'{{"intent": "{self.label}"}}', model="m", provider="recording")

    async def acomplete(self, request: ChatRequest) -> Completion:
        return self.complete(request)


@pytest.mark.parametrize(
    ("held", "intent"), [("none", OUT_OF_SCOPE), ("weak", "answer"), ("strong", "answer")]
)
def test_with_a_model_the_index_still_decides_the_answer_skill_s_scope(
    held: str, intent: str
) -> None:
    text = "Tell me about the moon landing"
    model = RecordingModel("answer")
    index = Index(
        {text} if held == "strong" else set(), weak=frozenset({text} if held == "weak" else ())
    )
    decision = router(index, model).route(text)
    assert decision.intent == intent
    if held == "strong":
        assert decision.method == "evidence" and model.requests == []  # no call needed
    else:
        assert decision.method == "llm"
        vetoed = "the model classified it as answer, but the index holds no evidence"
        assert (vetoed in decision.reason) == (held == "none")
        # The classifier was told what the answer skill covers: its (derived) topic.
        system = model.requests[0].messages[0].content
        assert "Questions about the tidewater sync tool" in system


def test_a_decision_keeps_its_evidence_through_json() -> None:
    decision = RouteDecision("answer", "evidence", 0.6, "r", (("answer", 0.3),), STRONG)
    assert RouteDecision.from_dict(decision.to_dict()) == decision
    assert decision.to_dict()["evidence"]["strong"] is True
    old = {"intent": "answer", "method": "embedding", "confidence": 0.9, "reason": "r"}
    assert RouteDecision.from_dict(old).evidence is None  # conversations stored before
