"""Does a turn refer back to the conversation? ("and on Linux?", "make it shorter").

Why a rule and not the embedding: a follow-up says little on its own. "and on Linux?" shares
no words with the examples of the install skill that asked about Windows a turn earlier, so
nearest-example routing sends it anywhere. Follow-ups have a recognisable shape, though:
they open with a connective ("and", "what about"), ask to change what was just produced
("make it", "add", "remove"), ask for more of it ("tell me more"), point back ("it", "that",
"the same"), or are fragments too short to stand alone. The router keeps such a turn with the
active skill unless another intent is clearly more likely; this module only spots the shape
and names it.
"""

from __future__ import annotations

import re

_CONNECTIVE = re.compile(
    r"^\s*(and|also|but|or|then|now|so|ok|okay|plus|what about|how about|same|again|instead)\b",
    re.IGNORECASE,
)
_CHANGE = re.compile(
    r"^\s*(please\s+)?(make|add|remove|drop|delete|change|use|turn|put|translate|shorten|"
    r"expand|rename|fix|try|show|give|redo|rewrite|keep|split|merge|sort|swap)\b",
    re.IGNORECASE,
)
_REFERENCE = re.compile(
    r"\b(it|its|that|this|those|these|them|the same|one|ones|there|instead|too|"
    r"shorter|longer|simpler|more|less|again)\b",
    re.IGNORECASE,
)
#: Asking for more on what was just said, at any length ("can you tell me more about that?").
_MORE = re.compile(
    r"\b(tell me more|say more|more about (it|that|this|them|those)|"
    r"more details? (on|about) (it|that|this|them)|elaborate|go on)\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"\w+")
#: A turn of at most this many words that points back is a follow-up.
SHORT_TURN_WORDS = 6
#: A turn of at most this many words is a fragment that cannot stand alone.
FRAGMENT_WORDS = 3


def followup_cue(text: str) -> str | None:
    """Why `text` reads as a follow-up, in words, or None when it stands on its own."""
    connective = _CONNECTIVE.match(text)
    if connective:
        return f"opens with {connective.group(1).lower()!r}"
    change = _CHANGE.match(text)
    if change:
        return f"asks to {change.group(2).lower()} something already discussed"
    more = _MORE.search(text)
    if more:
        return f"asks for more ({more.group(1).lower()!r})"
    word_count = len(_WORD.findall(text))
    reference = _REFERENCE.search(text)
    if reference and word_count <= SHORT_TURN_WORDS:
        return f"a short turn pointing back ({reference.group(1).lower()!r})"
    if 0 < word_count <= FRAGMENT_WORDS:
        return "a fragment too short to stand alone"
    return None
