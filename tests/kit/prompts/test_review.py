"""Prompt review: heuristics with the offline provider, a model's reading otherwise (a scripted
model here, since no real one runs in tests)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scaffolder.kit.llm.providers.offline import OfflineProvider
from scaffolder.kit.llm.types import ChatRequest, Completion, ProviderInfo
from scaffolder.kit.prompts.manifest import PromptError
from scaffolder.kit.prompts.review import REVIEWER_INSTRUCTIONS, review
from tests.kit.prompts.conftest import write_library
from tests.kit.prompts.test_lint import BASE

FORMAT_RULE = "- Answer in at most three sentences.\n"


class ScriptedModel:
    """A chat model that answers every request with `reply` and keeps the requests."""

    def __init__(self, reply: str) -> None:
        self.reply = reply
        self.requests: list[ChatRequest] = []

    @property
    def info(self) -> ProviderInfo:
        return ProviderInfo(name="scripted")

    def complete(self, request: ChatRequest) -> Completion:
        self.requests.append(request)
        return Completion(self.reply, model="critic-1", provider="scripted")

    async def acomplete(self, request: ChatRequest) -> Completion:
        return self.complete(request)


def project(tmp_path: Path, changes: dict[str, str] | None = None) -> Path:
    write_library(tmp_path / "prompts", {**BASE, **(changes or {})})
    return tmp_path


def test_offline_review_runs_the_linter_and_review_heuristics(tmp_path: Path) -> None:
    rules = "- Cite some sources, etc.\n- Be appropriate. TODO\n"
    result = review(
        project(tmp_path, {"answer/rules.md": rules}),
        "answer",
        OfflineProvider(),
        notice="llm_provider is offline",
    )
    assert result.offline
    assert [(p.by, p.where) for p in result.points] == [
        ("P007", "prompts/answer/rules.md:2"),
        ("R001", "prompts/answer/prompt.yaml:1"),
        ("R002", "prompts/answer/prompt.yaml:1"),
        ("R003", "prompts/answer/rules.md:1"),
        ("R003", "prompts/answer/rules.md:1"),
        ("R003", "prompts/answer/rules.md:2"),
    ]
    assert "'some'" in result.points[3].message and "'etc.'" in result.points[4].message
    text = result.text()
    assert text.startswith("Review of answer@")
    assert "ran offline (llm_provider is offline)" in text.splitlines()[0]
    assert "- prompts/answer/rules.md:2: leftover TODO: finish it or remove it [P007]" in text


def test_offline_review_of_a_sound_prompt_finds_nothing(tmp_path: Path) -> None:
    root = project(tmp_path, {"answer/rules.md": BASE["answer/rules.md"] + FORMAT_RULE})
    result = review(root, "answer", OfflineProvider())
    assert result.points == ()
    assert result.text().splitlines()[1] == "No ambiguities or unhandled cases found."
    assert "the configured provider is offline" in result.text()


def test_a_prompt_without_context_needs_no_fallback(tmp_path: Path) -> None:
    manifest = BASE["answer/prompt.yaml"].replace(", step: retrieval", "")
    changes = {"answer/prompt.yaml": manifest, "answer/rules.md": "- Be exact.\n" + FORMAT_RULE}
    assert review(project(tmp_path, changes), "answer", OfflineProvider()).points == ()


def test_a_model_reads_the_rendered_prompt_and_lists_issues(tmp_path: Path) -> None:
    model = ScriptedModel("Issues:\n- No rule for greetings.\n2. 'Statement' is unclear.\n")
    result = review(project(tmp_path), "answer", model)
    (request,) = model.requests
    system, user = request.messages
    assert system.content == REVIEWER_INSTRUCTIONS
    assert "Prompt 'answer': Answer a question from passages." in user.content
    assert "- question (str, typed by the user)" in user.content
    assert "- passages (list, from retrieval)" in user.content
    assert "=== user message ===\n<sources>\n[<passages.id>] <passages.text>" in user.content
    assert "<question>\n<question>\n</question>" in user.content
    assert not result.offline
    assert result.reviewer == "scripted critic-1"
    assert [(p.message, p.by, p.where) for p in result.points] == [
        ("No rule for greetings.", "model", None),
        ("'Statement' is unclear.", "model", None),
    ]
    assert result.text().splitlines() == [
        f"Review of {result.prompt} by scripted critic-1:",
        "- No rule for greetings.",
        "- 'Statement' is unclear.",
    ]


@pytest.mark.parametrize(
    ("reply", "points"),
    [
        ("none.", []),
        ("NONE", []),
        ("It never says how long to answer.", ["It never says how long to answer."]),
    ],
)
def test_a_reply_without_bullets(tmp_path: Path, reply: str, points: list[str]) -> None:
    result = review(project(tmp_path), "answer", ScriptedModel(reply))
    assert [point.message for point in result.points] == points


def test_review_as_json(tmp_path: Path) -> None:
    result = review(project(tmp_path), "answer", ScriptedModel("- Unclear tone."))
    data = json.loads(result.json())
    assert data["prompt"].startswith("answer@")
    assert data["offline"] is False
    assert data["points"] == [{"message": "Unclear tone.", "where": None, "by": "model"}]


def test_an_unknown_prompt_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(PromptError, match="no prompt named 'nope'"):
        review(project(tmp_path), "nope", OfflineProvider())
