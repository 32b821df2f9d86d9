"""Team guard lists: words and phrases a team never wants in an answer, matched through the
usual disguises.

A list is a text file, one word or phrase a line, `#` starting a comment. Matching folds case,
accents and look-alike letters (`normalize.fold`), reads common l33t substitutions (`$h1t`),
allows spacing and punctuation inside a word (`s.h.i.t`, `s h i t`), stretched letters
(`shiiit`) and common inflections, but never matches inside a longer word, so a list holding
"ass" leaves "class" and "assistant" alone.

Limits, said plainly: a disguise outside these families (a misspelling, a synonym, a word in
another language) passes; list the variants you care about.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from scaffolder.errors import UsageError
from scaffolder.kit.safety.decisions import Action, Finding
from scaffolder.kit.safety.normalize import fold

#: What a letter may be written as. Symbols stand for letters only here, never as separators.
_LEET = {
    "a": "a4@", "b": "b8", "e": "e3", "g": "g9", "i": "i1!|", "l": "l1|", "o": "o0",
    "s": "s5$", "t": "t7+", "z": "z2",
}  # fmt: skip
#: What may sit between the letters of a disguised word (no apostrophe: "he'll" is not "hell").
_SEPARATOR = r"[\s.,\-_*~^:;/\\=#]{0,3}"
_MAX_REPEAT = 8
_SUFFIX = r"(?:e?s|ed|ing|ers?)?"
_BOUNDARY_BEFORE = r"(?<![a-z0-9])"
_BOUNDARY_AFTER = r"(?![a-z0-9])"


def _letter(char: str) -> str:
    return f"[{re.escape(_LEET.get(char, char))}]{{1,{_MAX_REPEAT}}}"


def _letters(term: str) -> str:
    """The letters of a term as they are matched: folded, spaces and punctuation dropped."""
    return "".join(char for char in fold(term) if char.isalnum())


def _pattern(letters: str) -> str:
    return _SEPARATOR.join(_letter(char) for char in letters)


class GuardList:
    """One named list. `action` is `block` (withhold the answer) or `redact` (mask the word)."""

    def __init__(self, name: str, terms: Iterable[str], action: Action = "block") -> None:
        self.name = name
        self.terms = tuple(terms)
        self.action: Action = action
        self.guard = f"guard-list:{name}"
        letters = [_letters(term) for term in self.terms]
        if not letters or not all(letters):
            raise UsageError(f"guard list {name} is empty or has an entry without letters")
        # One pattern for the whole list, branching on the first letter, so a position is
        # tried against the few entries that can start there instead of all of them.
        by_first: dict[str, list[str]] = {}
        for word in sorted(set(letters), key=len, reverse=True):
            by_first.setdefault(word[0], []).append(word[1:])
        branches = []
        for first, rests in sorted(by_first.items()):
            tails = "|".join(_SEPARATOR + _pattern(rest) if rest else "" for rest in rests)
            branches.append(f"{_letter(first)}(?:{tails})")
        self._combined = re.compile(
            f"{_BOUNDARY_BEFORE}(?:{'|'.join(branches)}){_SUFFIX}{_BOUNDARY_AFTER}"
        )
        self._singles = [re.compile(f"(?:{_pattern(word)}){_SUFFIX}") for word in letters]
        #: The longest span a spaced-out entry can cover: what a stream must hold back.
        self.window = max(len(word) for word in letters) * (_MAX_REPEAT + 3) + 8

    @classmethod
    def load(cls, path: Path, *, action: Action = "block") -> GuardList:
        """Read a list file; its name is the file name without extension."""
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError as error:
            raise UsageError(f"cannot read guard list {path}: {error.strerror}") from error
        terms = tuple(stripped for line in lines if (stripped := line.split("#", 1)[0].strip()))
        if not terms:
            raise UsageError(f"guard list {path} has no entries")
        return cls(path.stem, terms, action)

    def find(self, text: str) -> list[Finding]:
        folded = fold(text)
        return [
            Finding(
                match.start(),
                match.end(),
                self.guard,
                self.action,
                "guard-list",
                7 if self.action == "block" else 3,
                f"list {self.name} entry {self._entry(folded, match.start(), match.end())}",
                replacement="***",
            )
            for match in self._combined.finditer(folded)
        ]

    def _entry(self, folded: str, start: int, end: int) -> int:
        """The 1-based number of the entry that matched, to name it without repeating it."""
        for number, pattern in enumerate(self._singles, start=1):
            if pattern.fullmatch(folded, start, end):
                return number
        return 0

    def hold_from(self, text: str) -> int:
        return max(0, len(text) - self.window)


def load_guard_lists(paths: Iterable[Path], root: Path | None = None) -> list[GuardList]:
    """The lists named in settings, relative paths taken from the project root."""
    return [GuardList.load(path if root is None or path.is_absolute() else root / path)
            for path in paths]  # fmt: skip
