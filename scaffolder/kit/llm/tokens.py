"""Count tokens for a model: exactly when tiktoken's encoding is on disk, conservatively if not.

Why: a request that overflows the model's context fails at the provider, after the user has
waited; counting before sending lets `budget.fit` drop and trim parts instead. tiktoken knows
the OpenAI encodings but downloads their files on first use, which hangs or fails offline, in
CI and behind firewalls. So `counter_for` uses tiktoken only when the encoding file is already
in tiktoken's cache (`$TIKTOKEN_CACHE_DIR`, else `$DATA_GYM_CACHE_DIR`, else
`<tempdir>/data-gym-cache`) and its checksum matches, so tiktoken never tries to fetch it.
Otherwise, and for models whose tokenizer is not known, it returns the estimator below.
To get exact counts offline, copy `cl100k_base.tiktoken` / `o200k_base.tiktoken` into the cache
directory under the names tiktoken gives them (the sha1 of the download URL).

The estimator's rule. Tokens never cross the boundaries real BPE tokenizers pre-split text
at, so the text is split the same way and each piece is charged at least what cl100k_base and
o200k_base spend on it (both were measured on prose, code, logs, JSON, hashes and 30 scripts):

- An ASCII alphanumeric run is split into letter runs and digit runs; letter runs split
  again at case changes (`getHTTPServer` -> `get`, `HTTP`, `Server`). A digit run costs
  ceil(n/3), since numbers are tokenized in groups of at most three digits. A letter run
  costs ceil(n/4), or ceil(n/3) when it is all capitals, or n (one a letter) when the
  alphanumeric run also holds digits: hashes, keys and base64 are cut into tiny pieces.
- Any other ASCII character (punctuation, symbols) costs 1.
- Whitespace: a single space or tab before an ASCII letter or symbol costs 0, as it joins
  that token; any other whitespace run costs ceil(n/16) for each stretch of one repeated
  character (`\\r\\n` counts as one newline).
- A non-ASCII character costs 1 in Latin-1 and Cyrillic; 3 in Georgian, Ethiopic and outside
  the Basic Multilingual Plane (emoji, rare ideographs), which tokenizers encode nearly byte by
  byte; 2 anywhere else (other Latin, Greek, Hebrew, Arabic, Indic, Thai, CJK, kana, Hangul,
  symbols, combining marks). So every CJK character counts as at least one token.

The price of never undercounting: it overcounts English prose and code by 1.2 to 2 times,
and non-Latin text by up to 3 times (most against o200k_base, which covers more scripts).
Text built to defeat BPE, such as long random lowercase strings or deliberately obscure
ideographs, can still exceed it.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import tiktoken

from scaffolder.kit.llm.types import Message

#: What OpenAI's chat format adds around each message (start, role and separator markers).
TOKENS_PER_MESSAGE = 3
#: What a message's `name` field adds beyond its own tokens.
TOKENS_PER_NAME = 1
#: What every request adds to prime the reply (`<|start|>assistant<|message|>`).
REPLY_PRIMING_TOKENS = 3

logger = logging.getLogger(__name__)


class TokenCounter(ABC):
    """Counts tokens the way one model does; `exact` says whether it is that model's tokenizer.

    Subclasses implement `count`. A request's size is always the reply priming plus the size
    of each message on its own (`count_messages(())` plus `count_message` of each), which is
    what lets `budget.fit` price each part of a request separately.
    """

    #: What counts: `tiktoken:<encoding>` or `estimate`.
    name: str
    #: True when counts are the tokenizer's own, False for a conservative estimate.
    exact: bool

    @abstractmethod
    def count(self, text: str) -> int:
        """Tokens in `text` on its own."""

    def count_message(self, message: Message) -> int:
        """Tokens one message takes in a chat request, its format's overhead included."""
        tokens = TOKENS_PER_MESSAGE + self.count(message.role) + self.count(message.content)
        if message.name is not None:
            tokens += TOKENS_PER_NAME + self.count(message.name)
        return tokens

    def count_messages(self, messages: Sequence[Message]) -> int:
        """Tokens `messages` take as a chat request's prompt.

        Follows OpenAI's accounting for chat models: each message costs its role and content
        plus `TOKENS_PER_MESSAGE` (plus `TOKENS_PER_NAME` and the name when named), and the
        request costs `REPLY_PRIMING_TOKENS` more. Other providers' chat templates add a
        similar handful of tokens per message.
        """
        return REPLY_PRIMING_TOKENS + sum(self.count_message(message) for message in messages)


class TiktokenCounter(TokenCounter):
    """Exact counts with a loaded tiktoken encoding."""

    exact = True

    def __init__(self, encoding: tiktoken.Encoding) -> None:
        self._encoding = encoding
        self.name = f"tiktoken:{encoding.name}"

    def count(self, text: str) -> int:
        # Special-token text in user content is counted as plain text, never refused.
        return len(self._encoding.encode(text, disallowed_special=()))


class EstimatingCounter(TokenCounter):
    """The conservative estimate described in this module's docstring; needs no files."""

    name = "estimate"
    exact = False

    def count(self, text: str) -> int:
        text = text.replace("\r\n", "\n")
        total = 0
        for match in _PIECE.finditer(text):
            piece = match.group()
            first = piece[0]
            if first.isascii() and first.isalnum():
                total += _alphanumeric_cost(piece)
            elif first in _ASCII_SPACE:
                following = text[match.end() : match.end() + 1]
                total += _whitespace_cost(piece, following)
            elif first.isascii():
                total += 1
            else:
                total += _non_ascii_cost(first)
        return total


#: ASCII alphanumeric runs, ASCII whitespace runs, or any single other character.
_PIECE = re.compile(r"[A-Za-z0-9]+|[ \t\n\r\f\v]+|.", re.DOTALL)
_ASCII_SPACE = frozenset(" \t\n\r\f\v")
_LETTERS_OR_DIGITS = re.compile(r"[A-Za-z]+|[0-9]+")
#: Capitals not followed by lowercase (`HTTP` in `HTTPServer`), or one capital and lowercase.
_CASE_PIECE = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+")
#: One character repeated: each such stretch of whitespace is tokenized separately.
_SAME_CHARACTER = re.compile(r"(.)\1*", re.DOTALL)
_WHITESPACE_PER_TOKEN = 16
_LETTERS_PER_TOKEN = 4
_CAPITALS_PER_TOKEN = 3
#: Scripts cl100k_base encodes nearly byte by byte (3 bytes a character).
_BYTE_LEVEL_BLOCKS = ((0x10A0, 0x10FF), (0x1200, 0x139F))


def _ceil_div(numerator: int, denominator: int) -> int:
    return -(-numerator // denominator)


def _alphanumeric_cost(run: str) -> int:
    mixed = not (run.isalpha() or run.isdigit())
    total = 0
    for part in _LETTERS_OR_DIGITS.findall(run):
        if part.isdigit():
            total += _ceil_div(len(part), 3)
        elif mixed:
            total += len(part)
        else:
            for word in _CASE_PIECE.findall(part):
                capitals = len(word) > 1 and word.isupper()
                per_token = _CAPITALS_PER_TOKEN if capitals else _LETTERS_PER_TOKEN
                total += _ceil_div(len(word), per_token)
    return total


def _whitespace_cost(run: str, following: str) -> int:
    joins_next = following.isascii() and following != "" and not following.isdigit()
    if run in (" ", "\t") and joins_next:
        return 0
    stretches = (m.group() for m in _SAME_CHARACTER.finditer(run))
    return sum(_ceil_div(len(stretch), _WHITESPACE_PER_TOKEN) for stretch in stretches)


def _non_ascii_cost(character: str) -> int:
    code = ord(character)
    if code <= 0xFF or 0x400 <= code <= 0x4FF:
        return 1
    if code > 0xFFFF or any(low <= code <= high for low, high in _BYTE_LEVEL_BLOCKS):
        return 3
    return 2


@dataclass(frozen=True)
class _EncodingFile:
    """Where tiktoken downloads an encoding from, and the checksum it insists on."""

    url: str
    sha256: str


_ENCODING_FILES = {
    "cl100k_base": _EncodingFile(
        "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken",
        "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
    ),
    "o200k_base": _EncodingFile(
        "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken",
        "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
    ),
}

#: Model-name prefixes to encodings, most specific first (`gpt-4o` before `gpt-4`).
_MODEL_PREFIXES = (
    (re.compile(r"(ft:)?(chatgpt-4o|gpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|o[1-9])\b"), "o200k_base"),
    (re.compile(r"(ft:)?(gpt-4|gpt-3\.5|gpt-35)\b"), "cl100k_base"),
    (re.compile(r"text-embedding-(3-small|3-large|ada-002)\b"), "cl100k_base"),
)
#: Provider prefixes some routers put before a model name (`openai/gpt-4o`).
_PROVIDER_PREFIX = re.compile(r"^(openai|azure)/")

_loaded: dict[str, tiktoken.Encoding] = {}


def encoding_name_for(model: str) -> str | None:
    """The tiktoken encoding `model` uses, or None when it is not a known OpenAI family."""
    name = _PROVIDER_PREFIX.sub("", model.strip().lower())
    for pattern, encoding in _MODEL_PREFIXES:
        if pattern.match(name):
            return encoding
    return None


def tiktoken_cache_dir() -> Path | None:
    """Where tiktoken looks for encoding files; None when its caching is turned off."""
    for variable in ("TIKTOKEN_CACHE_DIR", "DATA_GYM_CACHE_DIR"):
        if variable in os.environ:
            value = os.environ[variable]
            return Path(value) if value else None
    return Path(tempfile.gettempdir()) / "data-gym-cache"


def cached_encoding_path(encoding: str) -> Path | None:
    """The file tiktoken would read `encoding` from, if present and intact; else None.

    tiktoken names the file by the sha1 of its URL and re-downloads it when it is missing or
    its sha256 does not match, so both are checked here first: tiktoken is then only asked
    for encodings it can load without the network.
    """
    source = _ENCODING_FILES.get(encoding)
    cache = tiktoken_cache_dir()
    if source is None or cache is None:
        return None
    path = cache / hashlib.sha1(source.url.encode(), usedforsecurity=False).hexdigest()
    try:
        intact = hashlib.sha256(path.read_bytes()).hexdigest() == source.sha256
    except OSError:
        return None
    return path if intact else None


def load_encoding(encoding: str) -> tiktoken.Encoding | None:
    """`encoding` from tiktoken if it is cached locally, never downloading it; else None."""
    if encoding in _loaded:
        return _loaded[encoding]
    if cached_encoding_path(encoding) is None:
        return None
    try:
        loaded = tiktoken.get_encoding(encoding)
    except Exception as error:  # a damaged file must not break counting: estimate instead
        logger.warning("tiktoken could not load %s (%s); estimating token counts", encoding, error)
        return None
    _loaded[encoding] = loaded
    return loaded


def counter_for(model: str) -> TokenCounter:
    """The best counter available offline for `model`: tiktoken's when it can, else estimate."""
    encoding_name = encoding_name_for(model)
    encoding = load_encoding(encoding_name) if encoding_name else None
    return TiktokenCounter(encoding) if encoding is not None else EstimatingCounter()
