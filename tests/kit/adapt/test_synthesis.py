"""Questions a model writes (`kit.adapt.synthesis`), through the real openai SDK against a
loopback server: what it claims is checked against the documents."""

from __future__ import annotations

import json
from pathlib import Path

from scaffolder.kit.adapt.corpus import read_corpus
from scaffolder.kit.adapt.manifest import Written
from scaffolder.kit.adapt.synthesis import MAX_PARTS, PART_CHARS, model_questions
from scaffolder.kit.llm.client import LLM
from scaffolder.kit.llm.providers.openai_provider import OpenAIConfig, OpenAIProvider
from scaffolder.kit.llm.retry import RetryPolicy
from scaffolder.kit.safety.pseudonyms import pseudonymizing
from scaffolder.kit.safety.redaction import Redactor
from tests.kit.adapt.test_derivation import write_data
from tests.kit.llm.fault_server import FaultServer, answer


def model(server: FaultServer) -> LLM:
    provider = OpenAIProvider(
        OpenAIConfig(
            kind="openai-compatible", chat_model="gpt-4o-mini",
            embedding_model="text-embedding-3-small", base_url=server.url, timeout=5.0,
        )
    )  # fmt: skip
    return LLM(provider, retry=RetryPolicy(base_delay=0.001, max_delay=0.01))


def written(question: str, quote: str, key: str) -> str:
    return json.dumps({"questions": [{"question": question, "answer": quote, "key_phrase": key}]})


def test_a_part_whose_answer_never_validates_is_skipped_and_the_next_is_asked(
    tmp_path: Path, model_server: FaultServer
) -> None:
    """Invalid JSON costs that part only (after the structured-output re-asks); a long
    document is asked about in parts, no more than `MAX_PARTS`, each within `PART_CHARS`."""
    paragraph = "The kiln fires glaze at 1240 degrees and cools overnight. " * 40
    long_text = "# Kiln\n\n" + "\n\n".join([paragraph] * (MAX_PARTS * 6))
    root = write_data(
        tmp_path / "project",
        {
            "kiln.md": long_text,
            "wheel.md": "# Wheel\n\nCentre the clay before you open it with your thumbs.\n",
        },
    )
    corpus = read_corpus(root)
    assert len(long_text) > PART_CHARS * (MAX_PARTS + 1)
    invalid = [answer("sorry, no JSON today")] * 3  # the first try and two re-asks
    kiln = "the kiln fires glaze at 1240 degrees and cools overnight."
    wheel = "Centre the clay before you open it with your thumbs."
    model_server.script(
        *invalid,
        answer(written("How hot does the kiln get?", kiln, "1240")),
        answer(written("What do I do first on the wheel?", wheel, "thumbs")),
    )
    synthesis = model_questions(corpus, model(model_server), {}, ())
    assert model_server.count == 3 + MAX_PARTS - 1 + 1
    for request in model_server.requests:
        asked = request["messages"][1]["content"]
        assert len(asked) < PART_CHARS + 200
        # Cut between sentences: each part ends with a whole one.
        assert asked.split("\n\nWrite")[0].rstrip().endswith(("overnight.", "thumbs."))
    assert len(synthesis.failed) == 1 and synthesis.failed[0].startswith("data/kiln.md: ")
    assert synthesis.stopped is None
    first, second = synthesis.candidates
    assert (first.source, first.key_phrase, first.kind) == ("data/kiln.md", "1240", "model")
    assert first.sentence == "The kiln fires glaze at 1240 degrees and cools overnight."
    assert (second.source, second.key_phrase) == ("data/wheel.md", "thumbs")


def test_the_documents_reach_the_model_pseudonymized_and_quotes_come_back_whole(
    tmp_path: Path, model_server: FaultServer
) -> None:
    """The documents are a new exit for the team's text: an e-mail address in them reaches
    the model as a placeholder, and the model's quote of it is restored before it is checked
    against the document, so the question is kept."""
    address = "orders@bakery.example"
    root = write_data(
        tmp_path / "project",
        {"orders.md": f"# Orders\n\nWrite to {address} to order a birthday cake.\n"},
    )
    quote = "Write to <EMAIL_1> to order a birthday cake."
    model_server.script(answer(written("How do I order a cake?", quote, "birthday")))
    llm = pseudonymizing(model(model_server), Redactor())
    synthesis = model_questions(read_corpus(root), llm, {}, ())
    assert address not in json.dumps(model_server.requests)
    assert "<EMAIL_1>" in model_server.requests[0]["messages"][1]["content"]
    (kept,) = synthesis.candidates
    assert kept.sentence == f"Write to {address} to order a birthday cake."


def test_recorded_questions_are_kept_without_asking_while_their_sentences_stand(
    tmp_path: Path, model_server: FaultServer
) -> None:
    """The manifest's record of a document's questions is reused while the document is
    unchanged, even with a model at hand (no call); a changed document is asked again when
    a model is at hand, and without one keeps the questions whose sentences still stand."""
    root = write_data(
        tmp_path / "project",
        {
            "kiln.md": "# Kiln\n\nThe kiln fires glaze at 1240 degrees and cools overnight.\n",
            "wheel.md": "# Wheel\n\nCentre the clay before you open it with your thumbs.\n",
        },
    )
    corpus = read_corpus(root)
    recorded = {
        "data/kiln.md": [
            Written(
                "How hot does the kiln get?",
                "The kiln fires glaze at 1240 degrees and cools overnight.",
                "1240",
            )
        ],
        "data/wheel.md": [
            Written("What comes first on the wheel?", "Trim the foot when leather hard.", "foot"),
            Written(
                "What do I do before opening the clay?",
                "Centre the clay before you open it with your thumbs.",
                "Centre",
            ),
        ],
    }
    unchanged = {"data/kiln.md"}  # wheel.md changed since
    offline = model_questions(corpus, None, recorded, unchanged)
    assert not offline.model and offline.reused == 2
    assert [c.question for c in offline.candidates] == [
        "How hot does the kiln get?",
        "What do I do before opening the clay?",  # the trimming sentence is gone
    ]
    assert offline.written["data/wheel.md"] == [recorded["data/wheel.md"][1]]

    quote = "centre the clay before you open it with your thumbs"
    model_server.script(answer(written("How do I start on the wheel?", quote, "Centre")))
    asked = model_questions(corpus, model(model_server), recorded, unchanged)
    assert model_server.count == 1  # about wheel.md only
    assert "wheel.md" in model_server.requests[0]["messages"][1]["content"]
    assert [c.question for c in asked.candidates] == [
        "How hot does the kiln get?",
        "How do I start on the wheel?",
    ]
    assert (asked.reused, asked.asked, asked.dropped) == (1, 1, 0)
