"""Checking an answer's citations against what retrieval actually handed the model.

A grounded answer cites each claim, and each citation points at a passage the model was
given. Models break both rules quietly: they cite `[7]` when five passages were retrieved,
invent ids, or add an uncited sentence from their own memory. `check_citations` finds those
cases so tests and benchmarks can count them; it does not judge whether a cited passage
really supports the sentence.

Markers are square brackets holding one or more labels separated by commas or semicolons:
`[2]`, `[1, 3]`, `[1][3]`, and the offline provider's `[3f9a0c...]` chunk ids. A bracket
counts as a citation when every label in it is a number, a known label, or a hex id of at
least 8 characters; other brackets (`[optional]`, markdown links `[text](url)`) are prose.

Sentence splitter: fenced code blocks are dropped (code is not a claim), each remaining line
is split after `.`, `!` or `?` followed by whitespace, with closing quotes or brackets and any
citation markers right after the punctuation kept with the sentence before (`... works. [2]`
cites for "works"); a few abbreviations (`e.g.`, `i.e.`, `etc.`, `vs.`, `cf.`) do not end a
sentence. Leading list bullets, numbers and heading marks are stripped.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from scaffolder.kit.text import SENTENCE_END, sentences_of

#: Sentences with fewer words than this ("In short:", "Here is how.") are connective tissue.
MIN_CLAIM_WORDS = 4
_BRACKET = re.compile(r"\[([^\[\]\n]{1,80})\](?!\()")
_LABEL_SPLIT = re.compile(r"\s*[,;]\s*")
_NUMBER = re.compile(r"\d+")
_HEX_ID = re.compile(r"[0-9a-f]{8,64}")
_MARKERS = r"(?:\s*\[[^\[\]\n]{1,80}\](?!\())*"
_SENTENCE_END = re.compile(SENTENCE_END + _MARKERS + r"(?=\s|$)")
_FENCE = re.compile(r"^\s*(```|~~~).*?^\s*\1[^\n]*$", re.MULTILINE | re.DOTALL)
_BULLET = re.compile(r"^\s*(?:[-*+>#]+|\d+[.)])\s+")
_WORD = re.compile(r"\w+")
_DONT_KNOW = re.compile(r"^\W*i\s+(?:do\s*n[o']?t|cannot|can't)\s+(?:know|tell)\b", re.IGNORECASE)


@dataclass(frozen=True)
class CitationReport:
    #: Chunk ids cited by a known label, in order of first citation, without repeats.
    cited: tuple[str, ...]
    #: Labels that point at nothing retrieved (`[7]` of five passages, an invented id).
    unknown: tuple[str, ...]
    #: Claim sentences with no citation marker at all.
    uncited_sentences: tuple[str, ...]
    #: The answer declines ("I don't know ..."), so it needs no citations.
    dont_know: bool

    @property
    def ok(self) -> bool:
        """Every citation resolves and every claim cites something."""
        return not self.unknown and not self.uncited_sentences


def check_citations(answer: str, retrieved: Sequence[str] | Mapping[str, str]) -> CitationReport:
    """Resolve an answer's citation markers and find the claims that cite nothing.

    `retrieved` is either the retrieved chunk ids in the order they were shown to the model
    (then `[1]` is the first and each id also cites itself), or an explicit numbering from
    label to chunk id, for prompts that labelled passages some other way.
    """
    labels = _labels(retrieved)
    cited: dict[str, None] = {}
    unknown: dict[str, None] = {}
    for marker in _citation_markers(answer, labels):
        for label in marker:
            if label in labels:
                cited[labels[label]] = None
            else:
                unknown[label] = None
    dont_know = bool(_DONT_KNOW.match(answer))
    uncited = (
        []
        if dont_know
        else [
            sentence
            for sentence in split_sentences(answer)
            if _is_claim(sentence) and not _citation_markers(sentence, labels)
        ]
    )
    return CitationReport(tuple(cited), tuple(unknown), tuple(uncited), dont_know)


def split_sentences(text: str) -> list[str]:
    """The sentences of an answer, citation markers attached (rules in the module docstring)."""
    lines = _FENCE.sub("\n", text).splitlines()
    return [s for line in lines for s in sentences_of(_BULLET.sub("", line).strip(), _SENTENCE_END)]


def _labels(retrieved: Sequence[str] | Mapping[str, str]) -> dict[str, str]:
    """Every label that resolves, mapped to its chunk id."""
    if isinstance(retrieved, Mapping):
        return {str(label): chunk_id for label, chunk_id in retrieved.items()}
    labels = {chunk_id: chunk_id for chunk_id in retrieved}
    labels.update({str(number): chunk_id for number, chunk_id in enumerate(retrieved, 1)})
    return labels


def _citation_markers(text: str, labels: Mapping[str, str]) -> list[list[str]]:
    """The label lists of the brackets in `text` that are citations rather than prose."""
    markers = []
    for match in _BRACKET.finditer(text):
        parts = [part for part in _LABEL_SPLIT.split(match.group(1).strip()) if part]
        if parts and all(
            part in labels or _NUMBER.fullmatch(part) or _HEX_ID.fullmatch(part) for part in parts
        ):
            markers.append(parts)
    return markers


def _is_claim(sentence: str) -> bool:
    """Whether a sentence states something that needs a source; introductions ending in a
    colon and very short sentences only connect the claims around them."""
    bare = _BRACKET.sub("", sentence).strip()
    return not bare.endswith(":") and len(_WORD.findall(bare)) >= MIN_CLAIM_WORDS
