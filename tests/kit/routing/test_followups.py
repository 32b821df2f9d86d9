"""Which turns read as follow-ups."""

from __future__ import annotations

import pytest

from scaffolder.kit.routing.followups import followup_cue


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
        "",
    ],
)
def test_requests_that_stand_alone_are_not(text: str) -> None:
    assert followup_cue(text) is None


def test_the_cue_says_why() -> None:
    assert followup_cue("And on Linux?") == "opens with 'and'"
    assert followup_cue("make it shorter") == "asks to make something already discussed"
