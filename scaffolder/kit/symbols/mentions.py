"""Which code a request names in its text, resolved through the symbol index.

Why from the text: in a terminal there is no editor to say "the cursor is here", so people
write where they mean: `decoder.py:42`, `decoder.py::JSONDecoder.decode` (pytest's node ids),
`` `scanstring` ``, "the function py_scanstring", "where is scanstring defined". Each form is
read here, and only names and files the index holds count: a word that merely looks like
code names nothing until the index has a definition of it, which is also what keeps ordinary
English ("where is the party") from being taken for code.

Forms, most specific first:

- `path:LINE`, `path:LINE:COL`, `path:A-B`: parsed from the right (a Windows drive letter or
  a `:` inside the path stays part of it); the definition around the line, else the line;
- `path::name` and `path::Class::method`: that definition in that file;
- a path with a code file's suffix: that file (names in the same text are looked up there);
- `` `name` ``, or a word written as code (`snake_case`, `camelCase`, `Dotted.name`, `f()`),
  or a plain word in a defining phrase ("where is X defined", "what calls X", "function X"),
  or any other word of `PLAIN_NAME_CHARS` letters or more that is exactly a defined name
  (`formataddr`), last: short plain words ("sort", "parse") are English first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from scaffolder.kit.symbols.index import Definition, SymbolIndex
from scaffolder.kit.text import STOPWORDS

#: A plain word this long that is exactly a defined name is taken for that name.
PLAIN_NAME_CHARS = 6

_PATH = r"(?:[A-Za-z]:)?[\w.$@+~/\\-]*\w\.[A-Za-z][A-Za-z0-9]{0,5}"
_FILE_LINE = re.compile(rf"(?P<path>{_PATH}):(?P<line>\d+)(?:(?P<sep>[-:])(?P<end>\d+))?\b")
_FILE_NAME = re.compile(rf"(?P<path>{_PATH})::(?P<name>[\w$.:]+)")
_FILE = re.compile(rf"(?<![\w/.])(?P<path>{_PATH})(?![\w/])")
_BACKTICKS = re.compile(r"`([^`\n]{1,200})`")
_WORD = re.compile(r"[A-Za-z_$#][\w$]*(?:\.[A-Za-z_$#][\w$]*)*(?:\(\))?")
_NAME_SLOT = r"`?([A-Za-z_$][\w$.]*)`?(?:\(\))?"
_DEFINING = [
    re.compile(rf"\bwhere\s+(?:is|are)\s+(?:the\s+)?(?:\w+\s+)?{_NAME_SLOT}\s+"
               r"(?:defined|declared|implemented|located|called|used|invoked)", re.I),
    re.compile(rf"\b(?:what|who|which\s+\w+)\s+(?:calls|uses|invokes)\s+{_NAME_SLOT}", re.I),
    re.compile(rf"\b(?:callers|definition|implementation|uses)\s+of\s+{_NAME_SLOT}", re.I),
    re.compile(rf"\b(?:function|class|method|def|module)\s+{_NAME_SLOT}", re.I),
    re.compile(rf"{_NAME_SLOT}\s+(?:function|class|method)\b", re.I),
    re.compile(rf"\bfind\s+{_NAME_SLOT}", re.I),
]  # fmt: skip
#: Words never taken for a name, even in a defining phrase ("where is the function used").
_NOT_NAMES = frozenset(
    [
        "the",
        "a",
        "an",
        "this",
        "that",
        "it",
        "its",
        "these",
        "those",
        "function",
        "class",
        "method",
        "module",
        "file",
        "code",
        "here",
        "there",
        "what",
        "which",
        "who",
        "where",
        "how",
        "why",
        "is",
        "are",
        "defined",
        "called",
        "used",
    ]
)


@dataclass(frozen=True)
class NamedCode:
    """A place in the indexed code that a request names, and how it was named."""

    file: str
    start_line: int
    end_line: int
    #: The definition named or around the line; None for a whole file or bare lines.
    definition: Definition | None
    #: How the text named it, for the reply's reason ("`decoder.py:42`").
    written: str

    @property
    def whole_file(self) -> bool:
        return self.definition is None and self.start_line == 0

    def describe(self) -> str:
        if self.definition is not None:
            return self.definition.describe()
        if self.whole_file:
            return f"file {self.file}"
        return f"{self.file}, lines {self.start_line}-{self.end_line}"


def named_code(text: str, index: SymbolIndex) -> list[NamedCode]:
    """Everything in `text` that names indexed code, most specific first, without repeats."""
    found: list[NamedCode] = []
    spans: list[tuple[int, int]] = []

    def taken(match: re.Match[str]) -> bool:
        return any(start < match.end() and match.start() < end for start, end in spans)

    for match in _FILE_LINE.finditer(text):
        line = int(match["line"])
        end = int(match["end"]) if match["sep"] == "-" and match["end"] else line
        for file in index.find_files(match["path"])[:1]:
            spans.append(match.span())
            found.append(_at_lines(index, file, line, max(end, line), match.group(0)))
    for match in _FILE_NAME.finditer(text):
        if taken(match):
            continue
        name = match["name"].replace("::", ".").strip(".")
        for file in index.find_files(match["path"])[:1]:
            spans.append(match.span())
            found.extend(_definitions(index.lookup(name, file=file), match.group(0)))
    files: list[str] = []
    for match in _FILE.finditer(text):
        if taken(match):
            continue
        for file in index.find_files(match["path"])[:1]:
            spans.append(match.span())
            files.append(file)
    for name, written in _names(text, spans):
        definitions = _in_files(index, name, files)
        found.extend(_definitions(definitions, written))
    found.extend(NamedCode(file, 0, 0, None, file) for file in files)
    return _unique(found)


def _names(text: str, spans: list[tuple[int, int]]) -> list[tuple[str, str]]:
    """(name, as written) for every word the text writes as a code name (module doc)."""
    names: list[tuple[str, str]] = []
    for match in _BACKTICKS.finditer(text):
        if any(s < match.end() and match.start() < e for s, e in spans):
            continue
        inner = match.group(1).strip().removesuffix("()")
        if _WORD.fullmatch(inner):
            names.append((inner, match.group(0)))
    for match in _WORD.finditer(text):
        word = match.group(0)
        if any(s < match.end() and match.start() < e for s, e in spans):
            continue
        bare = word.removesuffix("()")
        inner_capital = bare[1:] != bare[1:].lower() and bare.lower() != bare.upper().lower()
        if (
            word.endswith("()")
            or "_" in bare.strip("_")
            or "." in bare
            or (inner_capital and not bare.isupper())
        ):
            names.append((bare, word))
    for pattern in _DEFINING:
        for match in pattern.finditer(text):
            word = match.group(1).strip(".")
            if word.lower() not in _NOT_NAMES:
                names.append((word, word))
    for match in _WORD.finditer(text):
        word = match.group(0)
        if len(word) >= PLAIN_NAME_CHARS and word.lower() not in STOPWORDS | _NOT_NAMES:
            names.append((word, word))  # counts only if the index defines exactly this name
    return names


def _in_files(index: SymbolIndex, name: str, files: list[str]) -> list[Definition]:
    """Definitions of `name`, in the files the text names when it names any that hold one."""
    every = index.lookup(name)
    if not every and "." in name:  # `json.loads`: a module path before the name
        every = index.lookup(name.rsplit(".", 1)[1])
    local = [d for d in every if d.file in files]
    return local or every


def _definitions(definitions: list[Definition], written: str) -> list[NamedCode]:
    return [NamedCode(d.file, d.start_line, d.end_line, d, written) for d in definitions]


def _at_lines(index: SymbolIndex, file: str, start: int, end: int, written: str) -> NamedCode:
    """The innermost definition holding lines start..end of `file`, else those lines."""
    holding = [d for d in index.in_file(file) if d.start_line <= start and end <= d.end_line]
    if holding:
        best = min(holding, key=lambda d: d.end_line - d.start_line)
        return NamedCode(file, best.start_line, best.end_line, best, written)
    return NamedCode(file, start, end, None, written)


def _unique(found: list[NamedCode]) -> list[NamedCode]:
    seen: set[tuple[str, int, int]] = set()
    kept: list[NamedCode] = []
    for code in found:
        key = (code.file, code.start_line, code.end_line)
        if key not in seen:
            seen.add(key)
            kept.append(code)
    return kept
