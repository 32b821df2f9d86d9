"""The team's documents as `adapt` reads them: titles, sections and sentences.

Why a reader of its own on top of the kit's loaders: `iter_files`/`iter_chunks` decide which
files are documents and how they read (the same files `copilot ingest` indexes), but deriving
questions needs the sentences under each heading (`sections` reads them out of the chunks).
Here is also what adapt derives nothing from, though ingest indexes it: licences, changelogs
and a page that repeats the others (`set_aside`, `repeated_documents`).
"""

from __future__ import annotations

import hashlib
import itertools
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path, PurePath

from scaffolder.kit.adapt.sections import Section, SectionBuilder, heading_name
from scaffolder.kit.retrieval.html_encoding import page_encoding
from scaffolder.kit.retrieval.html_head import read_head
from scaffolder.kit.retrieval.loaders import Skipped, UnreadableFileError, iter_chunks, iter_files
from scaffolder.kit.text import heading_lines, tokenize

DATA_DIR = "data"
_LICENCE_NAMES = frozenset({"LICENSE", "LICENCE", "LICENSES", "LICENCES", "COPYING", "COPYRIGHT"})
_CHANGELOG_NAMES = frozenset({"CHANGELOG", "RELEASENOTES", "NEWS"})
#: Files that list the people behind a project (GNU's `AUTHORS` and `THANKS`, libxslt's
#: `contribs.html`: "Bjorn Reese is the author of the number support" asked "What is bjorn
#: Reese?").
_PEOPLE_NAMES = frozenset(
    {"AUTHORS", "CONTRIBUTORS", "CONTRIBS", "CREDITS", "THANKS", "MAINTAINERS"}
)


@dataclass(frozen=True)
class Document:
    source: str  # relative to the project root, `/` separators: what citations name
    title: str
    sections: tuple[Section, ...]
    digest: str
    #: An HTML page's `<title>` ("What is rustdoc? - The rustdoc book"): besides the page's
    #: own heading it often names the site, which is what a collection of pages is about.
    page_title: str = ""
    #: The site an HTML page says it belongs to (`PageHead.site`: `og:site_name`, a `home`
    #: link's title), "" when it names none.
    site: str = ""

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
    first_of: dict[str, str] = {}  # a document's digest -> the first document with it
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
        if not document.sections:
            continue
        original = first_of.setdefault(document.digest, document.source)
        if original == document.source:
            documents.append(document)
        else:  # every question of the two would be asked twice: ambiguous, and dropped
            aside.append(Skipped(item, f"a copy of {original}"))
    copies = repeated_documents(documents)
    aside.extend(
        Skipped(root / document.source, f"a page that repeats {copies[document.source]} others")
        for document in documents
        if document.source in copies
    )
    kept = [document for document in documents if document.source not in copies]
    return Corpus(kept, skipped, aside)


#: A document repeats another when it has this share of the other's own headings.
_REPEATED_SHARE = 0.5
#: ... and is set aside when it repeats this many.
_REPEATS = 3


def repeated_documents(documents: list[Document]) -> dict[str, int]:
    """The documents that repeat several others (source -> how many), as an all-in-one page
    does: Node's API docs ship `all.html` beside the page of every module.

    Why adapt sets them aside: a question two documents ask is dropped as ambiguous, so a
    page holding every other page's sections made nearly every question ambiguous. A
    document repeats another when it has at least half of that one's own headings: those
    no third document has (a man page's NAME and OPTIONS are everyone's)."""
    headings = {
        document.source: {_normal_heading(s.heading) for s in document.sections} - {""}
        for document in documents
    }
    holders: dict[str, set[str]] = {}
    for source, found in headings.items():
        for heading in found:
            holders.setdefault(heading, set()).add(source)
    repeats: Counter[str] = Counter()
    for source, found in headings.items():
        own = [heading for heading in found if len(holders[heading]) <= 2]
        if len(own) < 2:
            continue
        sharers = Counter(other for heading in own for other in holders[heading] if other != source)
        repeats.update(other for other, n in sharers.items() if n >= _REPEATED_SHARE * len(own))
    return {source: n for source, n in repeats.items() if n >= _REPEATS}


def _normal_heading(heading: str) -> str:
    return " ".join(heading.lower().split())


def set_aside(path: PurePath) -> str | None:
    """ "a licence", "a changelog" or "a list of people" when a file's name says it is one
    (`LICENSE`, `COPYING`, `OFL-LICENSE.txt`, Debian's `copyright`; `CHANGELOG.md`, `CHANGES`,
    `HISTORY.md`, `release-notes.html`, GNU's `NEWS`; `AUTHORS`, `THANKS`), and adapt derives
    nothing from it; None for any other document.

    Both are indexed and answered from like any document; they are left out of what the
    copilot is about. Docs sites ship their fonts' and scripts' licences beside the pages, and
    projects ship their own: deriving from them made "How do I apply the Apache License to my
    work?" a routing example and put "SOURCE CODE PRO LICENSE" in the topic of a book about
    rustdoc. A changelog names every feature once per release without explaining it: the
    Cargo Book's asked "What should I know about cargo 1.68.2 (2023-03-28)?". A list of
    authors is names: Valgrind's manual asked "What is Andreas Arnez?"."""
    parts = re.split(r"[-_. ]", path.name.upper())
    if not _LICENCE_NAMES.isdisjoint(parts):
        return "a licence"
    notes = any(a == "RELEASE" and b == "NOTES" for a, b in itertools.pairwise(parts))
    # "CHANGES" and "HISTORY" only as the whole name: `path-changes.html` is a page about
    # changes to paths.
    whole = path.stem.upper() in ("CHANGES", "HISTORY")
    if notes or whole or not _CHANGELOG_NAMES.isdisjoint(parts):
        return "a changelog"
    if not _PEOPLE_NAMES.isdisjoint(parts):
        return "a list of people"
    return None


def read_document(path: Path, root: Path) -> Document:
    """One file through the kit's chunker, regrouped into headed sections."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    chunks = list(iter_chunks(path, root))
    source = chunks[0].source if chunks else path.relative_to(root).as_posix()
    builder = SectionBuilder()
    first = next((chunk.section for chunk in chunks if chunk.section), None)
    for chunk in chunks:
        if chunk.kind in ("markdown", "html"):
            heading = chunk.heading()
            builder.heading(heading)
            lines = chunk.text.splitlines()
            if chunk.kind == "html":  # its headings are plain lines there, no `#` marks them
                lines = lines[heading_lines(lines, heading) :]
            # HTML marks its headings: a short line there (a table's header row, a line of a
            # <pre>) is not one.
            builder.lines(lines, markdown=chunk.kind == "markdown", marked=True)
        elif chunk.kind in ("text", "pdf"):
            rst = path.suffix.lower() == ".rst"
            builder.lines(chunk.text.splitlines(), markdown=False, rst=rst)
    sections = builder.done()
    if first:
        title = heading_name(first.split(" > ")[0])
    else:
        title = builder.first or _title(sections, path)
    named = [s for s in sections if s.heading.lower() == "name" and s.sentences]
    if named:  # man pages and pydoc: "ls - list directory contents" says what it is
        title = named[0].sentences[0]
    page_title = site = ""
    if chunks and chunks[0].kind == "html":
        with path.open(encoding=page_encoding(path), errors="replace") as stream:
            head = read_head(stream)
        page_title, site = head.title, head.site
    return Document(source, title, tuple(sections), digest, page_title, site)


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
