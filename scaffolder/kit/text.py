"""Text from documents, file names and models: words for ranking, and what is safe to print.

`printable` (and `TerminalStream` for text that arrives in pieces) removes terminal control
and escape sequences. Why: a document, a file name or a model's answer is text an attacker
may have written, and printed raw, `ESC ] 52 ; c ; ... BEL` writes to the clipboard, CSI codes
move the cursor to overwrite what was shown (a fake citation, a hidden command), and other
sequences retitle or reconfigure the terminal. What is removed: CSI (`ESC [`, C1 `0x9b`),
string sequences (OSC, DCS, SOS, PM, APC, 7-bit or C1) with their payload, other `ESC`
sequences, a lone `ESC`, and every remaining C0 control except newline and tab, `DEL` and C1
control. Everything else, all of Unicode's printable text, is kept.

The tokenizer, one for documents and queries alike:

1. lowercase, then split into unicode letter/digit runs; `_` splits too, so `read_text`
   matches a question about "read text";
2. drop a short English stopword list (function words that say nothing about a topic);
3. light suffix stemming, so inflections of a word share a term: an adverb loses what makes
   it one (`-ically` and `-ical` become `-ic`; `-ly` goes after an adjective's ending such as
   `-ive`, `-ent`, `-al` or `-ed`, so "recursively" meets "recursive" and "apply" stays), a noun
   in `-ation` becomes the verb in `-ate` it names ("deprecation" meets "deprecate"; "station"
   stays),
   `-ies`/`-ied` become `-y`,
   `-sses` becomes `-ss`, then one of `-ing`, `-ed`, `-es`, `-s` is removed (never `-ss`,
   `-us`, `-is`) when what is left has a vowel, a doubled final consonant other than `l`, `s`,
   `z` is undoubled (`stopped`, `stop` -> `stop`; `called` -> `call`), and a final `-e` is
   dropped (`parse`, `parses`, `parsed`, `parsing` -> `pars`). It is far
   lighter than Porter's stemmer and makes mistakes on irregular words; it only has to map
   common inflections together, because both sides go through it.

Markdown code fences (`fence_opened_by`, `closes_fence`), one rule for every reader of
documents and answers (the chunker, the offline answerer, the code-block parser): ``` or ~~~
runs of three or more, indented at most three spaces; a block closes only at a bare fence of the
same character that is at least as long, so a ```` block can quote a ``` line.
"""

from __future__ import annotations

import re

#: A complete escape sequence: a string one (OSC, DCS, SOS, PM, APC) up to its terminator
#: (BEL, `ESC \\` or C1 ST), a CSI one up to its final byte, or another `ESC` sequence.
_SEQUENCE = re.compile(
    r"(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)"
    r"|(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"
    r"|\x1b[ -/]*[0-OQ-WYZ\\`a-~]"
)
#: The start of a sequence that the next piece of a stream may complete.
_OPEN_SEQUENCE = re.compile(
    r"(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*\x1b?"
    r"|(?:\x1b\[|\x9b)[0-?]*[ -/]*"
    r"|\x1b[ -/]*"
)
_INTRODUCER = re.compile(r"[\x1b\x90\x98\x9b\x9d\x9e\x9f]")
#: Controls left once the sequences are gone: C0 but newline and tab, DEL, C1.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
#: How much of an unfinished sequence a stream holds back before giving up on it.
HOLD_LIMIT = 4096

_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
#: Abbreviations that docs write mid-sentence: their period ends no sentence.
_ABBREVIATION = re.compile(r"(?:^|\W)(?:e\.g|i\.e|etc|vs|cf)\.$", re.IGNORECASE)
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


#: What is left of an adverb without `-ly` when it was made from an adjective: "recursively",
#: "silently", "directly", "previously", "manually" (not "apply", "reply", "family").
_ADJECTIVE_ENDINGS = ("ive", "ent", "ant", "ous", "ful", "less", "ct", "ate", "al", "ed")


def _is_adverb_of_adjective(word: str) -> bool:
    return len(word) > 6 and word.endswith("ly") and word[:-2].endswith(_ADJECTIVE_ENDINGS)


def stem(word: str) -> str:
    """The light stem of one lowercase word (rules in the module docstring)."""
    if word.endswith(("ation", "ations")) and (verb := word.rindex("ation")) >= 3:
        word = word[:verb] + "ate"
    if word.endswith("ically"):
        word = word[:-4]
    elif word.endswith("ical") or _is_adverb_of_adjective(word):
        word = word[:-2]
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


#: A fence line: its indent, the run of ` or ~ characters, and the info string after it.
_FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})(?P<info>.*)$")


def fence_opened_by(line: str) -> str | None:
    """The fence (a run of three or more ` or ~) that `line` opens a code block with, or None:
    not a fence, or inline code such as ```a``` on one line."""
    opening = _FENCE.match(line)
    if opening is None or (opening["fence"][0] == "`" and "`" in opening["info"]):
        return None
    return opening["fence"]


def closes_fence(line: str, fence: str) -> bool:
    """Whether `line` closes the block `fence` opened: the same character, at least as long,
    nothing else on the line, indented by at most three spaces."""
    stripped = line.strip()
    indent = len(line) - len(line.lstrip(" "))
    return indent <= 3 and stripped.startswith(fence) and set(stripped) == {fence[0]}


#: A gutter bar before indented text (pydoc draws one beside a class's members: " |  "):
#: indentation, not a table.
_GUTTER = re.compile(r"^\s*\|(?=\s|$)")


#: A word a typesetter broke across two lines, its lines joined with a space (groff and
#: others mark the break with U+2010 or a soft hyphen, never with the ASCII hyphen of
#: compound words): "invoca\u2010 tion" is one word.
_HYPHENATED = re.compile(r"(?<=\w)[\u2010\u00ad] (?=[a-z])")


def rejoin_broken_words(text: str) -> str:
    """`text` (lines joined with spaces) with the words a typesetter broke made whole."""
    return _HYPHENATED.sub("", text)


def is_table_row(stripped: str) -> bool:
    """A Markdown table row has a pipe at both ends; a gutter has one on the left only."""
    return len(stripped) > 1 and stripped.startswith("|") and stripped.endswith("|")


def without_gutter(stripped: str) -> str:
    """A stripped line without the gutter bar that indents it (a bar alone is a blank line);
    a Markdown table row, with a bar at both ends, is left as it is. The offline answer and
    `adapt`'s reader both read pydoc's class members, whose lines all start with one."""
    if is_table_row(stripped):
        return stripped
    return _GUTTER.sub("", stripped).strip()


#: Where a sentence ends: `.`, `!` or `?`, any closing quotes or brackets right after it, then
#: whitespace or the end ("... from the timed code. t = Timer(...)   # outside" ends twice).
#: The offline answer cites each sentence it says, and the citation check reads claims by this
#: one rule, so no part of an answer's sentence reads as a claim of its own without a citation.
SENTENCE_END = r"[.!?]+[\"')\]]*"


def sentences_of(text: str, ends: re.Pattern[str]) -> list[str]:
    """The sentences of `text`, cut after each match of `ends` (a pattern built on
    `SENTENCE_END`) that does not close an abbreviation; blank pieces left out. The offline
    answer cuts passages and the citation check cuts answers with it."""
    found: list[str] = []
    start = 0
    for end in ends.finditer(text):
        if not ends_in_abbreviation(text[start : end.start() + 1]):
            found.append(text[start : end.end()].strip())
            start = end.end()
    found.append(text[start:].strip())
    return [sentence for sentence in found if sentence]


def ends_in_abbreviation(text: str) -> bool:
    """Whether `text` ends with "e.g.", "i.e.", "etc.", "vs." or "cf.": a period that ends no
    sentence. The offline answer and the citation check split sentences by this one rule, so
    the answer's sentences are the ones the check reads."""
    return _ABBREVIATION.search(text) is not None


#: How many lines may open a piece of text before the heading it sits under: the headings
#: above it with nothing of their own (a page's title over its first section).
_HEADINGS_ABOVE = 6


def heading_lines(lines: list[str], heading: str) -> int:
    """How many of `lines` (a chunk's, from its start) are its headings rather than its text:
    up to the line that is `heading` (the last of its section path), when one of the first
    few non-blank lines is. A chunk of HTML repeats its headings as plain lines, the title of
    a page over its first section among them; read as text, they were sentences of their own
    section and of answers ("Macro: XSLT_DEFAULT_URL", "Frequently Asked Questions")."""
    wanted = " ".join(heading.split())
    seen = 0
    for index, line in enumerate(lines):
        stripped = " ".join(line.strip().lstrip("#").split())
        if not stripped:
            continue
        if wanted and stripped == wanted:
            return index + 1
        seen += 1
        if seen == _HEADINGS_ABOVE:
            break
    return 0


def tokenize(text: str) -> list[str]:
    """The BM25 terms of a text, in order, repeats kept (term frequency counts them)."""
    return [stem(word) for word in _TOKEN.findall(text.lower()) if word not in STOPWORDS]


#: Words that ask for more rather than name a subject ("can you tell me more about that?").
_ASKING_FOR_MORE = frozenset(
    tokenize("tell say explain elaborate more detail details know go on please further about else")
)


def only_asks_for_more(text: str) -> bool:
    """Whether every content word of `text` asks for more of what was just said ("tell me
    more", "and what else?"): such a follow-up is about the question before it, and searching
    or answering with its own words finds whatever mentions "more"."""
    return not set(tokenize(text)) - _ASKING_FOR_MORE


def printable(text: str) -> str:
    """`text` without terminal control or escape sequences (module doc), safe to print."""
    return _CONTROL.sub("", _SEQUENCE.sub("", text))


class TerminalStream:
    """`printable` for text printed as it arrives (a model's answer, streamed): a sequence
    cut in two by the pieces is held back until it is complete, then removed whole."""

    def __init__(self) -> None:
        self._held = ""

    def feed(self, piece: str) -> str:
        """What of `piece` (and what was held back) can be printed now."""
        text = self._held + piece
        cut = _open_tail(text)
        if cut is None or len(text) - cut > HOLD_LIMIT:
            self._held = ""
            return printable(text)
        self._held = text[cut:]
        return printable(text[:cut])

    def flush(self) -> str:
        """The rest at the end of the stream (an unfinished sequence is dropped)."""
        held, self._held = self._held, ""
        return printable(held)


def _open_tail(text: str) -> int | None:
    """Where an escape sequence starts that runs to the end of `text` unfinished, if any."""
    for found in _INTRODUCER.finditer(text, max(0, len(text) - HOLD_LIMIT)):
        start = found.start()
        if not _SEQUENCE.match(text, start) and _OPEN_SEQUENCE.fullmatch(text, start):
            return start
    return None


def json_for_terminal(encoded: str) -> str:
    """JSON text with DEL and C1 controls escaped as `\\u00XX`: `json.dumps` escapes C0
    controls always but leaves these raw with `ensure_ascii=False`, and a terminal may act
    on them. Outside strings JSON is ASCII, so only string contents change, not their value."""
    return re.sub(r"[\x7f-\x9f]", lambda m: f"\\u{ord(m.group()):04x}", encoded)
