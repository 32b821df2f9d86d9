"""How the lines of a document become headed sections of sentences, for `adapt`.

Why apart from `corpus`: `corpus` decides which files are documents and what they are called;
this reads the text of one, line by line, in the layouts the kit's chunker hands over: Markdown
(with its code blocks, which are neither sentences nor headings), HTML (whose headings are
marked), and plain text, where a heading, an option, a manual's entry or an API signature is
known only by how its line is set out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from scaffolder.kit.retrieval.chunking import ATX_HEADING
from scaffolder.kit.text import closes_fence, fence_opened_by, rejoin_broken_words, without_gutter

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(`])")
_UNDERLINE = re.compile(r"^\s*([=\-~^*#])\1{2,}\s*$")
_LIST_ITEM = re.compile(r"^\s*(?:[*+\-•]|\d+[.)])\s+")
#: Emphasis, code spans and links. An underscore between two letters or digits is part of a
#: word (`max_depth`), as CommonMark reads it, not emphasis.
_MARKUP = re.compile(r"[*`]{1,3}|(?<![^\W_])_{1,3}|_{1,3}(?![^\W_])|\[(?P<label>[^\]]*)\]\([^)]*\)")
_WORDS = re.compile(r"[A-Za-z][A-Za-z'\-]*")


@dataclass(frozen=True)
class Section:
    """Sentences under one heading of one document (heading "" before the first one)."""

    heading: str
    #: Sentences in order; an option entry ("-v, --verbose  print more") is one sentence.
    sentences: tuple[str, ...]
    #: Those of `sentences` that are API entries: a line that is only a call's signature
    #: (`is_signature`), with the description below it. Only these ask "what does x() do?";
    #: a sentence that starts with a call ("dayjs.locale('es') // use Spanish") is an example.
    calls: frozenset[str] = frozenset()
    #: Those of `sentences` that define a term: a setting, a field or a keyword on a line of
    #: its own (or before a wide gap), its description indented below it, as manuals of
    #: configuration files list them ("nofail" in fstab, "PASS_MAX_DAYS (number)" in
    #: login.defs, "Persistent=" in systemd.timer). The sentence starts with the term.
    terms: frozenset[str] = frozenset()


#: A section's number before its heading ("13.2. Using Basic Block Vectors", "4. Memcheck",
#: "A.1 Options", texinfo's "1 What is libffi?"), as DocBook, texinfo and numbered Sphinx or
#: LaTeX output write them: no part of the section's name, and Valgrind's manual asked "What
#: should I know about 13.2. Using Basic Block Vectors to create SimPoints?". A lone number
#: without its dot counts only before a capital ("3 ways to ..." keeps its 3), and a letter
#: must follow (a release's "1.2.3 (2024-01-01)" stays).
_SECTION_NUMBER = re.compile(
    r"^(?:[A-Z]|\d+)(?:\.\d+)*\.\s+(?=[A-Za-z])"
    r"|^(?:[A-Z]|\d+)(?:\.\d+)+\s+(?=[A-Za-z])"
    r"|^\d{1,2}\s+(?=[A-Z])"
)


def heading_name(heading: str) -> str:
    """A heading as its section's name: markup reduced to words, its number left out."""
    return _SECTION_NUMBER.sub("", clean(heading))


def clean(text: str) -> str:
    """Markdown emphasis and links reduced to their words; whitespace collapsed."""
    text = _MARKUP.sub(lambda m: m.group("label") or "", text)
    return " ".join(text.split())


def words(text: str) -> list[str]:
    return _WORDS.findall(text)


def split_sentences(paragraph: str) -> list[str]:
    return [piece.strip() for piece in _SENTENCE_END.split(paragraph) if piece.strip()]


#: A reStructuredText directive (`.. code-block:: python`), comment or link target (`.. _x:`).
_RST_DIRECTIVE = re.compile(r"^\s*\.\.(?:\s+(?P<name>[\w:-]+?)::|\s|$)")
#: Directives whose body is prose, read as a paragraph.
_PROSE_DIRECTIVES = frozenset(
    {
        "note", "warning", "tip", "important", "caution", "attention", "danger", "error",
        "hint", "seealso", "admonition", "versionadded", "versionchanged", "deprecated",
    }
)  # fmt: skip
#: A role (":ref:`Quickstart <quickstart>`", ":class:`Session`") or a link ("`home
#: <https://...>`_"): its text.
_RST_ROLE = re.compile(r"(?::[\w:.-]+:)?`(?P<text>[^`<]*?)\s*(?:<[^>`]*>)?`_{0,2}")
_BULLET = re.compile(r"^\s*[*+\-\u2022]\s+")


class SectionBuilder:
    """Collects paragraphs into sentences under the current heading."""

    def __init__(self) -> None:
        self.sections: list[Section] = []
        self.current = ""
        self.sentences: list[str] = []
        self.paragraph: list[str] = []
        self.entry = False
        #: Whether the entry being read is an API entry (a signature line) rather than an option.
        self.call = False
        self.calls: set[str] = set()
        #: Whether the entry being read defines a term (`Section.terms`).
        self.term = False
        self.terms: set[str] = set()
        self.first = ""
        #: Whether the lines being read are Markdown: only there are `_` and `*` markup
        #: (pydoc's `__init__` and `limit_denominator` are names).
        self.markdown = False
        #: The fence of the Markdown code block being read, if any: its lines are code, not
        #: sentences or headings (`#include <node.h>`, a shell comment).
        self.fence: str | None = None
        #: Whether the lines being read are reStructuredText, and the indent of the line
        #: that opened the literal block or directive body being skipped, if any.
        self.rst = False
        self.literal: int | None = None

    def heading(self, heading: str) -> None:
        heading = heading_name(heading.lstrip("#"))
        if heading and heading != self.current:
            self.first = self.first or heading
            self._close()
            self.current = heading
            self.fence = self.literal = None  # a section starts only outside code blocks

    def lines(
        self, lines: Iterable[str], *, markdown: bool, marked: bool = False, rst: bool = False
    ) -> None:
        """Read `lines` into sections; `marked`: the format marks its headings (Markdown,
        HTML), so none is guessed from a short line, and fences its code (an HTML page's
        `<pre>` is fenced by the chunker), which holds no sentences; `rst`: the text is
        reStructuredText, whose directives and literal blocks are markup and code
        (`_rst_markup`)."""
        self.markdown, self.rst = markdown, rst
        pending = list(lines)
        for index, raw in enumerate(pending):
            line = raw.rstrip()
            following = pending[index + 1] if index + 1 < len(pending) else ""
            stripped = line.strip()
            if not markdown and (bare := without_gutter(stripped)) != stripped:
                # pydoc's " |  " beside a class's members: indentation, so never a heading at
                # the margin, and a bar alone is a blank line between two members.
                stripped, line = bare, f"    {bare}"
            if marked and self._in_code(line):
                continue
            if markdown and (atx := ATX_HEADING.fullmatch(line)):
                self.heading(atx.group(2) or "")
                continue
            if _UNDERLINE.match(line):
                continue
            if not stripped:
                self._flush()
                continue
            if rst:
                if self._rst_markup(line):
                    continue
                if stripped.endswith("::"):  # "For example::" reads "For example:"
                    stripped = stripped[:-1].rstrip(" :") + ":" if stripped != "::" else ""
                    self.literal = _indent(line)
                    if not stripped:
                        continue
            listed = rst and _BULLET.match(line) is not None  # an item, never a heading
            if (
                not marked
                and not listed
                and _looks_like_heading(line, following, bool(self.paragraph))
            ):
                self.heading(stripped.rstrip(":"))
                continue
            call = not markdown and is_signature(stripped)
            term = not markdown and not call and defines_term(line, following)
            if call or term or _is_entry(raw):
                self._flush()
                self.paragraph.append(stripped)
                self.entry = True
                self.call, self.term = call, term
                continue
            if _LIST_ITEM.match(line):
                self._flush()
                self.paragraph.append(_LIST_ITEM.sub("", line))
                self._flush()
                continue
            self.paragraph.append(stripped)
        self._flush()

    def _rst_markup(self, line: str) -> bool:
        """Whether `line` is reStructuredText markup or code, not prose: a line of the literal
        block a `::` opened or of a directive's body (`.. code-block:: python`, a comment, a
        link target), or a directive itself. An admonition's body (`.. note::`) is prose, and
        read. Without this, Requests' docs asked "What should I know about .. admonition::
        Note?" and "What should I know about $ python -m pip install requests?"."""
        indent = _indent(line)
        if self.literal is not None:
            if indent > self.literal:
                return True
            self.literal = None
        directive = _RST_DIRECTIVE.match(line)
        if directive is None:
            return False
        self._flush()
        if (directive.group("name") or "").lower() not in _PROSE_DIRECTIVES:
            self.literal = indent
        return True

    def _in_code(self, line: str) -> bool:
        """Whether `line` is a fence or a line of a fenced code block (and keep count)."""
        if self.fence is None:
            self.fence = fence_opened_by(line)
            if self.fence is not None:
                self._flush()
            return self.fence is not None
        if closes_fence(line, self.fence):
            self.fence = None
        return True

    def _flush(self) -> None:
        if self.paragraph:
            joined = " ".join(self.paragraph)
            if self.rst:
                joined = _RST_ROLE.sub(lambda m: m.group("text"), joined).replace("``", "")
            text = clean(joined) if self.markdown else rejoin_broken_words(" ".join(joined.split()))
            # An option entry stays one sentence: its description belongs to the option.
            pieces = [text] if self.entry else split_sentences(text)
            # A manual's NAME line is kept however short ("bisect - Bisection algorithms."):
            # it is the document's title.
            short = self.current.lower() == "name"
            kept = [s for s in pieces if short or len(words(s)) >= 4]
            self.sentences.extend(kept)
            if self.call:
                self.calls.update(kept)
            if self.term:
                self.terms.update(kept)
            self.paragraph = []
        self.entry = self.call = self.term = False

    def _close(self) -> None:
        self._flush()
        if self.sentences:
            section = Section(
                self.current, tuple(self.sentences), frozenset(self.calls), frozenset(self.terms)
            )
            self.sections.append(section)
        self.sentences = []
        self.calls = set()
        self.terms = set()

    def done(self) -> list[Section]:
        self._close()
        return self.sections


def _looks_like_heading(line: str, following: str, in_paragraph: bool) -> bool:
    """A short line that reads as a title: underlined, ALL CAPS at the margin, or Title Case
    alone (not in the middle of a paragraph) without sentence punctuation."""
    stripped = line.strip()
    found = words(stripped)
    if not found or len(found) > 8 or len(stripped) > 70 or stripped.endswith((".", ",", ";")):
        return False
    if _UNDERLINE.match(following) and len(following.strip()) >= len(stripped) // 2:
        return True
    if line == stripped and stripped.upper() == stripped and any(c.isalpha() for c in stripped):
        return True
    if in_paragraph:
        return False
    capitals = sum(1 for word in found if word[0].isupper())
    return line == stripped and not following.strip() and capitals >= max(1, len(found) - 1)


#: An option entry: "-a, --all", "--block-size=SIZE", "-o FILE", at the start of a line.
_OPTION_SPEC = r"--?[A-Za-z0-9][\w\-]*(?:[ =][A-Z<\[][\w<>\[\]\-]*)?"
_ENTRY = re.compile(rf"^\s*({_OPTION_SPEC}(?:,\s*{_OPTION_SPEC})*)(?:\s{{2,}}|\t|$)")


def _is_entry(line: str) -> bool:
    """A command-line option line, the kind man pages and --help texts list."""
    return bool(_ENTRY.match(line))


#: A term a manual defines, alone on its line or before a gap of two spaces or more: a
#: setting ("PASS_MAX_DAYS (number)", "Persistent=", "Port    Specifies the port"), a field
#: or a keyword ("nofail"), of two characters or more (sed's one-letter commands are its
#: script's grammar). Its type may follow in brackets.
TERM_ENTRY = re.compile(r"^(?P<term>[A-Za-z][\w.\-]+=?)(?:\s+\([\w ,|/\-]+\))?")
_TERM_END = re.compile(r"\s{2,}\S|$")


def defines_term(line: str, following: str) -> bool:
    """Whether `line` is an indented term whose description goes on, indented deeper, on the
    line below: the layout manuals give settings and fields. At the margin a word is a heading
    or prose; a deeper indent on the next line is what sets an entry apart from a short line
    of a paragraph."""
    stripped = line.strip()
    entry = TERM_ENTRY.match(stripped)
    if line == stripped or not following.strip() or not entry:
        return False
    return bool(_TERM_END.match(stripped, entry.end())) and _indent(following) > _indent(line)


def _indent(line: str) -> int:
    expanded = line.expandtabs()
    return len(expanded) - len(expanded.lstrip())


#: A line that is only a call's signature, as API references in plain text list them
#: (pydoc: "escape(s, quote=True)", "cwd() from builtins.type", "calcsize(format, /)"), with
#: its description on the lines below. A manual's cross-reference ("gzip(1)") is not one, nor
#: is a private or special name (`_helper`, `__init__`): no question a user asks.
SIGNATURE = re.compile(
    r"^(?P<name>[A-Za-z][\w.]*)\((?P<params>[^()]*(?:\([^()]*\)[^()]*)*)\)"
    r"(?:\s*->\s*\S+)?(?:\s+from\s+[\w.]+)?"
)
_MAN_SECTION = re.compile(r"^\d\w*$")


def is_signature(line: str) -> bool:
    """Whether `line` is a call's signature and nothing else: an API entry, whose description
    follows it and belongs to it, as an option's does."""
    found = SIGNATURE.match(line)
    return (
        found is not None
        and found.end() == len(line)
        and not _MAN_SECTION.match(found.group("params").strip())
    )
