"""The citation checker: markers resolved, citations to nothing and uncited claims found."""

from __future__ import annotations

import pytest

from scaffolder.kit.llm.providers.offline_tasks import DONT_KNOW, answer
from scaffolder.kit.llm.types import AnswerTask, Passage
from scaffolder.kit.retrieval.citations import check_citations, split_sentences

IDS = ["aaaa1111aaaa1111aaaa1111", "bbbb2222bbbb2222bbbb2222", "cccc3333cccc3333cccc3333"]


def test_numbered_markers_resolve_in_retrieval_order() -> None:
    report = check_citations("The server listens on port 8080. [2] Logs go to stderr [1].", IDS)
    assert report.cited == (IDS[1], IDS[0])
    assert report.unknown == ()
    assert report.uncited_sentences == ()
    assert report.ok


@pytest.mark.parametrize("markers", ["[1, 3]", "[1][3]", "[1; 3]", "[1] [3]"])
def test_several_labels_in_one_place(markers: str) -> None:
    report = check_citations(f"Both passages say the default port is 8080 {markers}.", IDS)
    assert report.cited == (IDS[0], IDS[2])
    assert report.ok


def test_citations_to_nothing_retrieved_are_reported() -> None:
    text = "Port 8080 is the default one [4]. It can be changed [0, 2]. See also [deadbeef99]."
    report = check_citations(text, IDS)
    assert report.unknown == ("4", "0", "deadbeef99")
    assert report.cited == (IDS[1],)
    assert not report.ok


def test_chunk_ids_cite_themselves() -> None:
    report = check_citations(f"The default port is 8080 [{IDS[2]}].", IDS)
    assert report.cited == (IDS[2],)
    assert report.ok


def test_an_explicit_numbering() -> None:
    numbering = {"A": IDS[0], "B": IDS[1]}
    report = check_citations("The default port is 8080 [B]. Logs go to stderr [1].", numbering)
    assert report.cited == (IDS[1],)
    assert report.unknown == ("1",)


def test_sentences_citing_nothing_are_reported_but_connectives_are_not() -> None:
    text = (
        "In short: yes.\n"
        "Here is how it works:\n"
        "The server listens on port 8080 by default [1]. "
        "You can override it with an environment variable. "
        "Hope this helps!"
    )
    report = check_citations(text, IDS)
    assert report.uncited_sentences == ("You can override it with an environment variable.",)
    assert report.unknown == ()
    assert not report.ok


def test_prose_brackets_and_links_are_not_citations() -> None:
    report = check_citations("Pass [optional] flags as shown in [the guide](http://x/y).", IDS)
    assert report.cited == report.unknown == ()
    assert report.uncited_sentences == (
        "Pass [optional] flags as shown in [the guide](http://x/y).",
    )


@pytest.mark.parametrize(
    "text", [DONT_KNOW, "I do not know which port it uses.", "i can't tell from these sources."]
)
def test_dont_know_answers_need_no_citations(text: str) -> None:
    report = check_citations(text, IDS)
    assert report.dont_know
    assert report.ok


def test_an_answer_that_starts_otherwise_is_not_a_dont_know() -> None:
    report = check_citations("Knowing this, I don't know why you would change the port.", IDS)
    assert not report.dont_know
    assert len(report.uncited_sentences) == 1


def test_offline_provider_answers_pass_the_check() -> None:
    passages = (
        Passage(IDS[0], "The server listens on port 8080 by default. It logs to stderr."),
        Passage(IDS[1], "Install the package with pip before running the server."),
    )
    text = answer(AnswerTask("Which port does the server listen on?", passages))
    report = check_citations(text, [passage.id for passage in passages])
    assert report.cited == (IDS[0],)
    assert report.ok


def test_sentence_splitter() -> None:
    text = (
        "Use a tool, e.g. pip, to install it. [1] Then run it! [2][3]\n"
        "- a bullet point without a full stop\n"
        "```python\n"
        "print('code. is not a claim.')\n"
        "```\n"
        "2. Version 3.5 works too? Yes."
    )
    assert split_sentences(text) == [
        "Use a tool, e.g. pip, to install it. [1]",
        "Then run it! [2][3]",
        "a bullet point without a full stop",
        "Version 3.5 works too?",
        "Yes.",
    ]
