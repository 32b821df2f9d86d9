"""One token budget across a request: each strategy, priorities, the report of cuts, the error
when what must be sent cannot fit, and properties that hold for any request and budget."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scaffolder.errors import TokenBudgetError
from scaffolder.kit.llm.budget import (
    DEFAULT_PASSAGE_HEADING,
    BudgetPart,
    BudgetResult,
    Cut,
    elide_middle,
    fit,
    render_passages,
)
from scaffolder.kit.llm.tokens import EstimatingCounter, TokenCounter
from scaffolder.kit.llm.types import ChatRequest, Message, Passage, Role

HUGE = 10**9


class WordCounter(TokenCounter):
    """One token a word, so expected sizes can be worked out by hand: a message costs
    3 + 1 (its role) + its words, and a request 3 more."""

    name = "words"
    exact = True

    def count(self, text: str) -> int:
        return len(text.split())


words = WordCounter()
SYSTEM = Message("system", "be brief")  # 3 + 1 + 2 = 6
QUESTION = Message("user", "and now")  # 6


def user(text: str) -> Message:
    return Message("user", text)


def assistant(text: str) -> Message:
    return Message("assistant", text)


def request(*middle: BudgetPart) -> list[BudgetPart]:
    return [BudgetPart.keep("system", SYSTEM), *middle, BudgetPart.keep("question", QUESTION)]


def test_everything_fits_untouched() -> None:
    history = [user("hi there"), assistant("hello")]
    result = fit(request(BudgetPart.history("history", history)), HUGE, words)
    assert result.messages == (SYSTEM, *history, QUESTION)
    assert result.cuts == ()
    assert result.total_tokens == words.count_messages(result.messages) == 3 + 6 + 6 + 5 + 6
    assert (result.counter, result.exact, result.budget_tokens) == ("words", True, HUGE)
    assert ChatRequest(messages=result.messages).messages[0] == SYSTEM


def test_history_drops_oldest_turns_first() -> None:
    turns = [[user(f"question {n}"), assistant(f"answer {n}")] for n in range(3)]  # 12 a turn
    history = [message for turn in turns for message in turn]
    parts = request(BudgetPart.history("history", history))
    # 3 + 6 + 6 = 15 always; room for one turn only.
    result = fit(parts, 15 + 12 + 11, words)
    assert result.part("history").messages == tuple(turns[2])
    assert result.cuts == (Cut("history", "2 oldest turns (4 messages)", 24),)
    assert result.total_tokens == 27


def test_turns_keep_questions_with_their_answers_and_tool_results() -> None:
    greeting = assistant("welcome")  # 5
    first = [user("look it up"), assistant("calling"), Message("tool", "result data")]  # 7+5+6
    second = [user("thanks"), assistant("ok")]  # 5 + 5
    parts = request(BudgetPart.history("history", [greeting, *first, *second]))
    assert fit(parts, 15 + 28, words).part("history").messages == (*first, *second)
    # One token short of the first turn: it leaves whole, never its question alone.
    assert fit(parts, 15 + 27, words).part("history").messages == tuple(second)
    assert fit(parts, 15 + 9, words).cuts == (
        Cut("history", "the whole history: 3 turns (6 messages)", 33),
    )


def test_passages_lowest_ranked_go_first_and_render_with_ids() -> None:
    passages = [Passage(f"p{rank}", f"fact number {rank}") for rank in range(1, 5)]
    parts = request(BudgetPart.retrieved("context", passages))
    full = fit(parts, HUGE, words)
    block = full.part("context").messages[0]
    assert block.role == "system"
    assert block.content == render_passages(passages)
    assert block.content.startswith(DEFAULT_PASSAGE_HEADING + "\n\n[p1] fact number 1\n\n[p2]")

    # The heading is 7 words, each passage 4: keeping two needs 15 + 4 + 7 + 8.
    result = fit(parts, 15 + 19, words)
    assert result.passages == tuple(passages[:2])
    assert result.part("context").messages[0].content == render_passages(passages[:2])
    assert result.cuts == (Cut("context", "2 lowest-ranked passages: p4, p3", 8),)


def test_no_passages_left_means_no_context_message() -> None:
    parts = request(BudgetPart.retrieved("context", [Passage("p1", "a long fact here")]))
    result = fit(parts, 15 + 5, words)
    assert result.messages == (SYSTEM, QUESTION)
    assert result.cuts[0].what == "1 lowest-ranked passage: p1"


def test_document_keeps_head_and_tail_eliding_as_little_as_possible() -> None:
    lines = [f"line {n}" for n in range(10)]
    parts = request(BudgetPart.document("code", "\n".join(lines)))
    budget = 15 + 4 + 14  # message overhead and role, then 14 words of text
    result = fit(parts, budget, words)
    text = result.part("code").messages[0].content
    # Each line is 2 words and the marker 5: 4 lines kept (8) + marker = 13.
    assert text.split("\n") == ["line 0", "line 1", "… [6 lines elided] …", "line 8", "line 9"]
    assert text == elide_middle(lines, 6)
    assert words.count(elide_middle(lines, 5)) > 14  # one line less elided would not fit
    assert result.cuts == (Cut("code", "6 of 10 lines from the middle", 24 - 17),)
    assert result.total_tokens <= budget


def test_document_too_large_to_elide_is_dropped() -> None:
    parts = request(BudgetPart.document("code", "one\ntwo\nthree"))
    result = fit(parts, 15 + 3, words)
    assert result.part("code").messages == ()
    assert result.cuts == (Cut("code", "the whole text (3 lines)", 7),)


def test_elide_middle_shapes() -> None:
    lines = ["a", "b", "c", "d", "e"]
    assert elide_middle(lines, 0) == "a\nb\nc\nd\ne"
    assert elide_middle(lines, 2) == "a\nb\n… [2 lines elided] …\ne"  # the head keeps the odd one
    assert elide_middle(lines, 4) == "a\n… [4 lines elided] …"


def test_lower_priority_gives_way_entirely_first() -> None:
    history = [user("old question here"), assistant("old answer here")]  # 7 + 7
    passages = [Passage("p1", "useful fact"), Passage("p2", "another fact")]  # 4+7+3+3
    parts = request(
        BudgetPart.history("history", history, priority=2),
        BudgetPart.retrieved("context", passages, priority=1),
    )
    assert fit(parts, HUGE, words).total_tokens == 15 + 14 + 17
    # One token too many: context gives up a passage, history nothing.
    result = fit(parts, 15 + 14 + 16, words)
    assert result.passages == (passages[0],)
    assert result.part("history").messages == tuple(history)
    # Room for history alone: all context goes before any history does.
    result = fit(parts, 15 + 14, words)
    assert result.part("context").messages == ()
    assert result.part("history").messages == tuple(history)
    # Once context is gone, history gives way next.
    result = fit(parts, 15 + 5, words)
    assert [cut.part for cut in result.cuts] == ["history", "context"]
    assert result.messages == (SYSTEM, QUESTION)


def test_equal_priorities_give_way_in_listed_order() -> None:
    parts = request(
        BudgetPart.document("first", "one two three"),
        BudgetPart.document("second", "four five six"),
    )
    result = fit(parts, fit(parts, HUGE, words).total_tokens - 1, words)
    assert [cut.part for cut in result.cuts] == ["first"]


def test_cuts_add_up_to_what_was_saved() -> None:
    history = [user(f"question {n} " * 3) for n in range(4)]
    passages = [Passage(f"p{n}", "text " * n) for n in range(5)]
    parts = request(
        BudgetPart.history("history", history, priority=1),
        BudgetPart.retrieved("context", passages, priority=2),
        BudgetPart.document("doc", "\n".join(f"line {n}" for n in range(30))),
    )
    full = fit(parts, HUGE, words).total_tokens
    result = fit(parts, 30, words)
    assert {cut.part for cut in result.cuts} == {"history", "context", "doc"}
    assert full - result.total_tokens == sum(cut.tokens_saved for cut in result.cuts)
    assert result.total_tokens == sum(part.tokens for part in result.parts) + 3


def test_parts_that_must_stay_over_budget_raise_one_line() -> None:
    parts = request(BudgetPart.history("history", [user("anything")]))
    with pytest.raises(TokenBudgetError) as raised:
        fit(parts, 14, words)
    message = str(raised.value)
    assert "\n" not in message
    assert "(system, question) need 15 tokens" in message
    assert "budget of 14" in message
    assert fit(parts, 15, words).messages == (SYSTEM, QUESTION)


def test_parts_reject_fields_their_strategy_ignores() -> None:
    with pytest.raises(ValueError, match="does not take messages"):
        BudgetPart("x", "trim_by_rank", messages=(SYSTEM,))
    with pytest.raises(ValueError, match="only trim_by_rank"):
        BudgetPart("x", "drop_oldest", passages=(Passage("p", "t"),))
    with pytest.raises(ValueError, match="only elide_middle"):
        BudgetPart("x", "keep", text="t")
    with pytest.raises(ValueError, match="unique"):
        fit([BudgetPart.keep("a", SYSTEM), BudgetPart.keep("a", QUESTION)], HUGE, words)


def test_empty_parts_render_nothing() -> None:
    parts = request(
        BudgetPart.history("history", []),
        BudgetPart.retrieved("context", []),
        BudgetPart.document("doc", ""),
    )
    result = fit(parts, 15, words)
    assert result.messages == (SYSTEM, QUESTION) and result.cuts == ()
    with pytest.raises(KeyError):
        result.part("missing")


# Property tests: any request, any budget, with the estimator a project really uses.

texts = st.text(st.characters(codec="utf-8"), max_size=80)
ROLES: tuple[Role, ...] = ("user", "assistant", "tool")
estimator = EstimatingCounter()


def turn_starts(messages: Sequence[Message]) -> set[int]:
    return {0, len(messages)} | {i for i, message in enumerate(messages) if message.role == "user"}


def check_document(original: str, fitted: BudgetResult) -> None:
    kept = fitted.part("code").messages
    if not kept or kept[0].content == original:
        return
    lines, shown = original.split("\n"), kept[0].content.split("\n")
    marker = next(i for i, line in enumerate(shown) if line.endswith("lines elided] …"))
    elided = int(shown[marker].split("[")[1].split()[0])
    assert shown[:marker] == lines[:marker]
    assert shown[marker + 1 :] == lines[marker + elided :]


@settings(max_examples=200, deadline=None)
@given(
    system=texts,
    history=st.lists(st.tuples(st.sampled_from(ROLES), texts), max_size=8),
    passages=st.lists(texts, max_size=6),
    code=st.lists(st.text(max_size=30).map(lambda s: s.replace("\n", " ")), max_size=25),
    latest=texts,
    priorities=st.lists(st.integers(0, 2), min_size=3, max_size=3),
    data=st.data(),
)
def test_fit_properties(
    system: str,
    history: list[tuple[Role, str]],
    passages: list[str],
    code: list[str],
    latest: str,
    priorities: list[int],
    data: st.DataObject,
) -> None:
    system_message, latest_message = Message("system", system), Message("user", latest)
    past = [Message(role, text) for role, text in history]
    ranked = [Passage(f"p{rank}", text) for rank, text in enumerate(passages)]
    document = "\n".join(code)
    parts = [
        BudgetPart.keep("system", system_message),
        BudgetPart.retrieved("context", ranked, priority=priorities[0]),
        BudgetPart.history("history", past, priority=priorities[1]),
        BudgetPart.document("code", document, priority=priorities[2]),
        BudgetPart.keep("latest", latest_message),
    ]
    full = fit(parts, HUGE, estimator).total_tokens
    fixed = estimator.count_messages([system_message, latest_message])
    with pytest.raises(TokenBudgetError):
        fit(parts, fixed - 1, estimator)
    percent = data.draw(st.integers(0, 105), label="percent of the droppable tokens")
    budget = fixed + (full - fixed) * percent // 100
    result = fit(parts, budget, estimator)

    assert result.total_tokens <= budget
    assert estimator.count_messages(result.messages) == result.total_tokens
    assert result.messages[0] == system_message and result.messages[-1] == latest_message
    assert [part.name for part in result.parts] == [part.name for part in parts]
    assert full - result.total_tokens == sum(cut.tokens_saved for cut in result.cuts)
    if full <= budget:
        assert result.cuts == ()

    kept_history = result.part("history").messages
    assert kept_history == tuple(past[len(past) - len(kept_history) :])  # oldest go first
    assert len(past) - len(kept_history) in turn_starts(past)  # whole turns only
    assert result.passages == tuple(ranked[: len(result.passages)])  # lowest rank go first
    check_document(document, result)

    # A part loses anything only once every part below it (priority, then listing) is gone.
    droppable = sorted(range(1, 4), key=lambda index: (parts[index].priority, index))
    cut_names = {cut.part for cut in result.cuts}
    for position, index in enumerate(droppable):
        if parts[index].name in cut_names:
            for lower in droppable[:position]:
                assert result.parts[lower].messages == (), parts[lower].name
