"""The kit's LLM layer over a generated project's settings, on the offline provider: grounded
answers that cite their passage, "I don't know" rather than a made-up answer, schema-valid
structured output, and every call in the cost ledger (formerly each project's
tests/test_llm.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel

from scaffolder.kit.llm import LLM, AnswerTask, ChatRequest, Message, Passage, ledger_scope
from tests.templates.conftest import TEMPLATES, Answers, Render
from tests.templates.test_project_settings import project_settings

PASSAGES = (
    Passage("1", "The service keeps answers grounded in the team's own documents."),
    Passage("2", "To rotate the API key, open Settings, choose Keys and press Rotate."),
)


class Ticket(BaseModel):
    title: str
    urgent: bool


@pytest.fixture(params=TEMPLATES)
def llm(
    request: pytest.FixtureRequest,
    render: Render,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> LLM:
    """The LLM a project of each template builds from its settings, offline."""
    project = render(Answers(request.param))
    monkeypatch.setenv("COPILOT_PROVIDER", "offline")
    monkeypatch.setenv("COPILOT_LLM_CACHE_PATH", str(tmp_path / "llm-cache.sqlite3"))
    return LLM.from_settings(project_settings(project), project)


def ask(question: str) -> ChatRequest:
    return ChatRequest(messages=(Message("user", question),), task=AnswerTask(question, PASSAGES))


def test_answers_cite_the_passage_they_come_from(llm: LLM) -> None:
    completion = llm.complete(ask("How do I rotate the API key?"))
    assert "Rotate" in completion.text
    assert completion.text.endswith("[2]")


def test_unanswerable_questions_are_not_made_up(llm: LLM) -> None:
    assert llm.complete(ask("What is the weather tomorrow?")).text.startswith("I don't know")


def test_structured_output_matches_the_schema(llm: LLM) -> None:
    request = ChatRequest(messages=(Message("user", "The login page is down for everyone"),))
    ticket = llm.generate_structured(Ticket, request)
    assert isinstance(ticket, Ticket)


def test_every_call_is_counted_in_the_cost_ledger(llm: LLM) -> None:
    with ledger_scope("test") as ledger:
        llm.complete(ask("How do I rotate the API key?"))
    (totals,) = ledger.totals()
    assert totals.calls == 1
    assert ledger.total_usd == 0
