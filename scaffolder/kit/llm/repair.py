"""Turn the almost-JSON models write into Python values.

Models asked for JSON still wrap it in code fences and prose, leave trailing commas, write
Python literals and single quotes, or stop mid-object when they hit the token limit. A re-ask
costs a full round trip and often repeats the slip, so these are repaired locally first;
`extract_json` gives up only on text that holds no recognisable JSON object or array.

Repair is a forgiving recursive-descent parser rather than text substitutions: rewriting
quotes or commas with regular expressions breaks on apostrophes and commas inside strings,
which a parser simply reads past.
"""

from __future__ import annotations

import json
import re
from enum import Enum, auto
from typing import Final

from scaffolder.kit.json_types import JSONValue
from scaffolder.kit.llm.parsers import code_blocks

#: Fence languages worth looking inside for JSON before falling back to the whole text.
_JSON_LANGUAGES = frozenset({"", "json", "json5", "jsonc", "javascript", "js"})
_LITERALS: dict[str, JSONValue] = {
    "true": True,
    "false": False,
    "null": None,
    "True": True,
    "False": False,
    "None": None,
}
_ESCAPES = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NUMBER_CHARS = frozenset("-+0123456789.eE")
_NEXT_VISIBLE = re.compile(r"\s*(\S)")
_HEX4 = re.compile(r"[0-9a-fA-F]{4}")
_OPENING = re.compile(r"[{\[]")
#: What may follow a closing quote; a quote followed by anything else is part of the string.
_AFTER_STRING = frozenset(",:}]")


class _Missing(Enum):
    """The mark of a value cut off before it began (truncation), which its container drops."""

    MISSING = auto()


_MISSING: Final = _Missing.MISSING


class _RepairError(ValueError):
    """Why a candidate could not be repaired, and where in its source it failed."""

    def __init__(self, reason: str, position: int) -> None:
        super().__init__(reason)
        self.position = position


def extract_json(text: str) -> JSONValue:
    """The JSON value in a model's answer, repaired if need be.

    Strict parsing comes first (the whole text, then each ```json or unlabelled fenced
    block), so valid JSON is never altered; repair then tries the fenced blocks and finally
    the whole text. Repair takes the longest object or array found, ignoring prose around
    it, and accepts trailing commas, single-quoted strings and keys, unescaped quotes and
    raw newlines inside strings, Python's True/False/None, bare identifier keys, and
    truncation at any point: open strings, arrays and objects are closed, and a dangling
    key or comma is dropped.

    Raises `ValueError` naming the problem when nothing can be recovered.
    """
    try:
        return _extract(text)
    except RecursionError:
        raise ValueError("JSON nested too deeply to repair") from None


def _extract(text: str) -> JSONValue:
    fenced = [
        block.code for block in code_blocks(text) if block.language.lower() in _JSON_LANGUAGES
    ]
    for source in [text, *fenced]:
        try:
            parsed: JSONValue = json.loads(source)
        except ValueError:
            continue
        return parsed
    failures: list[_RepairError] = []
    for source in [*fenced, text]:
        try:
            return _longest_value(source)
        except _RepairError as error:
            failures.append(error)
    raise ValueError(f"no JSON could be recovered: {failures[0]}") from failures[0]


def _longest_value(text: str) -> JSONValue:
    """The value of the longest object or array that parses, leniently, in `text`.

    Candidates start at each `{` or `[`; after a failed candidate the search resumes where
    it failed, so a broken object's inner parts are never mistaken for the answer. When all
    fail, the failure reported is that of the candidate that got furthest.
    """
    best: tuple[int, JSONValue] | None = None
    furthest: tuple[int, _RepairError] | None = None
    position = 0
    while (opening := _OPENING.search(text, position)) is not None:
        start = opening.start()
        parser = _Parser(text, start)
        try:
            value = parser.object() if opening.group() == "{" else parser.array()
        except _RepairError as error:
            if furthest is None or error.position - start > furthest[0]:
                furthest = (error.position - start, error)
            position = max(error.position, start + 1)
            continue
        if best is None or parser.position - start > best[0]:
            best = (parser.position - start, value)
        position = parser.position
    if best is not None:
        return best[1]
    if furthest is not None:
        raise furthest[1]
    raise _RepairError("no JSON object or array found in the text", 0)


class _Parser:
    """A lenient JSON parser over `text`, starting at `position`.

    Reaching the end of the text is never an error: each level returns what it has so far,
    which is how truncated output is closed. `_MISSING` marks a value that never started.
    """

    def __init__(self, text: str, position: int) -> None:
        self.text = text
        self.position = position

    def error(self, reason: str) -> _RepairError:
        near = self.text[self.position : self.position + 20]
        where = f"near {near!r}" if near else "at the end"
        return _RepairError(f"{reason} {where}", self.position)

    def at_end(self) -> bool:
        """Skip whitespace; True if the text is used up."""
        while self.position < len(self.text) and self.text[self.position].isspace():
            self.position += 1
        return self.position >= len(self.text)

    def peek(self) -> str:
        return self.text[self.position]

    def value(self) -> JSONValue | _Missing:
        if self.at_end():
            return _MISSING
        char = self.peek()
        if char == "{":
            return self.object()
        if char == "[":
            return self.array()
        if char in "\"'":
            return self.string()[0]
        if char == "-" or char.isdigit():
            return self.number()
        return self.literal()

    def object(self) -> dict[str, JSONValue]:
        self.position += 1
        members: dict[str, JSONValue] = {}
        while not self.at_end():
            if self.peek() == "}":
                self.position += 1
                return members
            key = self.key()
            if key is None or self.at_end():
                return members  # truncated in or right after the key: drop it
            if self.peek() != ":":
                raise self.error("expected ':' after an object key")
            self.position += 1
            value = self.value()
            if value is _MISSING:
                return members
            members[key] = value
            if not self.at_end():
                self.separator("}")
        return members

    def array(self) -> list[JSONValue]:
        self.position += 1
        items: list[JSONValue] = []
        while not self.at_end():
            if self.peek() == "]":
                self.position += 1
                return items
            item = self.value()
            if item is _MISSING:
                return items
            items.append(item)
            if not self.at_end():
                self.separator("]")
        return items

    def separator(self, closing: str) -> None:
        """Consume the comma after a member; a comma before `closing` is then tolerated."""
        if self.peek() == ",":
            self.position += 1
        elif self.peek() != closing:
            raise self.error(f"expected ',' or '{closing}'")

    def key(self) -> str | None:
        """An object key, quoted or a bare identifier; None if the text ends inside it."""
        if self.peek() in "\"'":
            key, closed = self.string()
            return key if closed else None
        word = _WORD.match(self.text, self.position)
        if word is None:
            raise self.error("expected an object key")
        self.position = word.end()
        return None if self.position == len(self.text) else word.group()

    def string(self) -> tuple[str, bool]:
        """A string in either quote style and whether it was closed before the text ended.

        If the text ends inside a string that passed over quotes taken as text, the last of
        them closed it after all (`{"a": "x" 1}`), rather than everything up to the end
        being one truncated string.
        """
        quote = self.peek()
        self.position += 1
        parts: list[str] = []
        kept_quote: tuple[int, int] | None = None  # (position after it, len(parts) before it)
        text = self.text
        while self.position < len(text):
            char = text[self.position]
            self.position += 1
            if char == "\\":
                if self.position == len(text):
                    break  # truncated right after the backslash
                parts.append(self.escape())
            elif char == quote and self.ends_string():
                return _combine_surrogates("".join(parts)), True
            else:
                if char == quote:
                    kept_quote = (self.position, len(parts))
                parts.append(char)
        if kept_quote is not None:
            self.position, length = kept_quote
            return _combine_surrogates("".join(parts[:length])), True
        return _combine_surrogates("".join(parts)), False

    def ends_string(self) -> bool:
        """Whether the quote just read closes the string, judged by what follows it.

        This is what lets `'it's'` and `"say "hi" now"` through: a quote followed by a
        letter cannot be a closing one in valid JSON, so it is kept as text.
        """
        following = _NEXT_VISIBLE.match(self.text, self.position)
        return following is None or following.group(1) in _AFTER_STRING

    def escape(self) -> str:
        code = self.text[self.position]
        self.position += 1
        if code != "u":
            return _ESCAPES.get(code, code)  # \" \' \\ \/ and unknown escapes: the character
        digits = self.text[self.position : self.position + 4]
        if _HEX4.fullmatch(digits):
            self.position += 4
            return chr(int(digits, 16))
        if len(digits) < 4 and re.fullmatch(r"[0-9a-fA-F]*", digits):
            self.position = len(self.text)  # truncated inside the escape: drop it
            return ""
        return "\\u"

    def number(self) -> JSONValue | _Missing:
        start = self.position
        while self.position < len(self.text) and self.text[self.position] in _NUMBER_CHARS:
            self.position += 1
        token = self.text[start : self.position]
        if self.position == len(self.text):
            token = token.rstrip("-+.eE")  # truncated: keep the digits written so far
            if not token:
                return _MISSING
        try:
            number: float = json.loads(token)
        except ValueError as exc:
            self.position = start
            raise self.error(f"invalid number {token!r}") from exc
        return number

    def literal(self) -> JSONValue | _Missing:
        word = _WORD.match(self.text, self.position)
        if word is None:
            raise self.error(f"unexpected {self.peek()!r}")
        if word.group() in _LITERALS:
            self.position = word.end()
            return _LITERALS[word.group()]
        if word.end() == len(self.text):  # truncated: `tru` can only have been `true`
            for name, value in _LITERALS.items():
                if name.startswith(word.group()):
                    self.position = word.end()
                    return value
        raise self.error(f"unquoted value {word.group()!r}")


def _combine_surrogates(text: str) -> str:
    """Join `\\ud83d\\ude00`-style escaped surrogate pairs into one character, as json does."""
    try:
        return text.encode("utf-16", "surrogatepass").decode("utf-16")
    except UnicodeDecodeError:
        return text  # a lone surrogate: keep it, as json.loads does
