"""Built-in lint rules that read a prompt's wording: repeated and contradictory rules,
leftover TODOs, secrets, and instructions tied to one language in a multi-language prompt.

These are heuristics on the literal text of the files (Jinja syntax blanked out), kept
simple so that every finding can be explained in one sentence; the docstring of each rule
says exactly what it matches. A false positive is silenced on its line with a
`lint: ignore <id>` comment.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from scaffolder.kit.prompts.lint_subject import Hit, Rule, Source, Subject, position

_BULLET = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")
_FENCE_LINE = re.compile(r"^\s*(```|~~~)")
_NEGATIVE = (
    "you must never ",
    "you must not ",
    "you should never ",
    "you should not ",
    "must not ",
    "should not ",
    "never ",
    "do not ",
    "don't ",
    "dont ",
)
_POSITIVE = ("you must always ", "you must ", "you should ", "always ", "must ", "should ", "do ")
_LEFTOVER = re.compile(r"\b(TODO|FIXME|XXX)\b")
_SECRETS = (
    ("an API key (sk-...)", re.compile(r"\bsk-[A-Za-z0-9_-]{20,}")),
    ("an AWS access key id", re.compile(r"\bAKIA[0-9A-Z]{16}\b")),
    (
        "a hard-coded credential",
        re.compile(
            r"(?i)\b(?:password|passwd|pwd|secret|api[_-]?key|token)\s*=\s*"
            r"['\"]?(?!\{\{)[^\s'\"]{3,}"
        ),
    ),
    ("a long hex string (a key or token?)", re.compile(r"\b[0-9a-fA-F]{32,}\b")),
)
_TOKEN = re.compile(r"(?<![\w+/=-])[A-Za-z0-9+/_-]{40,}={0,2}(?![\w+/=-])")
#: Bits per character from which a 40+ character run looks random: random base64 of that
#: length scores about 4.8 (99% above 4.45), long CamelCase identifiers and paths stay below.
_TOKEN_ENTROPY = 4.4
#: Tool and idiom names tied to one programming language (matched as whole words, any case).
_IDIOMS = {
    "pip": "Python",
    "pipenv": "Python",
    "pytest": "Python",
    "virtualenv": "Python",
    "npm": "JavaScript",
    "npx": "JavaScript",
    "yarn": "JavaScript",
    "pnpm": "JavaScript",
    "node_modules": "JavaScript",
    "cargo": "Rust",
    "rustup": "Rust",
    "go get": "Go",
    "go mod": "Go",
    "maven": "Java",
    "gradle": "Java",
    "nuget": "C#",
    "bundler": "Ruby",
    "rubygems": "Ruby",
}
_IF_BLOCK = re.compile(r"\{%-?\s*(if|endif)\b.*?%\}", re.DOTALL)


@dataclass(frozen=True)
class _Statement:
    source: Source
    offset: int
    normal: str

    @property
    def where(self) -> str:
        return f"{self.source.display}:{position(self.source.text, self.offset)[0]}"


def _statements(subject: Subject) -> Iterator[_Statement]:
    """Each bullet or sentence of the rules and instructions, normalised, in prompt order;
    headings, fenced blocks and one-word fragments are skipped."""
    for source in subject.components("rules", "instructions"):
        offset = 0
        fenced = False
        for line in source.literal.splitlines(keepends=True):
            start, offset = offset, offset + len(line)
            if _FENCE_LINE.match(line):
                fenced = not fenced
                continue
            if fenced or line.lstrip().startswith("#"):
                continue
            bullet = _BULLET.match(line)
            body_start = bullet.end() if bullet else 0
            pieces = [body_start, *(m.end() for m in _SENTENCE_END.finditer(line, body_start))]
            for begin, end in zip(pieces, [*pieces[1:], len(line)], strict=True):
                normal = normalise(line[begin:end])
                if len(normal.split()) >= 2:
                    leading = len(line[begin:end]) - len(line[begin:end].lstrip())
                    yield _Statement(source, start + begin + leading, normal)


def normalise(text: str) -> str:
    """Lower case, typographic apostrophes made plain, punctuation dropped, spaces collapsed."""
    text = text.lower().replace("\u2019", "'")
    return " ".join(re.sub(r"[^\w\s']", " ", text).split()).strip("'")


def _duplicate_rule(subject: Subject) -> Iterator[Hit]:
    """The same bullet or sentence twice in the rules and instructions of a prompt (in the
    same file or across files, included ones too), compared after normalising case,
    punctuation and spacing. Repetition wastes tokens and drifts when only one copy is edited."""
    first: dict[str, _Statement] = {}
    for statement in _statements(subject):
        earlier = first.setdefault(statement.normal, statement)
        if earlier is not statement:
            yield statement.source.hit(
                statement.offset, f"duplicate rule: the same as {earlier.where}"
            )


def _polarity(normal: str) -> tuple[bool, str]:
    """Whether a statement asks for something or forbids it, and what (without the prefix)."""
    for prefix in _NEGATIVE:
        if normal.startswith(prefix):
            return False, normal[len(prefix) :]
    for prefix in _POSITIVE:
        if normal.startswith(prefix):
            return True, normal[len(prefix) :]
    return True, normal


def _contradictory_rules(subject: Subject) -> Iterator[Hit]:
    """Two rules that ask for and forbid the same thing: "always X" or "do X" or plain "X"
    against "never X" or "do not X" (also "must"/"must not", "should"/"should not"), where
    X is the same after normalising. The model gets to pick one at random."""
    seen: dict[str, tuple[bool, _Statement]] = {}
    for statement in _statements(subject):
        wanted, what = _polarity(statement.normal)
        earlier = seen.setdefault(what, (wanted, statement))
        if earlier[0] != wanted:
            yield statement.source.hit(
                statement.offset,
                f"contradicts {earlier[1].where}: one rule asks to {what!r}, the other forbids it",
            )


def _leftover_todo(subject: Subject) -> Iterator[Hit]:
    """TODO, FIXME or XXX (in capitals) anywhere in a prompt's files, comments included:
    unfinished work that would ship, or reach the model."""
    for source in subject.sources:
        for match in _LEFTOVER.finditer(source.text):
            yield source.hit(match.start(), f"leftover {match.group()}: finish it or remove it")


def _secret(subject: Subject) -> Iterator[Hit]:
    """Something that looks like a credential in a prompt's files: an `sk-...` key, an AWS
    access key id (AKIA...), `password=`/`secret=`/`api_key=`/`token=` followed by a literal
    value, a hex string of 32+ digits, or a 40+ character run of base64 characters with
    digits and both cases that looks random (high entropy). Prompts reach logs, traces and
    the model provider; secrets belong in settings."""
    for source in subject.sources:
        taken: list[tuple[int, int]] = []
        for what, pattern in _SECRETS:
            for match in pattern.finditer(source.text):
                taken.append(match.span())
                yield source.hit(match.start(), f"looks like {what}: keep secrets out of prompts")
        for match in _TOKEN.finditer(source.text):
            overlaps = any(match.start() < end and start < match.end() for start, end in taken)
            if not overlaps and _looks_random(match.group()):
                yield source.hit(
                    match.start(), "looks like a token or key: keep secrets out of prompts"
                )


def _looks_random(run: str) -> bool:
    classes = (str.isdigit, str.isupper, str.islower)
    if not all(any(test(character) for character in run) for test in classes):
        return False
    counts = Counter(run).values()
    entropy = -sum(count / len(run) * math.log2(count / len(run)) for count in counts)
    return entropy >= _TOKEN_ENTROPY


def _language_specific(subject: Subject) -> Iterator[Hit]:
    """Wording tied to one language in a prompt whose manifest lists several `languages`:
    the name of one of those languages, or a tool or idiom of one programming language
    (pip, pytest, npm, yarn, cargo, go get, maven, gradle...). Names match as whole words in
    any case, except names of one or two letters (Go, C, R), which match only capitalised or
    in capitals. Text inside an `{% if %}...{% endif %}` block is exempt: a condition is the
    way to say something for one language only."""
    languages = subject.manifest.languages
    if len(languages) < 2:
        return
    served = ", ".join(languages)
    patterns: list[tuple[re.Pattern[str], str | None]] = [
        (_language_pattern(name), None) for name in languages
    ]
    patterns += [
        (re.compile(rf"\b{re.escape(idiom)}\b", re.IGNORECASE), language)
        for idiom, language in _IDIOMS.items()
    ]
    for source in subject.components():
        exempt = _conditional_regions(source.text)
        literal = source.literal
        for pattern, language in patterns:
            for match in pattern.finditer(literal):
                if any(start <= match.start() < end for start, end in exempt):
                    continue
                found = match.group()
                tied = f"is specific to {language}" if language else "names one language"
                yield source.hit(
                    match.start(),
                    f"{found!r} {tied}, but the prompt serves {served}: word it for every "
                    "language, or put it in an {% if %} on the language",
                )


def _language_pattern(name: str) -> re.Pattern[str]:
    if len(name) <= 2:
        forms = {name[:1].upper() + name[1:], name.upper()}
        return re.compile(rf"(?<![\w+#])(?:{'|'.join(map(re.escape, sorted(forms)))})(?![\w+#])")
    return re.compile(rf"(?<![\w+#]){re.escape(name)}(?![\w+#])", re.IGNORECASE)


def _conditional_regions(text: str) -> list[tuple[int, int]]:
    """Character ranges from each `{% if %}` to its `{% endif %}`."""
    regions: list[tuple[int, int]] = []
    opened: list[int] = []
    for match in _IF_BLOCK.finditer(text):
        if match.group(1) == "if":
            opened.append(match.start())
        elif opened:
            regions.append((opened.pop(), match.end()))
    return regions


TEXT_RULES = (
    Rule("P005", "duplicate-rule", "warning", "manifest", _duplicate_rule),
    Rule("P006", "contradictory-rules", "error", "manifest", _contradictory_rules),
    Rule("P007", "leftover-todo", "warning", "files", _leftover_todo),
    Rule("P008", "secret", "error", "files", _secret),
    Rule("P010", "language-specific", "warning", "manifest", _language_specific),
)
