"""An LLM judge with an anchored A-F rubric, and pairwise comparison with swapped order.

Why these rules: a judge's single verdict is noisy and position-biased. The model is pinned
(the `model` option, else `[tool.copilot.bench] judge_model`) and run at temperature 0; it
gives several judgements (`judgements`, default 3, each its own cache entry through the
sample index) which are averaged, and the agreement between them is reported so a shaky
verdict shows as such. Pairwise judgements alternate which answer is shown first, so a
judge that always prefers "the first one" ends up with agreement near 0.5, not a fake win.

A reply with no grade the parser can read is no verdict at all, not an F: it is left out of
the average and of the agreement, and when no reply of a case can be read the case is
"ungraded" (`Grade.ungraded`), which runs count apart from pass rates.
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from dataclasses import dataclass

from scaffolder.errors import BenchError
from scaffolder.kit.bench.types import Grade, GradeInput
from scaffolder.kit.llm.client import LLM
from scaffolder.kit.llm.types import ChatRequest, Message

LETTER_SCORES = {"A": 1.0, "B": 0.8, "C": 0.6, "D": 0.4, "E": 0.2, "F": 0.0}
DEFAULT_JUDGEMENTS = 3
DEFAULT_PASS_SCORE = 0.7
RUBRIC = """You grade an assistant's answer to a user's request against a reference answer.
Use exactly one letter of this rubric:
A: correct and complete; says everything the reference says that matters, nothing false.
B: correct; misses a minor detail of the reference or adds harmless extra material.
C: partly correct; gets the main point but misses or muddles an important detail.
D: mostly wrong or incomplete; only fragments of the reference are there.
E: wrong; contradicts the reference, but stays on the request.
F: off-topic, harmful, a refusal without reason, or empty.
Judge substance, not style or length. Reply with a one-sentence reason, then a last line
`Grade: <letter>`."""
PAIRWISE = """You compare two answers to the same user request; a reference answer may help.
Decide which answer is better on correctness first, then completeness; ignore length, style
and the order they are shown in. Reply with a one-sentence reason, then a last line
`Winner: 1`, `Winner: 2` or `Winner: tie`."""
_GRADE = re.compile(r"grade\s*[:=]\s*\**\s*([A-F])\b", re.IGNORECASE)
_WINNER = re.compile(r"winner\s*[:=]\s*\**\s*(1|2|tie)\b", re.IGNORECASE)
#: The letter or vote of a reply the parser could not read.
UNPARSED = "?"


@dataclass(frozen=True)
class Verdict:
    """Averaged judgements: mean score, the letters given (`?` for a reply with no grade),
    and how much they agree; score and agreement count only the letters that were read."""

    score: float
    letters: tuple[str, ...]
    agreement: float

    @property
    def unparsed(self) -> int:
        return self.letters.count(UNPARSED)

    @property
    def graded(self) -> bool:
        return self.unparsed < len(self.letters)


def _agreement(votes: list[str]) -> float:
    """The share of votes that agree with the most common one."""
    if not votes:
        return 0.0
    return Counter(votes).most_common(1)[0][1] / len(votes)


async def judge_answer(
    llm: LLM,
    request: str,
    answer: str,
    references: tuple[str, ...],
    *,
    model: str | None,
    judgements: int = DEFAULT_JUDGEMENTS,
) -> Verdict:
    reference = "\n".join(references) or "(no reference answer; judge on the request alone)"
    user = f"<request>\n{request}\n</request>\n<reference>\n{reference}\n</reference>\n"
    user += f"<answer>\n{answer}\n</answer>"
    replies = await asyncio.gather(
        *(
            llm.acomplete(_request(RUBRIC, user, model, sample))
            for sample in range(max(judgements, 1))
        )
    )
    letters = []
    for reply in replies:
        found = _GRADE.findall(reply.text)
        letters.append(found[-1].upper() if found else UNPARSED)
    read = [letter for letter in letters if letter != UNPARSED]
    score = sum(LETTER_SCORES[letter] for letter in read) / len(read) if read else 0.0
    return Verdict(score, tuple(letters), _agreement(read))


@dataclass(frozen=True)
class Preference:
    """Pairwise result: how often `first` won (ties count half) and the vote agreement, over
    the votes that were read (`?` marks a reply with no winner line)."""

    first_wins: float
    votes: tuple[str, ...]
    agreement: float

    @property
    def unparsed(self) -> int:
        return self.votes.count(UNPARSED)

    @property
    def graded(self) -> bool:
        return self.unparsed < len(self.votes)


async def compare_answers(
    llm: LLM,
    request: str,
    first: str,
    second: str,
    *,
    reference: str = "",
    model: str | None,
    judgements: int = 2,
) -> Preference:
    """Judge `first` against `second`, showing `second` first on every other judgement."""

    def prompt(swapped: bool) -> str:
        one, two = (second, first) if swapped else (first, second)
        text = f"<request>\n{request}\n</request>\n"
        if reference:
            text += f"<reference>\n{reference}\n</reference>\n"
        return text + f"<answer_1>\n{one}\n</answer_1>\n<answer_2>\n{two}\n</answer_2>"

    count = max(judgements, 2)
    replies = await asyncio.gather(
        *(
            llm.acomplete(_request(PAIRWISE, prompt(sample % 2 == 1), model, sample))
            for sample in range(count)
        )
    )
    votes = []
    for sample, reply in enumerate(replies):
        found = _WINNER.findall(reply.text)
        shown = found[-1].lower() if found else UNPARSED
        if sample % 2 == 1 and shown in ("1", "2"):
            shown = "2" if shown == "1" else "1"
        votes.append({"1": "first", "2": "second"}.get(shown, shown))
    read = [vote for vote in votes if vote != UNPARSED]
    points = [1.0 if v == "first" else 0.5 if v == "tie" else 0.0 for v in read]
    wins = sum(points) / len(points) if points else 0.0
    return Preference(wins, tuple(votes), _agreement(read))


def _request(system: str, user: str, model: str | None, sample: int) -> ChatRequest:
    return ChatRequest(
        messages=(Message("system", system), Message("user", user)),
        model=model,
        temperature=0.0,
        max_tokens=200,
        sample=sample,
    )


def _llm(given: GradeInput) -> LLM:
    if given.llm is None:
        raise BenchError("the judge grader needs a model client")
    return given.llm


async def judge_grade(given: GradeInput) -> Grade:
    """The `judge` grader: averaged rubric judgements; passes at `pass_score` (default 0.7)."""
    verdict = await judge_answer(
        _llm(given),
        given.case.text,
        given.output.answer,
        given.case.references,
        model=given.options.get("model"),
        judgements=int(given.options.get("judgements", DEFAULT_JUDGEMENTS)),
    )
    extra = {
        "letters": list(verdict.letters),
        "agreement": verdict.agreement,
        "unparsed": verdict.unparsed,
    }
    if not verdict.graded:
        return _ungraded(len(verdict.letters), "grade", extra)
    passed = verdict.score >= float(given.options.get("pass_score", DEFAULT_PASS_SCORE))
    detail = f"grades {''.join(verdict.letters)}, agreement {verdict.agreement:.0%}"
    if verdict.unparsed:
        detail += f" ({_replies(verdict.unparsed)} with no grade left out)"
    return Grade(passed, verdict.score, detail, extra)


def _ungraded(replies: int, line: str, extra: dict[str, object]) -> Grade:
    """No verdict: neither pass nor fail, so runs count it apart from their pass rates."""
    detail = f"ungraded: no {line} in any of the judge's {_replies(replies)}"
    return Grade(False, 0.0, detail, extra, ungraded=True)


def _replies(count: int) -> str:
    return f"{count} repl{'y' if count == 1 else 'ies'}"


async def judge_pairwise_grade(given: GradeInput) -> Grade:
    """The `judge_pairwise` grader: the answer is at least as good as the first reference."""
    if not given.case.references:
        raise BenchError(f"case {given.case.id!r}: judge_pairwise needs a reference answer")
    preference = await compare_answers(
        _llm(given),
        given.case.text,
        given.output.answer,
        given.case.references[0],
        model=given.options.get("model"),
        judgements=int(given.options.get("judgements", 2)),
    )
    extra = {
        "votes": list(preference.votes),
        "agreement": preference.agreement,
        "unparsed": preference.unparsed,
    }
    if not preference.graded:
        return _ungraded(len(preference.votes), "winner", extra)
    detail = f"votes {', '.join(preference.votes)}, agreement {preference.agreement:.0%}"
    return Grade(preference.first_wins >= 0.5, preference.first_wins, detail, extra)
