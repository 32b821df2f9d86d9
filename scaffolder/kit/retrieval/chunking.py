"""Packing lines into chunks: the shared machinery behind every loader.

Why a packer at all: embedding models and prompts want pieces of bounded size, while citations
want pieces that are exact line ranges of the original file. So every format is first turned
into a stream of `Unit`s (a line, or a paragraph of extracted text, with the lines it came
from), and `Packer` groups consecutive units into pieces of at most `max_chars` characters,
cutting at paragraph boundaries (blank units) when it can and at unit boundaries when a single
paragraph is too long. A unit longer than `max_chars` is cut into fragments first; that is the
only time a line is split.

Everything here is streaming: memory is bounded by a few times `max_chars` however long the
input is, which is what lets `copilot ingest` chunk a 200 MB log file.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TextIO

from scaffolder.kit.text import closes_fence, fence_opened_by


@dataclass(frozen=True)
class Unit:
    """A line of a file (or a paragraph of extracted text) and the 1-based lines it spans."""

    text: str
    start: int
    end: int
    #: False for a fragment of an over-long line: fragments are never packed with anything else,
    #: because joining them with newlines would invent line breaks the file does not have.
    whole: bool = True

    @property
    def blank(self) -> bool:
        return not self.text.strip()


@dataclass(frozen=True)
class Piece:
    """A chunk before it knows its file: text, inclusive line range and section."""

    text: str
    start: int
    end: int
    section: str | None = None


def fragments(text: str, max_chars: int) -> Iterator[str]:
    """Cut `text` into pieces of at most `max_chars`, preferring to cut after whitespace.

    The pieces concatenate back to `text` exactly, so each one is still a substring of the file.
    """
    while len(text) > max_chars:
        window = text[:max_chars]
        cut = max(window.rfind(" "), window.rfind("\t")) + 1
        if cut <= max_chars // 2:
            cut = max_chars
        yield text[:cut]
        text = text[cut:]
    if text:
        yield text


def split_line(number: int, text: str, max_chars: int) -> Iterator[Unit]:
    """One line as units: itself if it fits, else its fragments."""
    if len(text) <= max_chars:
        yield Unit(text, number, number)
        return
    for piece in fragments(text, max_chars):
        yield Unit(piece, number, number, whole=False)


def read_units(stream: TextIO, max_chars: int) -> Iterator[Unit]:
    """The lines of a text stream as units, without ever holding a whole over-long line.

    `stream` should be opened with universal newlines so that line numbers agree with
    `Path.read_text().split("\\n")` and with Python's own `ast` line numbers.
    """
    number = 0
    while True:
        line = stream.readline(max_chars + 1)
        if not line:
            return
        number += 1
        if line.endswith("\n") or len(line) <= max_chars:
            yield from split_line(number, line.removesuffix("\n"), max_chars)
            continue
        # An over-long line: read the rest of it in bounded pieces, emitting full fragments
        # as they are complete and keeping less than two fragments' worth in hand.
        pending = line
        while True:
            more = stream.readline(max_chars)
            ended = not more or more.endswith("\n")
            pending += more.removesuffix("\n")
            pieces = list(fragments(pending, max_chars))
            if not ended:
                pending = pieces.pop()
            for piece in pieces:
                if piece.strip():
                    yield Unit(piece, number, number, whole=False)
            if ended:
                break


def _joined_length(units: Iterable[Unit]) -> int:
    texts = [unit.text for unit in units]
    return sum(map(len, texts)) + max(len(texts) - 1, 0)


class Packer:
    """Greedy packing of units into pieces of at most `max_chars` characters.

    A piece never starts or ends with a blank unit, always covers a contiguous run of units, and
    breaks at the last paragraph boundary that keeps it within `max_chars`; a paragraph longer
    than that is broken at unit boundaries. The blank units inside a piece are kept so that its
    text is exactly the lines of its range.
    """

    def __init__(self, max_chars: int, section: str | None = None) -> None:
        if max_chars < 1:
            raise ValueError(f"max_chars must be positive, got {max_chars}")
        self.max_chars = max_chars
        self.section = section
        self._chunk: list[Unit] = []
        self._gap: list[Unit] = []
        self._block: list[Unit] = []

    def add(self, unit: Unit, *, in_code: bool = False) -> Iterator[Piece]:
        """Take the next unit. `in_code`: it is inside a fenced code block, where a blank line
        is no paragraph boundary, so an example is cut only when it alone is too long (a
        piece starting inside a block would read its closing fence as an opening one)."""
        if not unit.whole:
            yield from self.finish()
            if not unit.blank:
                yield self._piece([unit])
        elif unit.blank and not (in_code and self._block):
            yield from self._place_block()
            if self._chunk:
                self._gap.append(unit)
                if _joined_length(self._chunk) + _joined_length(self._gap) >= self.max_chars:
                    # No later paragraph can join this chunk any more; let the blanks go.
                    yield from self._emit_chunk()
        else:
            if self._block and _joined_length([*self._block, unit]) > self.max_chars:
                yield from self._place_block()
                yield from self._emit_chunk()
                if unit.blank:  # a piece never starts with a blank line
                    return
            self._block.append(unit)

    def enter(self, section: str | None, *, after_text: bool) -> Iterator[Piece]:
        """Start the section a heading opens. The section before ends here when it had text
        of its own; a heading with nothing under it but this one (a page's title over its
        first section) stays, and opens this section's piece: alone it answers nothing."""
        if after_text:
            yield from self.finish()
        self.section = section

    def finish(self) -> Iterator[Piece]:
        """Emit whatever is still held; the packer is then empty and can be reused."""
        yield from self._place_block()
        yield from self._emit_chunk()

    def _place_block(self) -> Iterator[Piece]:
        """Move the current paragraph into the current chunk, or start a new chunk with it."""
        if not self._block:
            return
        trailing: list[Unit] = []  # blank lines a code block ended on (its fence unclosed)
        while self._block[-1].blank:
            trailing.insert(0, self._block.pop())
        if self._chunk:
            merged = [*self._chunk, *self._gap, *self._block]
            if _joined_length(merged) <= self.max_chars:
                self._chunk = merged
            else:
                yield from self._emit_chunk()
                self._chunk = self._block
        else:
            self._chunk = self._block
        self._gap = trailing
        self._block = []

    def _emit_chunk(self) -> Iterator[Piece]:
        if self._chunk:
            yield self._piece(self._chunk)
        self._chunk = []
        self._gap = []

    def _piece(self, units: list[Unit]) -> Piece:
        return Piece(
            text="\n".join(unit.text for unit in units),
            start=units[0].start,
            end=units[-1].end,
            section=self.section,
        )


def pack(units: Iterable[Unit], max_chars: int, section: str | None = None) -> Iterator[Piece]:
    """All of `units` packed into pieces with one section (plain text, code blocks, PDF pages)."""
    packer = Packer(max_chars, section)
    for unit in units:
        yield from packer.add(unit)
    yield from packer.finish()


#: A Markdown ATX heading line ("## Install"), CommonMark's rule: a space after the hashes.
ATX_HEADING = re.compile(r" {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")


def section_path(stack: list[tuple[int, str]]) -> str | None:
    """The heading path of a stack of (level, title) headings, e.g. `Setup > Install`."""
    return " > ".join(title for _, title in stack if title) or None


def push_heading(stack: list[tuple[int, str]], level: int, title: str) -> None:
    """Enter a heading: it closes every open heading of the same or a deeper level."""
    while stack and stack[-1][0] >= level:
        stack.pop()
    stack.append((level, title))


def pack_markdown(
    units: Iterable[Unit], max_chars: int, title: str | None = None
) -> Iterator[Piece]:
    """Markdown split at ATX headings (`#` to `######`), each section packed on its own.

    The heading line opens its section's first piece, so the heading's words are embedded
    with the text under it. A heading with nothing under it but another heading (a title over
    its first section) makes no chunk of its own, since alone it answers nothing: it opens the
    next section's first piece instead. Lines inside fenced code blocks are never taken for
    headings, and their blank lines are no paragraph boundaries. Setext headings (a line
    underlined with `===` or `---`) are read as plain text. A `title` (a page's front
    matter's, `kit.retrieval.front_matter`) heads every section path.
    """
    stack: list[tuple[int, str]] = [(0, title)] if title else []
    packer = Packer(max_chars, section_path(stack))
    fence: str | None = None
    has_text = False  # the open section holds more than headings and blank lines
    for unit in units:
        if unit.whole and fence is None and (heading := ATX_HEADING.fullmatch(unit.text)):
            push_heading(stack, len(heading.group(1)), (heading.group(2) or "").strip())
            yield from packer.enter(section_path(stack), after_text=has_text)
            has_text = False
        else:
            if unit.whole:
                if fence is None:
                    fence = fence_opened_by(unit.text)
                elif closes_fence(unit.text, fence):
                    fence = None
            has_text = has_text or not unit.blank
        yield from packer.add(unit, in_code=fence is not None)
    yield from packer.finish()
