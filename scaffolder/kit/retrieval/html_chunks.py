"""HTML as chunks: the readable text of a page, by paragraph, under its h1-h6 heading path.

Why the stdlib parser: it is streaming (the page is fed in blocks, never read whole), forgiving
of broken markup, and one less dependency for generated projects. Text is collected per block
element (paragraph, list item, table row, ...) with whitespace collapsed, except inside `<pre>`
where each source line stays a line. Scripts, styles, navigation and the document head are not
text anyone asks questions about, so they are skipped. Every unit keeps the HTML source lines
its text came from, which is what chunk line ranges refer to.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import TextIO

from scaffolder.kit.retrieval.chunking import (
    Packer,
    Piece,
    Unit,
    fragments,
    push_heading,
    section_path,
    split_line,
)

_SKIPPED = frozenset({"script", "style", "nav", "noscript", "template", "head"})
_HEADINGS = {f"h{level}": level for level in range(1, 7)}
_BLOCKS = frozenset(
    {
        *_HEADINGS,
        "address", "article", "aside", "blockquote", "body", "br", "caption", "dd", "details",
        "dialog", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form",
        "header", "hr", "html", "li", "main", "ol", "p", "pre", "section", "summary", "table",
        "tbody", "tfoot", "thead", "tr", "ul",
    }
)  # fmt: skip
_CELLS = frozenset({"td", "th"})
_WHITESPACE = re.compile(r"\s+")
#: How much of the page is handed to the parser at a time.
_READ_SIZE = 64 * 1024


@dataclass(frozen=True)
class _Heading:
    level: int
    title: str
    start: int
    end: int


class _TextExtractor(HTMLParser):
    """Turns markup into a queue of text units and headings, drained after each `feed`."""

    def __init__(self, max_chars: int) -> None:
        super().__init__(convert_charrefs=True)
        self.max_chars = max_chars
        self.events: list[Unit | _Heading] = []
        self._skipping: list[str] = []
        self._parts: list[str] = []
        self._start = 0
        self._end = 0
        self._heading: int | None = None
        self._pre_depth = 0
        self._pre_parts: list[str] = []
        self._pre_line: int | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "body":
            self._skipping.clear()  # a page that never closed its <head>
        if tag in _SKIPPED:
            self._skipping.append(tag)
        if self._skipping:
            return
        if tag in _BLOCKS:
            self._end_paragraph()
        if tag in _HEADINGS:
            self._heading = _HEADINGS[tag]
        elif tag == "pre":
            self._pre_depth += 1
        elif tag in _CELLS:
            self._parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if self._skipping:
            if tag == self._skipping[-1]:
                self._skipping.pop()
            return
        if tag in _HEADINGS and self._heading is not None:
            title = _collapse(self._parts)
            if title:
                self.events.append(_Heading(self._heading, title, self._start, self._end))
            self._parts = []
            self._heading = None
        elif tag == "pre" and self._pre_depth:
            self._end_pre_line()
            self._pre_depth -= 1
            self.events.append(Unit("", self._end, self._end))
        if tag in _BLOCKS:
            self._end_paragraph()

    def handle_data(self, data: str) -> None:
        if self._skipping:
            return
        line = self.getpos()[0]
        if self._pre_depth:
            for offset, text in enumerate(data.split("\n")):
                if offset:
                    self._end_pre_line()
                if self._pre_line is None:
                    self._pre_line = line + offset
                self._pre_parts.append(text)
            return
        content = data.strip()
        if content:
            leading = len(data) - len(data.lstrip())
            if not self._parts or not "".join(self._parts).strip():
                self._start = line + data.count("\n", 0, leading)
            self._end = line + data.count("\n", 0, leading + len(content))
        self._parts.append(data)
        if self._heading is None and sum(map(len, self._parts)) > self.max_chars:
            self._split_long_paragraph()

    def close(self) -> None:
        super().close()
        self._end_pre_line()
        self._end_paragraph()

    def _split_long_paragraph(self) -> None:
        """Emit the full fragments of a paragraph that outgrew a chunk, keeping the rest."""
        text = _WHITESPACE.sub(" ", "".join(self._parts)).lstrip()
        pieces = list(fragments(text, self.max_chars))
        self._parts = [pieces.pop()]
        for piece in pieces:
            self.events.append(Unit(piece.strip(), self._start, self._end, whole=False))
        self._start = self._end

    def _end_paragraph(self) -> None:
        text = _collapse(self._parts)
        self._parts = []
        if text:
            self.events.append(Unit(text, self._start, self._end))
            self.events.append(Unit("", self._end, self._end))

    def _end_pre_line(self) -> None:
        if self._pre_line is not None:
            self.events.extend(split_line(self._pre_line, "".join(self._pre_parts), self.max_chars))
            self._end = self._pre_line
        self._pre_parts = []
        self._pre_line = None


def _collapse(parts: list[str]) -> str:
    return _WHITESPACE.sub(" ", "".join(parts)).strip()


def pack_html(stream: TextIO, max_chars: int) -> Iterator[Piece]:
    """Pieces of an HTML page read from `stream` (opened with universal newlines)."""
    parser = _TextExtractor(max_chars)
    stack: list[tuple[int, str]] = []
    packer = Packer(max_chars)
    finished = False
    while not finished:
        block = stream.read(_READ_SIZE)
        if block:
            parser.feed(block)
        else:
            parser.close()
            finished = True
        for event in parser.events:
            if isinstance(event, _Heading):
                yield from packer.finish()
                push_heading(stack, event.level, event.title)
                packer = Packer(max_chars, section_path(stack))
                for piece in fragments(event.title, max_chars):
                    whole = len(piece) == len(event.title)
                    yield from packer.add(Unit(piece, event.start, event.end, whole))
                yield from packer.add(Unit("", event.end, event.end))
            else:
                yield from packer.add(event)
        parser.events.clear()
    yield from packer.finish()
