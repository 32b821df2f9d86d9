"""Words for ranking and matching: one tokenizer for documents and queries alike.

1. lowercase, then split into unicode letter/digit runs; `_` splits too, so `read_text`
   matches a question about "read text";
2. drop a short English stopword list (function words that say nothing about a topic);
3. light suffix stemming, so inflections of a word share a term: `-ies`/`-ied` become `-y`,
   `-sses` becomes `-ss`, then one of `-ing`, `-ed`, `-es`, `-s` is removed (never `-ss`,
   `-us`, `-is`) when what is left has a vowel, a doubled final consonant other than `l`, `s`,
   `z` is undoubled (`stopped`, `stop` -> `stop`; `called` -> `call`), and a final `-e` is
   dropped (`parse`, `parses`, `parsed`, `parsing` -> `pars`). It is far
   lighter than Porter's stemmer and makes mistakes on irregular words; it only has to map
   common inflections together, because both sides go through it.
"""

from __future__ import annotations

import re

_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
_VOWELS = "aeiouy"
#: Function words that say nothing about a topic; a readable text, split once.
STOPWORDS = frozenset(
    "a an and are as at be been but by can could did do does for from had has have "  # noqa: SIM905
    "how i if in into is it its me my no not of on or our so such than that the their "
    "them then there these they this those to too us was we were what when where "
    "which while who whom why will with would you your".split()
)


def _has_vowel(text: str) -> bool:
    return any(letter in _VOWELS for letter in text)


def stem(word: str) -> str:
    """The light stem of one lowercase word (rules in the module docstring)."""
    if len(word) > 4 and word.endswith(("ies", "ied")):
        return word[:-3] + "y"
    if word.endswith("sses"):
        return word[:-2]
    for suffix in ("ing", "ed", "es", "s"):
        if not word.endswith(suffix) or word.endswith(("ss", "us", "is")):
            continue
        rest = word[: -len(suffix)]
        if len(rest) < 2 or not _has_vowel(rest):
            return word
        word = rest
        break
    if len(word) > 2 and word[-1] == word[-2] and word[-1] not in _VOWELS + "lsz":
        return word[:-1]
    if len(word) > 2 and word.endswith("e"):
        return word[:-1]
    return word


def tokenize(text: str) -> list[str]:
    """The BM25 terms of a text, in order, repeats kept (term frequency counts them)."""
    return [stem(word) for word in _TOKEN.findall(text.lower()) if word not in STOPWORDS]
