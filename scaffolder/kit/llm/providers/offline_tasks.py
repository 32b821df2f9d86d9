"""What the offline provider does with each kind of task, without a model.

It is a stand-in for demos and tests, not a model: answers are extracted sentences with
citations, classifications are nearest labels (structured outputs, the smallest JSON that
satisfies the schema, are `offline_structured`'s). All of it is deterministic, so tests built
on it are not flaky.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from scaffolder.kit.llm.local_embedding import cosine, embed_text, words
from scaffolder.kit.llm.types import AnswerTask, ClassifyTask
from scaffolder.kit.synonyms import SYNONYM_WEIGHT, related
from scaffolder.kit.text import (
    SENTENCE_END,
    closes_fence,
    fence_opened_by,
    heading_lines,
    is_table_row,
    only_asks_for_more,
    rejoin_broken_words,
    sentences_of,
    tokenize,
    without_gutter,
)

DONT_KNOW = "I don't know: none of the provided sources answers that."
NO_SOURCES = "I don't know: no sources were provided to answer from."
#: Where a sentence may end (`kit.text.SENTENCE_END`, the citation check's rule); `_sentences`
#: skips abbreviations.
_SENTENCE_END = re.compile(SENTENCE_END + r"(?=\s|$)")
_LIST_ITEM = re.compile(r"^(?:[>*+-]|\d+[.)])\s+")
#: A `Field: value` line of a record (a package's metadata headers, "Version: 5.0.0",
#: "License: Apache-2.0"): a fact of its own, like a list item, not part of a paragraph.
_FIELD = re.compile(r"^[A-Z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*: \S")
#: A Markdown link to a heading of the same document: `[Usage](#usage)`.
_OWN_ANCHOR_LINK = re.compile(r"\[[^\]]*\]\(#[^)\s]*\)")
#: What a reader never reads as words: a Markdown image (a README's badges), a link's
#: address or reference (its text stays) and an HTML tag (a logo's `<picture>`).
_NOT_WORDS = re.compile(r"!\[[^\]]*\][(\[][^)\]\s]*[)\]]|\][(\[][^)\]\s]*[)\]]|</?[A-Za-z][^<>]*>")
#: A manual page's running head or foot: "CUT(1)   User Commands   CUT(1)", "GNU coreutils 9.1
#: September 2022   CUT(1)". It names the page on every page and answers nothing.
_RUNNING_HEAD = re.compile(r"\s{2,}[A-Z][A-Z0-9._-]*\(\d[a-z]*\)$")
#: Below this the best sentence shares too little with the question to count as an answer.
#: It decides whether the passages answer at all; the sentences that join the best one are
#: chosen relative to it (`_RUNNER_UP`), so an option line that says the fact in other words
#: ("-n, --no-clobber: do not overwrite an existing file" for "stop mv from replacing files")
#: is not dropped for sharing few words when the best sentence clears it.
_MIN_SCORE = 0.25
#: An answer is the best sentence (with the first of its paragraph, `_lead`) and up to four in
#: all with the sentences that score at least `_RUNNER_UP` of it.
#: Why that many: reference text states a fact once, often in a sentence beside the one
#: sharing most words with the question (an option's name, then what it does), and an extract
#: that includes it answers where a shorter one does not (on man pages and pydoc text, one
#: sentence answered 8 and 21 of 32 and 34 questions, three at 0.6 of the best 12 and 23). The
#: runners-up may come from any passage given: retrieval ranks whole passages, and the option
#: that answers is often in the second one while the first holds the prose that shares more
#: words ("Create hard links by default, symbolic links with --symbolic" over ln's "-s,
#: --symbolic: make symbolic links instead of hard links"). Three sentences from the best
#: passage answered 12, 23 and 14 of the 32, 34 and 32 answerability questions (man pages,
#: pydoc, npm) right; from any passage 15, 24 and 15; four at half the best 17, 26 and 16, and
#: 11 instead of 9 of 23 questions on 20 other man and pydoc pages that no change was tried on
#: first (docs/performance.md).
_MAX_SENTENCES = 4
_RUNNER_UP = 0.5
_RANK_DECAY = 0.15
#: How much a sentence's match with the question a follow-up follows adds to its own match:
#: enough to prefer the sentence about the same thing ("and decode them?" after a question on
#: base64), too little to answer the first question again (equal weight did, on man pages).
_FOLLOWS_WEIGHT = 0.3
#: Words that ask rather than name what is asked about ("What should I know about size and
#: alignment?", "Tell me about sparse files"). Absent from the passages, they weighed as much
#: as the rarest word (`informativeness`) and outweighed the subject: "you should initialize
#: it to zero" answered that question for sharing "should".
_ASKING_WORDS = frozenset(tokenize("should know about tell explain describe please"))
#: How many units after the answer's last sentence its code example may start.
_EXAMPLE_REACH = 3
#: An example longer than this many lines is cut (its first lines show the call).
_EXAMPLE_LINES = 8


def content_words(text: str) -> set[str]:
    """Stemmed words that carry meaning (the BM25 tokenizer's), so "blinks" meets "blink"."""
    return set(tokenize(text))


def similarity(
    query: str,
    text: str,
    weight: Callable[[str], float] | None = None,
    *,
    synonyms: bool = False,
) -> float:
    """Half shared content words (as a share of the query's), half hashed-feature cosine.

    With `weight` (how informative a word is among the texts being compared), shared words
    count by weight: "reset" matters more than "lamp" when every passage mentions the lamp.
    With `synonyms`, a query word the text says with a synonym (`kit.synonyms`: "remove" for
    "delete") counts at `SYNONYM_WEIGHT` of a shared one."""
    query_words = content_words(query)
    if not query_words:
        return 0.0
    text_words = content_words(text)
    shared = query_words & text_words
    alike = {w for w in query_words - shared if related(w) & text_words} if synonyms else set()
    if not shared and not alike:
        return 0.0
    weigh = weight or (lambda _: 1.0)
    matched = sum(map(weigh, shared)) + SYNONYM_WEIGHT * sum(map(weigh, alike))
    overlap = matched / (sum(map(weigh, query_words)) or 1.0)
    return 0.5 * overlap + 0.5 * max(cosine(embed_text(query), embed_text(text)), 0.0)


def informativeness(texts: list[str]) -> Callable[[str], float]:
    """Each word's inverse document frequency among `texts`, `ln(1 + n / df)`: a word every
    text has weighs least; a word none has weighs as much as the rarest one."""
    counts: Counter[str] = Counter(word for text in texts for word in content_words(text))
    weights = {word: math.log(1 + len(texts) / df) for word, df in counts.items()}
    unseen = max(weights.values(), default=1.0)
    return lambda word: weights.get(word, unseen)


@dataclass(frozen=True)
class _Unit:
    """A sentence of a passage, or one of its fenced code examples, under its heading."""

    text: str
    heading: str
    code: bool = False
    #: Which paragraph of the passage the sentence is in (counted from 1; 0: none, as for
    #: code and table rows).
    paragraph: int = 0


def _units(text: str, heading: str = "") -> list[_Unit]:
    """The sentences and code examples of a passage, each with the heading it sits under.

    Paragraphs are runs of lines (hard-wrapped lines belong together); list items, table rows
    and headings stand alone. A heading names a topic rather than answering anything, so it is
    never an answer itself, but it says what the sentences below it are about ("Resetting to
    factory settings" over "Hold the button for twenty seconds"). A fenced code block is one
    unit, its lines kept: READMEs answer "how do I" with the example below the sentence that
    says what it does.

    `heading` is the one the passage starts under (its section's, `Passage.heading`): a piece
    cut from the middle of a section does not repeat it, and an HTML page's piece opens with
    it as a plain line, no `#` marking it. Without it, "Free up the memory used by attribute
    sets" under "Function: xsltFreeAttributeSetsHashes" shared no word with "What should I know
    about function: xsltFreeAttributeSetsHashes?", and another page's sentence about function
    stubs answered.
    """
    found: list[_Unit] = []
    lines = text.splitlines()
    lines = lines[heading_lines(lines, heading) :]  # the headings it opens with, as plain lines
    paragraph: list[str] = []
    fence: str | None = None  # the fence of the code block the line is in
    code: list[str] = []
    paragraphs = 0

    def flush() -> None:
        nonlocal paragraphs
        paragraphs += 1
        for sentence in _sentences(rejoin_broken_words(" ".join(paragraph))):
            if _says_something(sentence):
                found.append(_Unit(sentence, heading, paragraph=paragraphs))
        paragraph.clear()

    def flush_code() -> None:
        if any(row.strip() for row in code):
            found.append(_Unit("\n".join(code).strip("\n"), heading, code=True))
        code.clear()

    for line in lines:
        if fence is not None:
            if closes_fence(line, fence):
                flush_code()
                fence = None
            else:
                code.append(line.rstrip())
            continue
        if (fence := fence_opened_by(line)) is not None:
            flush()
            continue
        stripped = line.strip()
        if _RUNNING_HEAD.search(stripped):
            flush()
            continue
        table_row = is_table_row(stripped)
        stripped = without_gutter(stripped)
        if (
            not stripped
            or stripped.startswith("#")
            or table_row
            or _LIST_ITEM.match(stripped)
            or _FIELD.match(stripped)
        ):
            flush()
        if table_row:  # a table row is a record of its own
            row = " | ".join(cell.strip() for cell in stripped.strip("|").split("|"))
            if _says_something(row):
                found.append(_Unit(row, heading))
        elif stripped.startswith("#"):
            heading = stripped.lstrip("#").strip()
        elif stripped:
            paragraph.append(_LIST_ITEM.sub("", stripped))
    flush()
    flush_code()  # a passage cut inside a code block: the part it holds
    return found


def _sentences(paragraph: str) -> list[str]:
    """The sentences of a paragraph, split where the citation check splits them (after . ! or
    ?, closing quotes or brackets kept), except after an abbreviation ("(e.g. when the cord is
    pulled)" is an aside, not the end of a sentence)."""
    return sentences_of(paragraph, _SENTENCE_END)


def _says_something(text: str) -> bool:
    """At least three words besides links to the document's own headings, images, link
    addresses and HTML tags: a table of contents ("[How to detect broken
    connections?](#how-to-detect-broken-connections)") is navigation, and as an answer it shared
    the most words with the question and said nothing; a README's badges and logo, which open
    it, were the answer to "What is chalk?"."""
    return len(words(_NOT_WORDS.sub(" ", _OWN_ANCHOR_LINK.sub(" ", text)))) >= 3


def _example_after(units: list[_Unit], position: int) -> int | None:
    """The position of the code example that follows the sentence at `position` under the
    same heading, within `_EXAMPLE_REACH` units (a table row or an "Example:" line may sit
    between them)."""
    for at in range(position + 1, min(position + 1 + _EXAMPLE_REACH, len(units))):
        if units[at].heading != units[position].heading:
            return None
        if units[at].code:
            return at
    return None


def answer(task: AnswerTask) -> str:
    """The best-matching sentences of the passages, each followed by its citation `[id]`, and
    the code example that follows them, when one does."""
    if not task.passages:
        return NO_SOURCES
    units = [_units(passage.text, passage.heading) for passage in task.passages]
    candidates = [
        (passage_rank, position, unit)
        for passage_rank, found in enumerate(units)
        for position, unit in enumerate(found)
    ]
    informative = informativeness([f"{unit.heading} {unit.text}" for _, _, unit in candidates])

    def weight(word: str) -> float:
        return 0.0 if word in _ASKING_WORDS else informative(word)

    question, follows = task.question, task.follows
    if follows and only_asks_for_more(question):
        # "can you tell me more about that?" has nothing of its own to match: it asks again
        # what it follows, as a model reading the history would take it.
        question, follows = follows, ""
    opening = [unit for unit in units[0] if not unit.code][:_MAX_SENTENCES]
    if opening and task.passages[0].opening:
        # The question only names the document (retrieval found so): what the document says
        # first says what it is, in words that need not be the question's.
        return " ".join(_cited(unit, task.passages[0].id, None) for unit in opening)
    scored: list[tuple[float, int, int]] = []
    for passage_rank, position, unit in candidates:
        # Matched with its heading; its own words break ties between sentences under one.
        score = 0.8 * similarity(question, f"{unit.heading} {unit.text}", weight, synonyms=True)
        score += 0.2 * similarity(question, unit.text, weight, synonyms=True)
        if follows:
            score += _FOLLOWS_WEIGHT * similarity(
                follows, f"{unit.heading} {unit.text}", weight, synonyms=True
            )
        # Passages come ranked by retrieval, which saw whole passages: trust that order a bit.
        score /= 1.0 + _RANK_DECAY * passage_rank
        scored.append((score, -passage_rank, -position))
    ranked = sorted(scored, reverse=True)
    if not ranked or ranked[0][0] < _MIN_SCORE:
        return DONT_KNOW
    top = ranked[0]
    chosen = [top]
    # A sentence that several passages repeat (two functions' docstrings, a shared note) is
    # said once: its copy would take the place of a sentence that adds something.
    said = {_said(units[-top[1]][-top[2]])}
    lead = _lead(units[-top[1]], -top[2])
    if lead is not None:
        said.add(_said(units[-top[1]][lead]))
        chosen.append((top[0], top[1], -lead))
    for entry in ranked[1:]:
        if len(chosen) == _MAX_SENTENCES or entry[0] < _RUNNER_UP * top[0]:
            break
        text = _said(units[-entry[1]][-entry[2]])
        if text not in said:
            said.add(text)
            chosen.append(entry)
    # The best sentence's passage first, then the others in retrieval's order; the sentences
    # of one passage read best in the passage's own order.
    chosen.sort(key=lambda entry: (entry[1] != top[1], -entry[1], -entry[2]))

    def relevance(text: str) -> float:
        return similarity(question, text, weight, synonyms=True)

    # A sentence that says what a call does is shown with the example below it: the last one
    # of the best sentence's passage, and any that introduces what follows ("... with the git
    # key:"), whose answer is the example itself.
    last = max(-entry[2] for entry in chosen if entry[1] == top[1])
    parts: list[str] = []
    shown: set[tuple[int, int]] = set()  # (passage, unit position) already in the answer
    for _, rank, at in chosen:
        passage, position = -rank, -at
        found = units[passage]
        if (passage, position) in shown:  # an example an earlier sentence brought
            continue
        parts.append(_cited(found[position], task.passages[passage].id, relevance))
        shown.add((passage, position))
        unit = found[position]
        introduces = not unit.code and unit.text.rstrip().endswith(":")
        if (rank == top[1] and position == last) or introduces:
            example = None if unit.code else _example_after(found, position)
            if example is not None and (passage, example) not in shown:
                shown.add((passage, example))
                parts.append(_cited(found[example], task.passages[passage].id, None))
    return " ".join(parts).strip()


def _lead(units: list[_Unit], position: int) -> int | None:
    """The position of the first sentence of the paragraph the sentence at `position` is in,
    when that is another one. It says what the paragraph is about: a manual's entry names its
    setting there ("Persistent= Takes a boolean argument."), and the sentence that matched the
    question ("This is useful to catch up on missed runs ...") did not say which setting."""
    paragraph = units[position].paragraph
    if not paragraph:  # code or a table row: a unit of its own
        return None
    first = position
    while first > 0 and units[first - 1].paragraph == paragraph:
        first -= 1
    return first if first != position else None


def _said(unit: _Unit) -> str:
    """What a unit says, whatever its spacing and case (the same sentence in two passages)."""
    return " ".join(unit.text.lower().split())


def _cited(unit: _Unit, passage_id: str, relevance: Callable[[str], float] | None) -> str:
    """A unit as the answer shows it, cited: a sentence as it is; code fenced, its lines kept
    (a fence keeps the citation check from reading code lines as uncited claims). Of a long
    block, the `_EXAMPLE_LINES` lines that match the question best when it was chosen for its
    match (`relevance`), else its first lines, which show the call."""
    if not unit.code:
        return f"{unit.text} [{passage_id}]"
    lines = unit.text.splitlines()
    start = 0
    if relevance is not None and len(lines) > _EXAMPLE_LINES:
        windows = range(len(lines) - _EXAMPLE_LINES + 1)
        start = max(
            windows, key=lambda at: (relevance("\n".join(lines[at : at + _EXAMPLE_LINES])), -at)
        )
    shown = lines[start : start + _EXAMPLE_LINES]
    # An example that quotes a ``` line is fenced with tildes, so the fence still holds it.
    fence = "~~~" if any(line.lstrip().startswith("```") for line in shown) else "```"
    body = "\n".join(shown)
    return f"\n{fence}\n{body}\n{fence} [{passage_id}]"


def classify(task: ClassifyTask) -> str:
    """The label whose name and description are most like the text (ties: the first)."""
    if not task.labels:
        raise ValueError("a classification needs at least one label")
    descriptions = list(task.descriptions) + [""] * (len(task.labels) - len(task.descriptions))
    scores = [
        similarity(task.text, f"{label.replace('_', ' ')} {description}")
        for label, description in zip(task.labels, descriptions, strict=True)
    ]
    return task.labels[max(range(len(scores)), key=lambda index: (scores[index], -index))]
