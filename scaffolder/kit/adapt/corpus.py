"""The team's documents as `adapt` reads them: titles, sections and sentences.

Why a reader of its own on top of the kit's loaders: `iter_files`/`iter_chunks` decide which
files are documents and how they read (the same files `copilot ingest` indexes), but deriving
questions needs the sentences under each heading. Markdown and HTML chunks carry their heading
path; plain text (README files, man pages, licences) has none, so a short line set off like a
heading (underlined, ALL CAPS, or alone between blank lines) starts a section here.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePath

from scaffolder.kit.retrieval.html_chunks import read_head
from scaffolder.kit.retrieval.loaders import Skipped, UnreadableFileError, iter_chunks, iter_files
from scaffolder.kit.text import rejoin_broken_words, tokenize, without_gutter

DATA_DIR = "data"
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(`])")
_UNDERLINE = re.compile(r"^\s*([=\-~^*#])\1{2,}\s*$")
_LIST_ITEM = re.compile(r"^\s*(?:[*+\-•]|\d+[.)])\s+")
#: Emphasis, code spans and links. An underscore between two letters or digits is part of a
#: word (`max_depth`), as CommonMark reads it, not emphasis.
_MARKUP = re.compile(r"[*`]{1,3}|(?<![^\W_])_{1,3}|_{1,3}(?![^\W_])|\[(?P<label>[^\]]*)\]\([^)]*\)")
_WORDS = re.compile(r"[A-Za-z][A-Za-z'\-]*")
_LICENCE_NAMES = frozenset({"LICENSE", "LICENCE", "COPYING"})
_CHANGELOG_NAMES = frozenset({"CHANGELOG", "CHANGES", "RELEASENOTES"})


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


@dataclass(frozen=True)
class Document:
    source: str  # relative to the project root, `/` separators: what citations name
    title: str
    sections: tuple[Section, ...]
    digest: str
    #: An HTML page's `<title>` ("What is rustdoc? - The rustdoc book"): besides the page's
    #: own heading it often names the site, which is what a collection of pages is about.
    page_title: str = ""

    @property
    def text(self) -> str:
        return "\n".join(" ".join((s.heading, *s.sentences)) for s in self.sections)


@dataclass
class Corpus:
    documents: list[Document]
    #: Files `copilot ingest` would not read either, with the reason.
    skipped: list[Skipped] = field(default_factory=list)
    #: Documents indexed like any other but derived from by nothing (`set_aside`), with what
    #: they are ("a licence").
    aside: list[Skipped] = field(default_factory=list)
    #: In how many documents each term (the kit's stemmed BM25 terms) occurs.
    document_frequency: Counter[str] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        for document in self.documents:
            self.document_frequency.update(set(tokenize(document.text)))

    def idf(self, term: str) -> float:
        n = max(len(self.documents), 1)
        return math.log(1 + n / (1 + self.document_frequency.get(term, 0)))


def read_corpus(root: Path, folder: str = DATA_DIR) -> Corpus:
    """Every document `copilot ingest` would index under `root/folder`, read into sections."""
    data = root / folder
    documents: list[Document] = []
    skipped: list[Skipped] = []
    aside: list[Skipped] = []
    if not data.is_dir():
        return Corpus(documents, skipped)
    for item in iter_files([data], root):
        if isinstance(item, Skipped):
            skipped.append(item)
            continue
        if (kind := set_aside(item)) is not None:
            aside.append(Skipped(item, kind))
            continue
        try:
            document = read_document(item, root)
        except UnreadableFileError as error:
            skipped.append(Skipped(item, str(error)))
            continue
        if document.sections:
            documents.append(document)
    return Corpus(documents, skipped, aside)


def set_aside(path: PurePath) -> str | None:
    """ "a licence" or "a changelog" when a file's name says it is one (`LICENSE`, `COPYING`,
    `OFL-LICENSE.txt`; `CHANGELOG.md`, `CHANGES`, `release-notes.html`), and adapt derives
    nothing from it; None for any other document.

    Both are indexed and answered from like any document; they are left out of what the
    copilot is about. Docs sites ship their fonts' and scripts' licences beside the pages, and
    projects ship their own: deriving from them made "How do I apply the Apache License to my
    work?" a routing example and put "SOURCE CODE PRO LICENSE" in the topic of a book about
    rustdoc. A changelog names every feature once per release without explaining it: the
    Cargo Book's asked "What should I know about cargo 1.68.2 (2023-03-28)?"."""
    parts = re.split(r"[-_. ]", path.name.upper())
    if not _LICENCE_NAMES.isdisjoint(parts):
        return "a licence"
    notes = any(a == "RELEASE" and b == "NOTES" for a, b in itertools.pairwise(parts))
    if notes or not _CHANGELOG_NAMES.isdisjoint(parts):
        return "a changelog"
    return None


def read_document(path: Path, root: Path) -> Document:
    """One file through the kit's chunker, regrouped into headed sections."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    chunks = list(iter_chunks(path, root))
    source = chunks[0].source if chunks else path.relative_to(root).as_posix()
    builder = _SectionBuilder()
    first = next((chunk.section for chunk in chunks if chunk.section), None)
    for chunk in chunks:
        if chunk.kind in ("markdown", "html"):
            builder.heading(_last_heading(chunk.section))
            # HTML marks its headings: a short line there (a table's header row, a line of a
            # <pre>) is not one.
            builder.lines(chunk.text.splitlines(), markdown=chunk.kind == "markdown", marked=True)
        elif chunk.kind in ("text", "pdf"):
            builder.lines(chunk.text.splitlines(), markdown=False)
    sections = builder.done()
    title = clean(first.split(" > ")[0]) if first else builder.first or _title(sections, path)
    named = [s for s in sections if s.heading.lower() == "name" and s.sentences]
    if named:  # man pages and pydoc: "ls - list directory contents" says what it is
        title = named[0].sentences[0]
    page_title = ""
    if chunks and chunks[0].kind == "html":
        with path.open(encoding="utf-8-sig", errors="replace") as stream:
            page_title = read_head(stream).title
    return Document(source, title, tuple(sections), digest, page_title)


def _last_heading(section: str | None) -> str:
    return section.split(" > ")[-1].strip() if section else ""


def _title(sections: list[Section], path: Path) -> str:
    for section in sections:
        if section.heading:
            return section.heading
    return file_title(path) or path.name


def file_title(path: PurePath, *, folder: bool = False) -> str:
    """A file's name read as words ("getting_started.md" -> "getting started"): the title of
    a document with no heading, and how the topic names documents. With `folder`, `path` is a
    folder, whose whole name is read ("socket.io" -> "socket io")."""
    return re.sub(r"[_\-.]+", " ", path.name if folder else path.stem).strip()


def clean(text: str) -> str:
    """Markdown emphasis and links reduced to their words; whitespace collapsed."""
    text = _MARKUP.sub(lambda m: m.group("label") or "", text)
    return " ".join(text.split())


def words(text: str) -> list[str]:
    return _WORDS.findall(text)


def split_sentences(paragraph: str) -> list[str]:
    return [piece.strip() for piece in _SENTENCE_END.split(paragraph) if piece.strip()]


class _SectionBuilder:
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

    def heading(self, heading: str) -> None:
        heading = clean(heading.lstrip("#").strip())
        if heading and heading != self.current:
            self.first = self.first or heading
            self._close()
            self.current = heading

    def lines(self, lines: Iterable[str], *, markdown: bool, marked: bool = False) -> None:
        """Read `lines` into sections; `marked`: the format marks its headings (Markdown,
        HTML), so none is guessed from a short line."""
        self.markdown = markdown
        pending = list(lines)
        for index, raw in enumerate(pending):
            line = raw.rstrip()
            following = pending[index + 1] if index + 1 < len(pending) else ""
            stripped = line.strip()
            if not markdown and (bare := without_gutter(stripped)) != stripped:
                # pydoc's " |  " beside a class's members: indentation, so never a heading at
                # the margin, and a bar alone is a blank line between two members.
                stripped, line = bare, f"    {bare}"
            if markdown and stripped.startswith("#"):
                self.heading(stripped)
                continue
            if _UNDERLINE.match(line):
                continue
            if not stripped:
                self._flush()
                continue
            if not marked and _looks_like_heading(line, following, bool(self.paragraph)):
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

    def _flush(self) -> None:
        if self.paragraph:
            joined = " ".join(self.paragraph)
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
