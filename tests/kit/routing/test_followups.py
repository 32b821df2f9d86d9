"""Which turns read as follow-ups."""

from __future__ import annotations

import pytest

from scaffolder.kit.routing.followups import followup_cue
from scaffolder.kit.text import only_asks_for_more


@pytest.mark.parametrize(
    "text",
    [
        "and on Linux?",
        "what about macOS?",
        "make it shorter",
        "add borders to the table",
        "it says permission denied",
        "shorter please",
        "fix it",
        "can you tell me more about that?",
        "could you please elaborate a little on the second point?",
    ],
)
def test_follow_ups_are_recognised(text: str) -> None:
    assert followup_cue(text) is not None


@pytest.mark.parametrize(
    "text",
    [
        "how do I install the CLI on Windows?",
        "summarize this long email for my manager",
        "who won the football match yesterday?",
        "tell me about the warranty terms",
        "",
    ],
)
def test_requests_that_stand_alone_are_not(text: str) -> None:
    assert followup_cue(text) is None


def test_the_cue_says_why() -> None:
    assert followup_cue("And on Linux?") == "opens with 'and'"
    assert followup_cue("make it shorter") == "asks to make something already discussed"


def test_asking_for_more_is_a_follow_up_at_any_length() -> None:
    assert followup_cue("can you tell me more about that?") == "asks for more ('tell me more')"


@pytest.mark.parametrize(
    ("text", "only_more"),
    [
        ("tell me more", True),
        ("can you tell me more about that?", True),
        ("and what else?", True),
        ("tell me more about the warranty", False),
        ("and how do I decompress it?", False),
    ],
)
def test_a_follow_up_that_only_asks_for_more_names_no_subject(text: str, only_more: bool) -> None:
    assert only_asks_for_more(text) is only_more
