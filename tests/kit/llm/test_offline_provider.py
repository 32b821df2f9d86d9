"""The offline provider: deterministic, useful stand-in answers from structured tasks."""

from __future__ import annotations

import json
from typing import Literal

import jsonschema
from pydantic import BaseModel, Field

from scaffolder.kit.llm import local_embedding
from scaffolder.kit.llm.providers.offline import NO_TASK_REPLY, OfflineProvider
from scaffolder.kit.llm.providers.offline_tasks import DONT_KNOW, NO_SOURCES, answer
from scaffolder.kit.llm.types import (
    AnswerTask,
    ChatRequest,
    ClassifyTask,
    EmbeddingRequest,
    Message,
    Passage,
    StructuredTask,
)
from scaffolder.kit.retrieval.citations import check_citations

PASSAGES = (
    Passage(
        "1", "Lumen has five brightness levels. The Focus scene sets 5000 K at full brightness."
    ),
    Passage(
        "2",
        "Three blinks mean the power supply delivers too little current. Use a USB-C charger "
        "rated 15 W or more.",
    ),
    Passage("3", "Hold the touch button for twenty seconds to reset. All scenes are erased."),
)


def ask(task: AnswerTask | ClassifyTask | StructuredTask) -> str:
    request = ChatRequest(messages=(Message("user", "ignored by the offline provider"),), task=task)
    return OfflineProvider().complete(request).text


def test_answers_extractively_with_citations() -> None:
    reply = ask(AnswerTask("Why does the lamp blink three times?", PASSAGES))
    assert reply.startswith("Three blinks mean the power supply delivers too little current. [2]")
    assert "[1]" not in reply and "[3]" not in reply


def test_picks_the_passage_that_answers() -> None:
    assert "[3]" in ask(AnswerTask("How do I reset the lamp?", PASSAGES))
    assert "5000 K" in ask(
        AnswerTask("What colour temperature does the Focus scene use?", PASSAGES)
    )


def test_says_it_does_not_know() -> None:
    assert ask(AnswerTask("What is the capital of France?", PASSAGES)) == DONT_KNOW
    assert ask(AnswerTask("How do I reset it?", ())) == NO_SOURCES


def test_is_deterministic() -> None:
    task = AnswerTask("What charger do I need?", PASSAGES)
    assert len({ask(task) for _ in range(5)}) == 1


def test_classifies_by_similarity() -> None:
    labels = ("answer", "smalltalk", "out_of_scope")
    descriptions = (
        "a question about the lamp, its light, power, app or reset",
        "greetings and thanks, hello, hi, thank you",
        "anything unrelated such as weather, sports or politics",
    )
    assert ask(ClassifyTask("How do I reset the lamp?", labels, descriptions)) == "answer"
    assert ask(ClassifyTask("hello, thank you!", labels, descriptions)) == "smalltalk"
    assert ask(ClassifyTask("who won the sports final?", labels, descriptions)) == "out_of_scope"


class Step(BaseModel):
    title: str
    minutes: int = Field(ge=1)


class Plan(BaseModel):
    goal: str
    priority: Literal["low", "high"]
    steps: list[Step] = Field(min_length=2)
    done: bool
    score: float | None


def test_structured_output_is_schema_valid() -> None:
    schema = Plan.model_json_schema()
    reply = ask(StructuredTask(schema, text="Reset the lamp and pair it again."))
    data = json.loads(reply)
    jsonschema.validate(data, schema)
    plan = Plan.model_validate(data)
    assert plan.priority == "low"
    assert len(plan.steps) == 2
    assert plan.steps[0].minutes == 1
    assert plan.goal == "Reset the lamp and pair it again."


def test_plain_chat_says_what_it_is() -> None:
    request = ChatRequest(messages=(Message("user", "tell me a joke"),))
    completion = OfflineProvider().complete(request)
    assert completion.text == NO_TASK_REPLY
    assert completion.provider == "offline"
    assert completion.model == "offline-chat"
    assert completion.usage is not None and completion.usage.prompt_tokens == 4


def test_stream_reassembles_to_the_completion() -> None:
    request = ChatRequest(messages=(), task=AnswerTask("How do I reset the lamp?", PASSAGES))
    provider = OfflineProvider()
    chunks = list(provider.stream(request))
    assert "".join(chunk.text for chunk in chunks) == provider.complete(request).text
    assert chunks[-1].finish_reason == "stop"
    assert len(chunks) > 3


def test_local_embeddings_are_deterministic_and_meaningful() -> None:
    texts = ("reset the lamp", "resetting the lamp", "weather forecast for tomorrow")
    vectors = OfflineProvider().embed(EmbeddingRequest(texts)).vectors
    assert vectors == local_embedding.embed_texts(texts)
    assert len(vectors[0]) == local_embedding.DIMENSIONS
    near = local_embedding.cosine(vectors[0], vectors[1])
    far = local_embedding.cosine(vectors[0], vectors[2])
    assert near > 0.5 > far
    assert abs(local_embedding.cosine(vectors[0], vectors[0]) - 1.0) < 1e-9
    assert local_embedding.embed_text("") == [0.0] * local_embedding.DIMENSIONS


def test_a_word_broken_across_lines_by_a_typesetter_is_answered_whole() -> None:
    """groff hyphenates with U+2010 at the line end: the answer must read "questionable",
    while a compound's ASCII hyphen ("well-\\nknown") is left alone."""
    passage = Passage(
        "1",
        "--debug\n       annotate the part of the line used, and warn about ques\u2010\n"
        "       tionable usage to stderr and well-\n       known traps",
    )
    reply = ask(AnswerTask("How do I get warnings about questionable usage?", (passage,)))
    assert "questionable usage" in reply
    assert "well- known" in reply


README = Passage(
    "r1",
    "## Cancelling\n\n"
    "Pass an abort signal to stop a request that is already in flight.\n\n"
    "```js\n"
    "const controller = new AbortController();\n"
    "client.get('/items', { signal: controller.signal });\n"
    "controller.abort();\n"
    "```\n\n"
    "## Retries\n\n"
    "```js\n"
    "client.get('/items', { retries: 3 });\n"
    "```\n",
)


def test_a_how_to_answer_brings_the_example_that_follows_it() -> None:
    """READMEs say what a call does in a sentence and show it in the code block below: the
    answer keeps the block's lines, fenced and cited, and the citation check still passes."""
    reply = ask(AnswerTask("How do I stop a request that is already in flight?", (README,)))
    first = "Pass an abort signal to stop a request that is already in flight. [r1]"
    assert reply.startswith(first)
    assert "\n```\nconst controller = new AbortController();\n" in reply
    assert reply.endswith("controller.abort();\n``` [r1]")
    assert "retries" not in reply  # the next section's example is not this answer's
    report = check_citations(reply, ["r1"])
    assert report.ok and report.cited == ("r1",)


def test_a_sentence_that_introduces_an_example_brings_it_from_any_passage() -> None:
    """ "... with the git key:" says that the example below it is the answer: it comes with the
    sentence, though another passage holds the best one; a sentence that introduces nothing
    does not bring the example that happens to follow it."""
    passages = (
        Passage("1", "When a crate depends on a git repository, Cargo clones it into git/db."),
        Passage(
            "2",
            "To depend on a library located in a git repository, name it with the git key:\n\n"
            '````\n[dependencies]\nregex = { git = "https://example.org/regex.git" }\n````\n\n'
            "Cargo then fetches the repository.",
        ),
        Passage(
            "3",
            "A crate in a git repository is rebuilt when it changes.\n\n````\ncargo update\n````\n",
        ),
    )
    reply = ask(AnswerTask("How do I depend on a crate from a git repository?", passages))
    assert "name it with the git key: [2] \n```\n[dependencies]\nregex = { git = " in reply
    assert "cargo update" not in reply
    assert check_citations(reply, ["1", "2", "3"]).ok


def test_an_example_that_is_both_chosen_and_introduced_is_shown_once() -> None:
    passage = Passage(
        "d",
        "Name the regex dependency with the git key:\n\n"
        '```\n[dependencies]\nregex = { git = "https://example.org/regex.git" }\n```\n',
    )
    reply = ask(AnswerTask("How do I give the regex dependency a git key?", (passage,)))
    assert reply.count("example.org/regex.git") == 1
    assert reply.startswith("Name the regex dependency with the git key: [d] \n```")


def test_an_example_under_another_heading_is_not_appended() -> None:
    passage = Passage(
        "p",
        "## Cancelling\n\nPass an abort signal to stop a request in flight.\n\n"
        "## Retries\n\n```js\nclient.get('/items', { retries: 3 });\n```\n",
    )
    reply = ask(AnswerTask("How do I stop a request in flight?", (passage,)))
    assert "abort signal" in reply and "```" not in reply


def test_a_table_row_is_answered_on_its_own() -> None:
    """A markdown table is one record per row: the answer is the row that matches, not the
    whole table run together as one sentence."""
    passage = Passage(
        "t",
        "| Function | What it does |\n| --- | --- |\n"
        "| `parse(text)` | Read a version string into its parts |\n"
        "| `validate(text)` | Test whether a string is a valid version |\n",
    )
    reply = ask(AnswerTask("How do I test whether a string is a valid version?", (passage,)))
    assert "validate(text)" in reply
    assert "parse(text)" not in reply


def test_a_gutter_bar_is_indentation_not_a_table() -> None:
    """pydoc draws a bar beside a class's members. Read as table rows, every line of a method's
    description was a record of its own and answers began with "|"; read as indentation, the
    method and its description are one paragraph again."""
    passage = Passage(
        "c",
        "    class Calendar(builtins.object)\n"
        "     |  \n"
        "     |  monthdatescalendar(self, year, month)\n"
        "     |      Return a matrix (list of lists) representing a month's calendar.\n"
        "     |      Each row represents a week.\n"
        "     |  \n"
        "     |  iterweekdays(self)\n"
        "     |      Return an iterator for one week of weekday numbers.\n",
    )
    reply = ask(AnswerTask("How do I get a month's calendar as a matrix?", (passage,)))
    assert reply.startswith("monthdatescalendar(self, year, month) Return a matrix")
    assert "|" not in reply
    assert check_citations(reply, ["c"]).ok


def test_a_table_of_contents_is_navigation_not_an_answer() -> None:
    """A README's table of contents repeats every heading as a link to it, so it shares the
    most words with a question and says nothing; the section it links to answers."""
    passage = Passage(
        "r",
        "## Contents\n\n- [Installing](#installing)\n"
        "- [How to detect and close broken connections?](#how-to-detect-and-close-broken)\n\n"
        "## How to detect and close broken connections?\n\n"
        "Send a ping at an interval and close connections that do not answer with a pong.\n",
    )
    reply = ask(AnswerTask("How do I detect and close broken connections?", (passage,)))
    assert reply.startswith("Send a ping at an interval")
    assert "](#" not in reply


def test_a_manual_pages_running_head_and_foot_are_not_answers() -> None:
    """`man` prints the page's name at the top and bottom of every page. That line names the
    command a question asks about and says nothing; xargs's was the start of an answer."""
    passage = Passage(
        "x",
        "XARGS(1)                    General Commands Manual                   XARGS(1)\n\n"
        "NAME\n       xargs - build and execute command lines from standard input\n\n"
        "GNU findutils 4.9               January 2022                         XARGS(1)\n",
    )
    reply = ask(AnswerTask("What does xargs do with command lines?", (passage,)))
    assert reply.startswith("NAME xargs - build and execute command lines"), reply
    assert "(1)" not in reply and "January" not in reply


def test_an_abbreviation_does_not_end_the_sentence() -> None:
    """The offline answer splits sentences by the citation check's rule: "e.g." inside an
    aside ends nothing, so the citation follows the whole sentence."""
    passage = Passage(
        "w",
        "The link can break unnoticed (e.g. when the cord is pulled). Other text follows here.",
    )
    reply = ask(AnswerTask("When can the link break unnoticed?", (passage,)))
    assert reply == "The link can break unnoticed (e.g. when the cord is pulled). [w]"
    assert check_citations(reply, ["w"]).ok


def test_a_code_block_that_answers_is_fenced_at_its_matching_lines() -> None:
    """Help text pasted into a README as a code block: the answer shows the lines that match,
    fenced, so the citation check does not read each line as an uncited claim."""
    lines = [f"  --option-{n}   does thing number {n}" for n in range(20)]
    lines[15] = "  --allow-uncaught   let uncaught errors propagate"
    passage = Passage("h", "## Usage\n\n```\n" + "\n".join(lines) + "\n```\n")
    reply = ask(AnswerTask("What does the --allow-uncaught option do?", (passage,)))
    assert reply.startswith("```\n") and reply.endswith("\n``` [h]")
    assert "--allow-uncaught   let uncaught errors propagate" in reply
    assert len(reply.splitlines()) == 8 + 2  # the window and its fences
    assert "--option-0 " not in reply  # the block's first lines do not match
    assert check_citations(reply, ["h"]).ok


def test_code_examples_are_read_by_the_same_fence_rule_as_code_blocks() -> None:
    """A ~~~ fence opens an example too, and a ```` block quoting a ``` line stays one block:
    the offline answer reads fences by the rule in `kit.text`, as the chunker and
    `parsers.code_blocks` do."""
    passage = Passage(
        "f",
        "## Cancelling\n\nPass an abort signal to stop a request in flight.\n\n"
        "~~~js\ncontroller.abort();\n```\nstill.code();\n~~~\n",
    )
    reply = ask(AnswerTask("How do I stop a request in flight?", (passage,)))
    assert reply.startswith("Pass an abort signal to stop a request in flight. [f]")
    assert "\n~~~\ncontroller.abort();\n```\nstill.code();\n~~~ [f]" in reply
    assert check_citations(reply, ["f"]).ok


def test_a_sentence_nearly_as_relevant_joins_the_answer_from_another_passage() -> None:
    """Retrieval ranks whole passages: the option that answers is often in the second one,
    while the first holds prose sharing more of the question's words. Both are shown, the best
    sentence's passage first, each cited; a passage sharing one word stays out."""
    passages = (
        Passage("1", "ln creates hard links by default, symbolic links with --symbolic."),
        Passage("2", "-s, --symbolic\n    make symbolic links instead of hard links"),
        Passage("3", "-v, --verbose\n    print the name of each linked file"),
    )
    reply = ask(AnswerTask("How do I create a symbolic link rather than a hard link?", passages))
    assert reply == (
        "ln creates hard links by default, symbolic links with --symbolic. [1] "
        "-s, --symbolic make symbolic links instead of hard links [2]"
    )
    assert check_citations(reply, ["1", "2", "3"]).ok


def test_a_question_that_says_it_with_another_word_is_answered() -> None:
    """A question says "remove" where the manual says "delete": the option that deletes is part
    of the answer, not only the summary line that shares the words "tr" and "characters"."""
    manual = Passage(
        "1",
        "NAME\n    tr - translate or squeeze characters\n\nOPTIONS\n\n"
        "-d, --delete\n    delete characters in SET1, do not translate\n\n"
        "-s, --squeeze-repeats\n    replace each sequence of a repeated character with one\n",
    )
    reply = ask(AnswerTask("How do I remove characters with tr?", (manual,)))
    assert "-d, --delete delete characters in SET1, do not translate [1]" in reply
    assert "squeeze-repeats" not in reply


def test_an_option_that_says_it_in_other_words_joins_an_answer_that_clears_the_floor() -> None:
    """The floor decides whether the passages answer at all; what joins the best sentence is
    chosen relative to it. The option sharing two words with the question ("exist", "file")
    is below the floor on its own, and it is the part that answers."""
    manual = Passage(
        "1",
        "mv moves or renames files.\n\n-n, --no-clobber\n    do not overwrite an existing file\n\n"
        "-v, --verbose\n    explain what is being done\n",
    )
    reply = ask(AnswerTask("How do I stop mv from replacing files that already exist?", (manual,)))
    assert reply == (
        "mv moves or renames files. [1] -n, --no-clobber do not overwrite an existing file [1]"
    )


def test_a_sentence_that_several_passages_repeat_is_said_once() -> None:
    """Two functions' docstrings share a note; its copy would take the place of a sentence
    that adds something."""
    note = "For days outside the specified month the day number is 0."
    first = Passage("1", f"monthdayscalendar(year, month): weeks of day numbers.\n\n{note}\n")
    second = Passage("2", f"monthdays2calendar(year, month): weeks of day pairs.\n\n{note}\n")
    reply = ask(AnswerTask("What day number do days outside the month get?", (first, second)))
    assert reply.count("outside the specified month") == 1


EXPRESS = (
    '<a href="https://expressjs.com/">\n  <picture>\n    <img alt="Express Logo" src="logo.svg">\n'
    "  </picture>\n</a>\n\n"
    "**Fast, unopinionated, minimalist web framework for [Node.js](https://nodejs.org).**\n\n"
    "[![NPM Version][npm-version-image]][npm-url]\n"
    "[![Coverage](https://badgen.net/express.svg)](https://coveralls.io/r/expressjs/express)\n\n"
    "## Installation\n\nInstall express with npm, then create an express app.\n"
)


def test_a_document_s_opening_answers_a_question_that_only_names_it() -> None:
    """Retrieval marks the opening of a document the question only names; a README's tagline
    says what the package is without its name, and its logo and badges say nothing. A
    passage retrieval did not mark is answered by the question's words, whatever it names."""
    readme = Passage("1", EXPRESS, "data/express.md, lines 1-14", opening=True)
    for question in ("What is express?", "Tell me about Express"):
        reply = answer(AnswerTask(question, (readme,)))
        assert reply.startswith("**Fast, unopinionated, minimalist web framework for"), question
        assert "badgen" not in reply and "Logo" not in reply
    unmarked = Passage("1", EXPRESS, "data/express.md, lines 1-14")
    assert not answer(AnswerTask("What is express?", (unmarked,))).startswith("**Fast")
    install = answer(AnswerTask("How do I install express?", (unmarked,)))
    assert install.startswith("Install express with npm")


def test_every_sentence_of_an_answer_is_cited_where_the_citation_check_splits_it() -> None:
    """pydoc's examples sit in the text unfenced: "Timer(...)" ends a sentence for the
    citation check (a period, a closing bracket, a space). The answer splits there too, so
    no piece of what it says reads as a claim without a citation."""
    timeit = Passage(
        "1",
        "print_exc(self, file=None)\n"
        "    Helper to print a traceback from the timed code.\n"
        "    t = Timer(...)       # outside the try/except\n"
        "    try:\n"
        "        t.timeit(...)    # or t.repeat(...)\n"
        "    except:\n"
        "        t.print_exc()\n",
    )
    reply = answer(AnswerTask("What does print_exc() do in timeit?", (timeit,)))
    assert "Helper to print a traceback" in reply
    assert check_citations(reply, ["1"]).uncited_sentences == ()


def test_a_sentence_from_the_middle_of_a_paragraph_comes_with_its_first_one() -> None:
    """A manual's entry names its setting in the paragraph's first sentence; the sentence that
    matches the question further on does not say which setting it is about, so the answer
    starts where the paragraph does. A sentence of another paragraph brings no lead."""
    passage = Passage(
        "1",
        "       Persistent=\n"
        "           Takes a boolean argument. If true, the time when the service unit was\n"
        "           last triggered is stored on disk. This is useful to catch up on missed\n"
        "           runs of the service when the system was powered down.\n\n"
        "       WakeSystem=\n"
        "           Takes a boolean argument. If true, an elapsing timer will cause the\n"
        "           system to resume from suspend.\n",
    )
    reply = ask(
        AnswerTask("How do I catch up on missed runs after the machine was off?", (passage,))
    )
    assert reply.startswith("Persistent= Takes a boolean argument. [1] ")
    assert "This is useful to catch up on missed runs" in reply
    assert "WakeSystem" not in reply
    assert check_citations(reply, ["1"]).ok
