"""HTML as chunks: the readable text of a page, by paragraph, under its h1-h6 heading path.

Why the stdlib parser: it is streaming (the page is fed in blocks, never read whole), forgiving
of broken markup, and one less dependency for generated projects. Text is collected per block
element (paragraph, list item, table row, ...) with whitespace collapsed, except inside `<pre>`
where each source line stays a line, fenced as a Markdown code block: a reader of the chunk
(a model, the offline answer, `adapt`) then tells an example from prose, and a sentence that
ends "with the git key:" is shown with the example it introduces instead of its lines being
read as one run-on sentence. Scripts, styles, navigation and the document head are not
text anyone asks questions about, so they are skipped, and so is what the page hides (the
`hidden` attribute, `aria-hidden="true"`, a `<dialog>` that is not open) and a permalink's
symbol ("#" or a pilcrow after a heading: Node's API docs read "UDP/datagram sockets#"). Every
unit keeps the HTML source lines its text came from, which is what chunk line ranges refer to.

A page that marks its main content (`<main>`, or `role="main"`) is read from there only. Why:
a generated docs site repeats its chrome on every page (a menu bar with the book's title, a
keyboard-shortcuts popup, previous/next links), and read whole, every page would be "about"
that chrome: the first `copilot new --docs` over a built mdBook named the collection
"Keyboard shortcuts". Whether a page has a main element is only known once it is seen, so the
text before it is held back, up to `_HELD_CHARS`, and dropped when it comes; a page that has
none gives all of its text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Literal, TextIO

from scaffolder.kit.retrieval.chunking import (
    Packer,
    Piece,
    Unit,
    fragments,
    push_heading,
    section_path,
    split_line,
)

#: Never text: scripts and styles, the site's navigation, the head, and a control's label (a
#: button's "Copy item path" inside rustdoc's every title, a code block's "Run").
_SKIPPED = frozenset({"script", "style", "nav", "noscript", "template", "head", "button"})
#: Elements whose end tag HTML requires: only these can be skipped as hidden or read as the
#: main content, since an element whose end tag may be left out (`<p>`, `<li>`) or that has
#: none (`<input hidden>`) would leave the parser waiting for a close that never comes.
_CLOSED = frozenset(
    {
        "a", "article", "aside", "blockquote", "button", "details", "dialog", "div", "dl",
        "fieldset", "figure", "footer", "form", "header", "label", "main", "nav", "ol", "section",
        "select", "span", "table", "ul",
    }
)  # fmt: skip
#: What a link to a heading or paragraph shows ("Install#", "Install¶"): not its words.
_PERMALINKS = frozenset({"#", "\u00b6", "\u00a7", "\U0001f517", "\u2693"})
#: ARIA roles of an element that is the site's, not the page's: a `<div role="navigation">`
#: (Sphinx's "related" bar of previous, next and index links) is a `<nav>`.
_SKIPPED_ROLES = frozenset({"navigation", "search"})
#: Link types of a link to another page of the sequence (HTML's `rel`): previous, next, up.
_NAVIGATION_RELS = frozenset({"prev", "previous", "next", "up", "index", "contents", "home"})
#: What a navigation paragraph says besides its links: "Previous: ..., Up: ... [Index]".
_NAVIGATION_LABELS = re.compile(r"(?i)\b(?:previous|prev|next|up|home|top|contents|index)\b|[\W_]")
#: How much text before a possible `<main>` is held back; past it the page is read whole.
_HELD_CHARS = 1_000_000
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
#: The fence around a `<pre>` block's lines: four backticks, so that a line of three (an
#: example of Markdown) does not close it.
_FENCE = "````"
#: How much of the page is handed to the parser at a time.
_READ_SIZE = 64 * 1024


@dataclass(frozen=True)
class _Code:
    """A line of a `<pre>` block after its opening fence: the packer never cuts a block at
    its blank lines (a piece starting inside it would read the closing fence as an opening)."""

    unit: Unit


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
        self.events: list[Unit | _Code | _Heading] = []
        #: The element being skipped, and how many of its name are open (nesting).
        self._skipping: str | None = None
        self._skip_depth = 0
        #: "waiting" for a main element (holding events back), reading the page "whole", or
        #: reading its "main" element only.
        self._mode: Literal["waiting", "whole", "main"] = "waiting"
        self._held: list[Unit | _Code | _Heading] = []
        self._held_chars = 0
        #: The main element while inside it, and how many of its name are open.
        self._main: str | None = None
        self._main_depth = 0
        self._parts: list[str] = []
        self._start = 0
        self._end = 0
        self._heading: int | None = None
        self._pre_depth = 0
        self._pre_parts: list[str] = []
        self._pre_line: int | None = None
        #: Where the text of the link being read starts in `_parts`, and whether it links to
        #: the previous, next or parent page (`_NAVIGATION_RELS`).
        self._anchor: int | None = None
        self._navigates = False
        #: The paragraph's text outside such links, and how many it has (`_is_navigation`).
        self._linked: list[tuple[int, int]] = []
        self._navigation_links = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "body":
            self._skipping = None  # a page that never closed its <head>
        if self._skipping is not None:
            self._skip_depth += tag == self._skipping
            return
        named = dict(attrs)
        if tag in _SKIPPED or (tag in _CLOSED and (_hidden(tag, named) or _site_part(tag, named))):
            self._skipping, self._skip_depth = tag, 1
            return
        if self._main is not None:
            self._main_depth += tag == self._main
        elif self._mode != "whole" and _is_main(tag, named):
            self._enter_main(tag)
        if tag in _BLOCKS:
            self._end_paragraph()
        if tag in _HEADINGS:
            self._heading = _HEADINGS[tag]
        elif tag == "pre":
            if not self._pre_depth:
                line = self.getpos()[0]
                self._emit(Unit(_FENCE, line, line))
            self._pre_depth += 1
        elif tag in _CELLS:
            self._parts.append(" ")
        elif tag == "a" and not self._pre_depth:
            self._anchor = len(self._parts)
            rels = set((named.get("rel") or "").lower().split())
            self._navigates = not rels.isdisjoint(_NAVIGATION_RELS)

    def handle_endtag(self, tag: str) -> None:
        if self._skipping is not None:
            if tag == self._skipping:
                self._skip_depth -= 1
                if not self._skip_depth:
                    self._skipping = None
            return
        if tag == "a" and self._anchor is not None:
            if "".join(self._parts[self._anchor :]).strip() in _PERMALINKS:
                del self._parts[self._anchor :]
            elif self._navigates:
                self._linked.append((self._anchor, len(self._parts)))
                self._navigation_links += 1
            self._anchor = None
        if tag in _HEADINGS and self._heading is not None:
            title = _collapse(self._parts)
            if title:
                self._emit(_Heading(self._heading, title, self._start, self._end))
            self._parts = []
            self._heading = None
        elif tag == "pre" and self._pre_depth:
            self._end_pre_line()
            self._pre_depth -= 1
            if not self._pre_depth:
                self._emit(_Code(Unit(_FENCE, self._end, self._end)))
            self._emit(Unit("", self._end, self._end))
        if tag in _BLOCKS:
            self._end_paragraph()
        if tag == self._main:
            self._main_depth -= 1
            if not self._main_depth:
                self._main = None

    def handle_data(self, data: str) -> None:
        if self._skipping is not None:
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
        if self._pre_depth:  # a page that ends inside its <pre>: the block ends with it
            self._pre_depth = 0
            self._emit(_Code(Unit(_FENCE, self._end, self._end)))
        self._end_paragraph()
        if self._mode == "waiting":  # no main element: the whole page is the content
            self.events.extend(self._held)
            self._mode = "whole"

    def _enter_main(self, tag: str) -> None:
        self._end_pre_line()
        self._end_paragraph()
        self._main, self._main_depth = tag, 1
        self._mode = "main"
        self._held = []  # what came before the main element is the site's chrome

    def _emit(self, event: Unit | _Code | _Heading) -> None:
        if self._mode == "whole" or self._main is not None:
            self.events.append(event)
        elif self._mode == "waiting":
            self._held.append(event)
            self._held_chars += len(_text(event))
            if self._held_chars > _HELD_CHARS:  # too long to wait for: read the page whole
                self.events.extend(self._held)
                self._held = []
                self._mode = "whole"

    def _split_long_paragraph(self) -> None:
        """Emit the full fragments of a paragraph that outgrew a chunk, keeping the rest."""
        text = _WHITESPACE.sub(" ", "".join(self._parts)).lstrip()
        pieces = list(fragments(text, self.max_chars))
        self._parts = [pieces.pop()]
        # A paragraph this long is no bar of links, and the links' places in it are gone.
        self._linked, self._navigation_links, self._anchor = [], 0, None
        for piece in pieces:
            self._emit(Unit(piece.strip(), self._start, self._end, whole=False))
        self._start = self._end

    def _end_paragraph(self) -> None:
        text = "" if self._is_navigation() else _collapse(self._parts)
        self._parts = []
        self._linked, self._navigation_links = [], 0
        if text:
            self._emit(Unit(text, self._start, self._end))
            self._emit(Unit("", self._end, self._end))

    def _is_navigation(self) -> bool:
        """Whether the paragraph is links to the previous, next or parent page and their labels
        only: texinfo's "Previous: Closure Example, Up: Using libffi [Index]" above every
        node, which is the manual's sequence, not what the page says."""
        if not self._navigation_links:
            return False
        outside, at = [], 0
        for start, end in self._linked:
            outside.extend(self._parts[at:start])
            at = end
        outside.extend(self._parts[at:])
        return not _NAVIGATION_LABELS.sub("", "".join(outside)).strip()

    def _end_pre_line(self) -> None:
        if self._pre_line is not None:
            for unit in split_line(self._pre_line, "".join(self._pre_parts), self.max_chars):
                self._emit(_Code(unit))
            self._end = self._pre_line
        self._pre_parts = []
        self._pre_line = None


def _text(event: Unit | _Code | _Heading) -> str:
    if isinstance(event, _Heading):
        return event.title
    return event.unit.text if isinstance(event, _Code) else event.text


def _is_main(tag: str, attrs: dict[str, str | None]) -> bool:
    return tag in _CLOSED and (tag == "main" or (attrs.get("role") or "").lower() == "main")


def _site_part(tag: str, attrs: dict[str, str | None]) -> bool:
    """Whether the element says it is the site's chrome: its ARIA role (`_SKIPPED_ROLES`), or
    a table's summary, as DocBook's HTML heads and foots every page with a table summarised
    "Navigation header" (the manual's title, Prev, Up and Next)."""
    if (attrs.get("role") or "").strip().lower() in _SKIPPED_ROLES:
        return True
    return tag == "table" and "navigation" in (attrs.get("summary") or "").lower()


def _hidden(tag: str, attrs: dict[str, str | None]) -> bool:
    """Whether the page hides this element from its readers."""
    if "hidden" in attrs or (attrs.get("aria-hidden") or "").strip().lower() == "true":
        return True
    return tag == "dialog" and "open" not in attrs


def _collapse(parts: list[str]) -> str:
    return _WHITESPACE.sub(" ", "".join(parts)).strip()


def pack_html(stream: TextIO, max_chars: int) -> Iterator[Piece]:
    """Pieces of an HTML page read from `stream` (opened with universal newlines)."""
    parser = _TextExtractor(max_chars)
    stack: list[tuple[int, str]] = []
    packer = Packer(max_chars)
    has_text = False  # the open section holds more than headings
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
                # As in Markdown, a heading alone makes no piece (`Packer.enter`): as a page's
                # first piece it was the page's "opening" (mdBook's "cargo-build(1)" above
                # NAME), which then answered nothing.
                push_heading(stack, event.level, event.title)
                yield from packer.enter(section_path(stack), after_text=has_text)
                has_text = False
                for piece in fragments(event.title, max_chars):
                    whole = len(piece) == len(event.title)
                    yield from packer.add(Unit(piece, event.start, event.end, whole))
                yield from packer.add(Unit("", event.end, event.end))
            elif isinstance(event, _Code):
                has_text = True
                yield from packer.add(event.unit, in_code=True)
            else:
                has_text = has_text or not event.blank
                yield from packer.add(event)
        parser.events.clear()
    yield from packer.finish()
