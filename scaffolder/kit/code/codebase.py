"""Questions about the codebase: "where is X defined", "what calls X", and everything else.

Why two answers: where a name is defined and who calls it are facts the symbol index knows
exactly, with file and line, and need no model (so they work offline and never guess). Any
other question ("how does `raw_decode` decide between...", "which function escapes
strings?") is answered from the index like a document question, with the definitions of the
names it mentions put first among the passages: the code a question names is the code that
answers it, whatever the ranking thinks of its wording.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

from scaffolder.kit.copilot.skill_helpers import answer_from_documents
from scaffolder.kit.rag import DEFAULT_K
from scaffolder.kit.routing.skills import SkillReply, SkillRequest
from scaffolder.kit.sources import SourceMap
from scaffolder.kit.symbols.index import Definition, SymbolIndex, name_words
from scaffolder.kit.symbols.mentions import NamedCode, named_code
from scaffolder.kit.symbols.source import has_definitions, lines_of
from scaffolder.kit.text import stem, tokenize
from scaffolder.kit.turn import SkillData, Source

_DEFINED = re.compile(
    r"\b(?:where\b.*\b(?:defined|declared|implemented|located|lives?)|definition\s+of"
    r"|in\s+which\s+file|which\s+file\s+(?:defines|has|holds|contains))\b",
    re.I,
)
_CALLED = re.compile(
    r"\b(?:(?:what|who|which\s+\w+)\s+(?:calls|uses|invokes)|callers\s+of"
    r"|where\b.*\b(?:called|used|invoked))\b",
    re.I,
)
#: Passages retrieved per passage answered with, so code can come before documentation.
DEPTH = 3
#: Declaration files: code, but not where anything is implemented.
DECLARATIONS = (".pyi", ".d.ts", ".d.mts", ".d.cts")
#: Definitions listed in a "where is X defined" answer.
MAX_DEFINITIONS = 8
#: Call sites listed in a "what calls X" answer.
MAX_CALLERS = 12
#: Characters of a definition put in front of the model.
PASSAGE_CHARS = 2400


@dataclass(frozen=True)
class CallSite:
    file: str
    line: int
    text: str
    #: The definition the call is in, when it is in one.
    caller: Definition | None


def answer_about_code(
    request: SkillRequest, *, prompt: str = "ask_codebase", k: int = DEFAULT_K
) -> SkillReply:
    """The `ask_codebase` skill's body; see the module doc."""
    services = request.services
    if services is None:
        raise ValueError("answer_about_code needs a Copilot's project services")
    symbols = services.symbols()
    named = named_code(request.text, symbols) if symbols is not None else []
    definitions = [code for code in named if code.definition is not None]
    reader = CodeReader(services.source_map)
    if symbols is not None and definitions and _CALLED.search(request.text):
        return callers_reply(definitions[0], symbols, reader)
    if definitions and _DEFINED.search(request.text):
        return definitions_reply(definitions, reader)
    pinned = [source for code in named[:2] if (source := reader.passage(code)) is not None]
    if symbols is not None and not named:
        pinned += [s for code in by_name_words(request.text, symbols)[:1]
                   if (s := reader.passage(code)) is not None]  # fmt: skip
    deeper = services.answerer(prompt, k * DEPTH)

    def passages(query: str) -> list[Source]:
        return code_first(pinned, deeper.retrieve(query), k)

    return answer_from_documents(request, prompt=prompt, k=k, passages=passages)


def code_first(pinned: Sequence[Source], retrieved: Sequence[Source], k: int) -> list[Source]:
    """`pinned`, then retrieved implementation code, then declarations (`.pyi`, `.d.ts`),
    then everything else (READMEs, docs), each in retrieval order; `k` in all, numbered.

    Why: a question about how the code works is answered by the code; documentation about
    the same words ranks high (it is written in the question's language) and would crowd
    the implementation out of the passages."""
    ids = {source.chunk_id for source in pinned}
    rest = [source for source in retrieved if source.chunk_id not in ids]
    ordered = [*pinned, *sorted(rest, key=lambda source: _rank(source.source))][:k]
    return [replace(source, label=str(n)) for n, source in enumerate(ordered, start=1)]


def _rank(file: str) -> int:
    if file.endswith(DECLARATIONS):
        return 1
    return 0 if has_definitions(file) else 2


def by_name_words(text: str, symbols: SymbolIndex) -> list[NamedCode]:
    """Definitions whose name spells two or more of the question's words ("the LRU cache"
    -> `LRUCache`, "max satisfying" -> `maxSatisfying`), most words first."""
    words = {word for word in tokenize(text) if len(word) >= 3}
    if len(words) < 2:
        return []
    scored: list[tuple[int, Definition]] = []
    for definition in symbols.definitions():
        if definition.kind == "variable":
            continue
        matched = words & {stem(word) for word in name_words(definition.name)}
        if len(matched) >= 2:
            scored.append((len(matched), definition))
    scored.sort(key=lambda pair: (-pair[0], pair[1].file, pair[1].start_line))
    return [NamedCode(d.file, d.start_line, d.end_line, d, d.name) for _, d in scored]


def definitions_reply(named: Sequence[NamedCode], reader: CodeReader) -> SkillReply:
    """Where each named definition is, citing its code."""
    cited = _Cited(reader)
    lines = []
    for code in named[:MAX_DEFINITIONS]:
        d = code.definition
        assert d is not None
        shown = f": `{d.signature}`" if d.signature else ""
        lines.append(f"- {d.kind} `{d.qualname}` is defined in {d.file}:{d.start_line} "
                     f"(lines {d.start_line}-{d.end_line}){shown}{cited.mark(code)}")  # fmt: skip
    if len(named) > MAX_DEFINITIONS:
        lines.append(f"- and {len(named) - MAX_DEFINITIONS} more definition(s) of that name")
    return cited.reply("\n".join(lines))


def callers_reply(code: NamedCode, symbols: SymbolIndex, reader: CodeReader) -> SkillReply:
    """The call sites of a named definition across the indexed code."""
    d = code.definition
    assert d is not None
    cited = _Cited(reader)
    sites = list(call_sites(d, symbols, reader))
    if not sites:
        return cited.reply(f"No calls to `{d.name}` were found in the indexed code; it is "
                           f"defined in {d.file}:{d.start_line}{cited.mark(code)}.")  # fmt: skip
    lines = [f"`{d.qualname}` ({d.file}:{d.start_line}) is called from:"]
    for site in sites[:MAX_CALLERS]:
        where, mark = "", ""
        if site.caller is not None:
            where = f" in {site.caller.kind} `{site.caller.qualname}`"
            mark = cited.mark(NamedCode(site.file, site.caller.start_line,
                                        site.caller.end_line, site.caller, ""))  # fmt: skip
        lines.append(f"- {site.file}:{site.line}{where}: `{site.text.strip()[:120]}`{mark}")
    if len(sites) > MAX_CALLERS:
        lines.append(f"- and {len(sites) - MAX_CALLERS} more call(s)")
    return cited.reply("\n".join(lines))


class _Cited:
    """The passages a symbol-index answer cites, numbered as they are first cited; at most
    `DEFAULT_K`, like retrieved passages."""

    def __init__(self, reader: CodeReader) -> None:
        self.reader = reader
        self.sources: list[Source] = []

    def mark(self, code: NamedCode) -> str:
        known = next((s for s in self.sources if s.chunk_id == _id(code)), None)
        if known is None and len(self.sources) < DEFAULT_K:
            known = self.reader.passage(code, label=str(len(self.sources) + 1))
            if known is not None:
                self.sources.append(known)
        return f" [{known.label}]" if known is not None else ""

    def reply(self, text: str) -> SkillReply:
        return SkillReply(
            text,
            sources=tuple(self.sources),
            data=SkillData(
                grounded=True,
                cited=tuple(source.label for source in self.sources),
                answered_from="symbol index",
            ),
        )


def call_sites(
    definition: Definition, symbols: SymbolIndex, reader: CodeReader
) -> Iterator[CallSite]:
    """Lines of the indexed code that call `definition`'s name (`name(`, `.name(`), outside
    the definition's own first line."""
    call = re.compile(rf"(?<![\w$]){re.escape(definition.name)}\s*\(")
    for file in sorted(symbols.files):
        text = reader.text(file)
        if text is None or definition.name not in text:
            continue
        for number, line in enumerate(lines_of(text), start=1):
            if file == definition.file and number == definition.start_line:
                continue
            stripped = line.lstrip()
            if stripped.startswith(("def ", "async def ", "function ", "#", "//")):
                continue
            if call.search(line):
                holding = [
                    d for d in symbols.in_file(file)
                    if d.start_line <= number <= d.end_line and d.kind != "variable"
                ]  # fmt: skip
                caller = min(holding, key=lambda d: d.end_line - d.start_line, default=None)
                yield CallSite(file, number, line, caller)


class CodeReader:
    """Indexed files' text by workspace name, read once per turn."""

    def __init__(self, sources: SourceMap) -> None:
        self.sources = sources
        self._texts: dict[str, str | None] = {}

    def text(self, file: str) -> str | None:
        if file not in self._texts:
            source, inner = self.sources.split(file)
            path = (source.root if source is not None else self.sources.project) / inner
            try:
                self._texts[file] = path.read_bytes().decode("utf-8")
            except (OSError, UnicodeDecodeError):
                self._texts[file] = None
        return self._texts[file]

    def passage(self, code: NamedCode, label: str = "1") -> Source | None:
        """The named code's lines as a passage to cite (the first lines of a whole file)."""
        text = self.text(code.file)
        if text is None:
            return None
        lines = lines_of(text)
        start, end = (1, len(lines)) if code.whole_file else (code.start_line, code.end_line)
        body = "\n".join(lines[start - 1 : end])[:PASSAGE_CHARS]
        section = f", {code.definition.kind} {code.definition.qualname}" if code.definition else ""
        return Source(label, _id(code), f"{code.file}{section}, lines {start}-{end}", code.file,
                      body, 1.0)  # fmt: skip


def _id(code: NamedCode) -> str:
    return f"symbol:{code.file}:{code.start_line}-{code.end_line}"
