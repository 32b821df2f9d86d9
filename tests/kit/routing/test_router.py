"""Routing: confident matches, the LLM fallback, out of scope, and follow-up turns."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from scaffolder.kit.llm.client import LLM
from scaffolder.kit.llm.providers.offline import OfflineProvider
from scaffolder.kit.llm.types import ChatRequest, ClassifyTask, Completion, ProviderInfo
from scaffolder.kit.routing import (
    OUT_OF_SCOPE,
    Router,
    RouterSettings,
    RoutingContext,
    Skill,
    SkillReply,
    SkillSet,
)
from scaffolder.kit.routing.classifier import label_in
from tests.kit.routing.conftest import EXAMPLE_SKILLS


@dataclass
class RecordingModel:
    """The offline provider, keeping the requests the router sends it."""

    provider: OfflineProvider = field(default_factory=OfflineProvider)
    requests: list[ChatRequest] = field(default_factory=list)
    answer: str | None = None

    @property
    def info(self) -> ProviderInfo:
        return self.provider.info

    def complete(self, request: ChatRequest) -> Completion:
        self.requests.append(request)
        completion = self.provider.complete(request)
        if self.answer is not None:
            return Completion(self.answer, completion.model, completion.provider)
        return completion

    async def acomplete(self, request: ChatRequest) -> Completion:
        return self.complete(request)


def test_a_clear_request_goes_to_its_skill_by_nearest_examples(router: Router) -> None:
    decision = router.route("how do I install the CLI on Windows?")
    assert (decision.intent, decision.method) == ("install", "embedding")
    assert decision.scores[0][0] == "install"
    assert "nearest examples: install" in decision.reason


def test_an_unrelated_request_goes_to_out_of_scope_through_the_model(skills: SkillSet) -> None:
    model = RecordingModel()
    decision = Router(skills, model=model).route("what's the weather in Paris tomorrow?")
    assert (decision.intent, decision.method) == (OUT_OF_SCOPE, "llm")
    assert not decision.in_scope
    assert "below the threshold" in decision.reason
    (request,) = model.requests
    assert isinstance(request.task, ClassifyTask)
    assert request.task.labels == (OUT_OF_SCOPE, "install", "rewrite", "tables", "testing")
    assert request.response_format is not None  # the offline provider supports json_schema


def test_the_model_decides_what_the_examples_leave_open(skills: SkillSet) -> None:
    model = RecordingModel()
    decision = Router(skills, model=model).route("the CI pipeline tests are red since this morning")
    assert (decision.intent, decision.method) == ("testing", "llm")


def test_an_answer_that_names_no_intent_is_out_of_scope_with_the_answer_in_the_reason(
    skills: SkillSet,
) -> None:
    model = RecordingModel(answer="I think it is about cooking")
    decision = Router(skills, model=model).route("give me a recipe for lasagna")
    assert decision.intent == OUT_OF_SCOPE
    assert "cooking" in decision.reason


def test_without_a_model_an_inconclusive_request_is_out_of_scope(skills: SkillSet) -> None:
    decision = Router(skills).route("give me a recipe for lasagna")
    assert (decision.intent, decision.method) == (OUT_OF_SCOPE, "default")


def test_out_of_scope_examples_are_matched_like_any_intent(skills: SkillSet) -> None:
    router = Router(skills, out_of_scope_examples=["what is the weather like today"])
    decision = router.route("what's the weather like in Paris today?")
    assert (decision.intent, decision.method) == (OUT_OF_SCOPE, "embedding")


def test_the_model_sees_out_of_scope_examples_as_it_sees_each_skills(skills: SkillSet) -> None:
    """Told only "anything else", a model weighs out of scope against labels that show what
    they mean; the project's off-topic examples show it too (the first three, like a skill's)."""
    examples = ["tell me a joke", "recommend a novel", "what is the capital of Peru", "a haiku"]
    model = RecordingModel()
    Router(skills, model=model, out_of_scope_examples=examples).route("a recipe for lasagna")
    (request,) = model.requests
    assert isinstance(request.task, ClassifyTask)
    described = request.task.descriptions[0]
    assert "tell me a joke; recommend a novel; what is the capital of Peru" in described
    assert "haiku" not in described
    assert "- out_of_scope: anything else" in request.messages[0].content
    assert "recommend a novel" in request.messages[0].content
    bare = RecordingModel()
    Router(skills, model=bare).route("a recipe for lasagna")
    assert isinstance(bare.requests[0].task, ClassifyTask)
    assert "e.g." not in bare.requests[0].task.descriptions[0]


def test_a_follow_up_stays_with_the_active_skill(router: Router) -> None:
    alone = router.route("and on Linux?")
    assert alone.method != "followup"
    context = RoutingContext("install", "how do I install the CLI on Windows?")
    decision = router.route("and on Linux?", context)
    assert (decision.intent, decision.method) == ("install", "followup")
    assert decision.reason.startswith("follow-up to install: opens with 'and'")


def test_a_follow_up_stays_even_when_another_skill_scores_a_little_higher(router: Router) -> None:
    # "fix it" looks like the rewrite examples ("fix the grammar") more than testing ones.
    decision = router.route("fix it", RoutingContext("testing", "why did test_login fail?"))
    assert decision.scores[0][0] == "rewrite"
    assert (decision.intent, decision.method) == ("testing", "followup")


def test_a_follow_up_cue_yields_to_an_intent_that_is_clearly_more_likely(router: Router) -> None:
    context = RoutingContext("rewrite", "summarize this email in two sentences")
    decision = router.route("and run the unit tests with pytest", context)
    assert (decision.intent, decision.method) == ("testing", "embedding")
    assert "clearly more likely" in decision.reason


def test_a_new_request_without_a_cue_is_routed_afresh(router: Router) -> None:
    context = RoutingContext("tables", "put the benchmark results in a table")
    decision = router.route("how do I install the tool on Linux?", context)
    assert decision.intent == "install"


def test_near_ties_go_to_the_model(skills: SkillSet) -> None:
    model = RecordingModel()
    router = Router(skills, model=model, settings=RouterSettings(ambiguity_margin=1.0))
    decision = router.route("please run all of the unit tests")
    assert decision.method == "llm"
    assert "within 1.00" in decision.reason


def test_a_turn_repeating_an_example_routes_there_even_without_content_words() -> None:
    """The local embedder drops stopwords, so "what can you do?" embeds to nothing."""
    skills = SkillSet(
        [
            Skill("smalltalk", "chat", lambda r: SkillReply("hi"), examples=("What can you do?",)),
            Skill("answer", "docs", lambda r: SkillReply("x"), examples=("reset the lamp",)),
        ]
    )
    decision = Router(skills).route("what can you do")
    assert (decision.intent, decision.confidence) == ("smalltalk", 1.0)
    assert decision.reason == "repeats an example of smalltalk"


@pytest.mark.parametrize(
    ("answer", "label"),
    [
        ('{"intent": "tables"}', "tables"),
        ('"tables"', "tables"),
        ("tables", "tables"),
        ("Tables.", "tables"),
        ("The intent is tables.", "tables"),
        ("tables or install", None),
        ("no idea", None),
    ],
)
def test_classifier_answers_are_read_tolerantly(answer: str, label: str | None) -> None:
    assert label_in(answer, ("out_of_scope", "install", "tables")) == label


@pytest.mark.parametrize("embedding_model", ["local", "offline-through-the-client"])
def test_a_project_router_loads_the_skills_folder(
    tmp_path: Path, offline_llm: LLM, embedding_model: str
) -> None:
    shutil.copytree(EXAMPLE_SKILLS, tmp_path / "skills")
    router = Router.for_project(tmp_path, offline_llm, embedding_model=embedding_model)
    assert router.skills.names == ("install", "rewrite", "tables", "testing")
    assert router.route("how do I install the CLI on Windows?").intent == "install"
