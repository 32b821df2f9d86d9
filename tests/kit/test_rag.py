"""Retrieval-augmented answers end to end: a real Chroma index, the qa-rag template's own answer
prompt, and the offline provider, so citations can be checked against known documents."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from scaffolder.kit.llm import LLM
from scaffolder.kit.llm.providers.offline import OfflineProvider
from scaffolder.kit.llm.types import AnswerTask
from scaffolder.kit.prompts import PromptLibrary
from scaffolder.kit.rag import Answer, RagAnswerer
from scaffolder.kit.retrieval.embedders import LocalEmbedder
from scaffolder.kit.retrieval.ingest import ingest
from scaffolder.kit.retrieval.retriever import Retriever
from scaffolder.kit.retrieval.store import VectorStore, connect

TEMPLATE = Path(__file__).resolve().parents[2] / "templates" / "qa_rag"


@pytest.fixture
def answerer(tmp_path: Path) -> RagAnswerer:
    shutil.copytree(TEMPLATE / "data", tmp_path / "data")
    shutil.copytree(TEMPLATE / "prompts", tmp_path / "prompts")
    store = VectorStore(connect(None, tmp_path / "chroma"), LocalEmbedder())
    ingest([tmp_path / "data"], tmp_path, store)
    prompt = PromptLibrary.for_project(tmp_path).get("answer")
    return RagAnswerer(Retriever(store), prompt, LLM(OfflineProvider()))


def test_an_answer_cites_the_document_that_holds_it(answerer: RagAnswerer) -> None:
    answer = answerer.answer("Why does my lamp blink three times?")
    assert "too little current" in answer.text
    assert answer.grounded
    [cited] = answer.cited
    assert cited.source == "data/lumen-troubleshooting.md"
    assert "blinks three times" in cited.citation
    assert answer.prompt is not None and answer.prompt.startswith("answer@")


def test_a_question_the_documents_do_not_answer_is_declined(answerer: RagAnswerer) -> None:
    answer = answerer.answer("What is the capital of Australia?")
    assert answer.text.startswith("I don't know")
    assert answer.cited == ()
    assert answer.grounded  # declining needs no citation


def test_streaming_gives_the_same_answer_in_pieces(answerer: RagAnswerer) -> None:
    question = "How do I reset the lamp to factory settings?"
    events = list(answerer.stream(question))
    *rest, final = events
    pieces = [piece for piece in rest if isinstance(piece, str)]
    assert len(pieces) == len(rest) > 1
    assert isinstance(final, Answer)
    assert final.text == "".join(pieces).strip() == answerer.answer(question).text
    assert [s.source for s in final.cited] == ["data/lumen-troubleshooting.md"]


def test_citations_to_nothing_retrieved_are_reported(answerer: RagAnswerer) -> None:
    sources = answerer.retrieve("lamp blinks")
    from scaffolder.kit.llm.types import Completion

    made_up = Completion(text="It needs a 15 W charger. [9]", model="m", provider="p")
    answer = answerer.finish("lamp blinks", sources, made_up, 0.0)
    assert not answer.grounded
    assert answer.citations.unknown == ("9",)
    assert answer.as_json()["unknown_citations"] == ["9"]
    assert [entry["label"] for entry in answer.as_json()["sources"]] == [
        str(n) for n in range(1, len(sources) + 1)
    ]


def test_each_passage_carries_the_heading_its_chunk_sits_under(answerer: RagAnswerer) -> None:
    question = "Why does my lamp blink three times?"
    sources = answerer.retrieve(question)
    task = answerer.request(question, sources).task
    assert isinstance(task, AnswerTask)
    assert task.passages[0].heading == "The lamp blinks three times"
    for passage, source in zip(task.passages, sources, strict=True):
        assert passage.heading == source.heading
        assert f"> {passage.heading}, line" in source.citation
