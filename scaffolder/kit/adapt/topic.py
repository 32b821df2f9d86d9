"""What the documents are about, in words a reader and the routing classifier can use.

Offline, the topic comes from the documents' titles first. The pages of a docs site name the
site in their `<title>` ("What is rustdoc? - The rustdoc book"), and when most do, that is the
topic. Otherwise, when most titles share a phrase
("Lumen Desk Lamp: specifications", "Lumen Desk Lamp: warranty"), that phrase is the topic, and
when most of their names share a prefix (`npm-ci`, `npm-audit`), that prefix is.
Otherwise it is the terms that the titles and headings of at least half of the documents share,
once words that every kind of text uses are set aside. A collection with no such term (twenty
man pages, the READMEs of unrelated packages) is named by its documents' file names ("chmod, cp,
cut and 17 other documents"): a term only a few documents use named it wrongly ("questions
about utility, rfc and between"). It is a default: `copilot new` asks for it and `copilot adapt
--topic` overrides it.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import PurePosixPath

from scaffolder.kit.adapt.corpus import DATA_DIR, Corpus
from scaffolder.kit.adapt.phrasing import GENERIC_HEADINGS
from scaffolder.kit.adapt.sections import words
from scaffolder.kit.adapt.summaries import TAG, document_names, document_summaries
from scaffolder.kit.adapt.terms import GENERIC_WORDS, distinctive_terms
from scaffolder.kit.text import STOPWORDS

#: A heading that starts with a version or a date: a changelog entry, not a subject.
_RELEASE = re.compile(r"^\[?v?\d")
_SPLIT_TITLE = re.compile(r"\s*(?::|\s-\s|\s\u2013\s|\s\u2014\s|\(|\|)\s*")
#: What sites put between a page's title and their own name: "Page - Site", "Site | Page".
_SITE_SEPARATOR = re.compile(r"\s+(?:-|\||\u2013|\u2014|\u00b7|::)\s+")
#: A page's title with the site's name in brackets after it, as texinfo writes them: "Closure
#: Example (libffi: the portable foreign function interface library)".
_BRACKETED_SITE = re.compile(r"(?P<page>.*\S)\s+\((?P<site>[^()\d]*[A-Za-z][^()\d]*)\)")
#: A version in a site's name: "(3.0.x)" after it, "v20.20.2" inside it.
_VERSION = re.compile(r"\s*\([^()]*\d[^()]*\)\s*$|\s+v?\d+(?:\.\w+)+(?=\s|$)")
#: A name's prefix and the separator after it: `npm` in `npm-ci`, `git` in `git_commit`.
_NAME_PREFIX = re.compile(r"([A-Za-z][A-Za-z0-9]+)[-_.][A-Za-z0-9]")
TOPIC_TERMS = 3
KEYWORDS = 30
#: A term names the collection only when the titles or headings of this share of its
#: documents use it; of a few documents (`NAMED_DOCUMENTS`), every one. Half of three is a
#: word two titles share by chance: fstab's and hosts' man pages named a collection of
#: three config files "static" ("static information about the filesystems", "static table
#: lookup for hostnames").
NAMING_SHARE = 0.5
#: Up to this many documents are all named; past it, the first few and how many more.
NAMED_DOCUMENTS = 4
#: How many subjects the skill's description lists (`_subjects`).
SUBJECTS = 20


@dataclass(frozen=True)
class Topic:
    #: "the Lumen desk lamp", "grep, sed and awk": what the reply and description name.
    name: str
    #: Distinctive words of the corpus, surface forms, most common first (safety `meta`).
    keywords: tuple[str, ...]
    #: Headings and titles that say what the documents cover, for the skill's description.
    subjects: tuple[str, ...]
    derived: bool = True

    def description(self) -> str:
        covered = ", ".join(self.subjects)
        tail = f": {covered}." if covered else "."
        return f"Questions about {self.name}, answered from its documents{tail}"

    def out_of_scope_reply(self) -> str:
        return f"Sorry, I can only help with questions about {self.name}."


def derive_topic(corpus: Corpus, given: str | None = None) -> Topic:
    keywords = distinctive_terms(corpus, KEYWORDS)
    subjects = _subjects(corpus)
    if given and given.strip():
        return Topic(" ".join(given.split()), keywords, subjects, derived=False)
    few = len(corpus.documents) <= NAMED_DOCUMENTS
    headline = distinctive_terms(
        corpus, TOPIC_TERMS, headings_only=True, min_share=1.0 if few else NAMING_SHARE
    )
    name = (
        _declared_site(corpus)
        or _shared_site(corpus)
        or _home_page(corpus)
        or _lone_document(corpus)
        or _shared_title(corpus)
        or _term_list(headline)
        or _document_names(corpus)
        or "these documents"
    )
    return Topic(name, keywords, subjects)


def _shared_title(corpus: Corpus) -> str | None:
    """The leading phrase most titles share, when at least half of them (and two) do."""
    heads = Counter(
        _SPLIT_TITLE.split(document.title.strip())[0].strip()
        for document in corpus.documents
        if document.title.strip()
    )
    if not heads:
        return None
    head, count = heads.most_common(1)[0]
    content = [w for w in words(head) if w.lower() not in STOPWORDS]
    if count < 2 or count * 2 < len(corpus.documents) or not content or len(content) > 6:
        return _shared_name_prefix(list(heads.elements()), len(corpus.documents))
    if head.lower() in GENERIC_HEADINGS:
        return None
    return head if len(content) > 1 or head[:1].isupper() else None


def _declared_site(corpus: Corpus) -> str | None:
    """The site most pages say they belong to (`Document.site`: `og:site_name`, a `home`
    link's title), when at least half of the documents (and two) say the same: the name its
    authors gave it ("Valgrind Documentation"), where its pages' titles share nothing (DocBook
    titles a page "4. Memcheck: a memory error detector"). A version is left out."""
    sites = Counter(
        _VERSION.sub("", document.site).strip() for document in corpus.documents if document.site
    )
    return _said_by_most(sites, len(corpus.documents))


def _shared_site(corpus: Corpus) -> str | None:
    """The part most HTML pages' `<title>`s share, when at least half of the documents (and
    two) have it: the site's name ("The rustdoc book" of "What is rustdoc? - The rustdoc
    book"), whichever side of the page's own title it stands, or in brackets after it
    (texinfo's "Closure Example (libffi: the portable ...)"). A version is left out ("Flask
    Documentation (3.0.x)", "Node.js v20.20.2 Documentation"): it changes with every release."""
    parts: Counter[str] = Counter()
    for document in corpus.documents:
        title = document.page_title.strip()
        pieces = _SITE_SEPARATOR.split(title)
        if len(pieces) == 1 and (bracketed := _BRACKETED_SITE.fullmatch(title)):
            pieces = [bracketed["page"], bracketed["site"]]
        if len(pieces) > 1:
            parts.update({_VERSION.sub("", piece).strip() for piece in pieces})
    return _said_by_most(parts, len(corpus.documents))


def _home_page(corpus: Corpus) -> str | None:
    """The title of the collection's home page (`index.html` at the top of `data/`), when
    the pages' titles name no site: gtk-doc's is "libxslt Reference Manual", while each page
    is titled by its module ("keys: interface for the key matching used in key() and template
    matches."). A generic title ("Introduction", "Contents") names nothing."""
    home = {PurePosixPath(DATA_DIR, name) for name in ("index.html", "index.htm")}
    for document in corpus.documents:
        if PurePosixPath(document.source) in home and len(corpus.documents) >= 2:
            title = _VERSION.sub("", document.page_title).strip()
            if words(title) and title.lower() not in GENERIC_HEADINGS | {"index", "home"}:
                return _as_named(title)
    return None


def _lone_document(corpus: Corpus) -> str | None:
    """The title of a collection's only document, the page's `<title>` first: Debian's
    Python policy is one Sphinx page titled "Debian Python Policy 0.12.0.0 documentation",
    and the terms its headings share named it "python, packages and dependencies". The name
    part of a title that also says what the document is ("ls - list directory contents"); a
    version is left out, and a generic title ("Abstract", "Introduction") names nothing."""
    if len(corpus.documents) != 1:
        return None
    document = corpus.documents[0]
    title = _VERSION.sub("", document.page_title or document.title).strip()
    head = _SPLIT_TITLE.split(title)[0].strip()
    if not words(head) or head.lower() in GENERIC_HEADINGS or len(words(head)) > 8:
        return None
    return _as_named(head)


def _as_named(name: str) -> str:
    """A name as a topic reads after "questions about": "The Cargo Book" -> "the Cargo Book"."""
    return re.sub(r"^The\b", "the", name)


def _said_by_most(names: Counter[str], documents: int) -> str | None:
    """The commonest of `names` when at least half of the `documents` (and two) say it, as a
    topic reads after "questions about" (`_as_named`)."""
    names.pop("", None)
    if not names:
        return None
    name, count = names.most_common(1)[0]
    if count < 2 or count * 2 < documents or not words(name):
        return None
    return _as_named(name)


def _shared_name_prefix(heads: list[str], documents: int) -> str | None:
    """The prefix most titles' names share (`npm` of `npm-ci`, `npm-audit`; `git` of
    `git-commit`), when at least half of them (and two) do: a family of commands or pages
    named after what they belong to. Only a prefix joined to the rest of a name by `-`, `_`
    or `.` counts; a first word of prose ("Getting started", "Getting help") does not."""
    prefixes = Counter(
        match.group(1).lower()
        for head in heads
        if (match := _NAME_PREFIX.match(head.split()[0] if head.split() else ""))
    )
    if not prefixes:
        return None
    prefix, count = prefixes.most_common(1)[0]
    if count < 2 or count * 2 < documents or prefix in STOPWORDS or prefix in GENERIC_WORDS:
        return None
    return prefix


def _document_names(corpus: Corpus) -> str:
    """The documents' names, in order ("chmod, cp, cut and 17 other documents")."""
    names = sorted(set(document_names(corpus)) - {""})
    if len(names) <= NAMED_DOCUMENTS:
        return _term_list(tuple(names))
    shown = NAMED_DOCUMENTS - 1
    return f"{', '.join(names[:shown])} and {len(names) - shown} other documents"


def _term_list(terms: tuple[str, ...]) -> str:
    if not terms:
        return ""
    if len(terms) == 1:
        return terms[0]
    return f"{', '.join(terms[:-1])} and {terms[-1]}"


def _subjects(corpus: Corpus, limit: int = SUBJECTS) -> tuple[str, ...]:
    """What the documents cover, for the skill's description: each document's summary (its
    name and what it is) and, for a collection of a few documents, their titles and headings.

    Why summaries first: a router (the model's classifier, or the offline one) decides from
    the description whether a question belongs to the documents, and a list of every
    document's name and purpose covers the collection; headings sampled across it named
    arbitrary corners ("patterns, unusual filenames, non-bugs, caveats") or nothing at all."""
    summaries = document_summaries(corpus)
    if len(summaries) >= limit:
        step = len(summaries) / limit
        return tuple(summaries[int(index * step)] for index in range(limit))
    if len(summaries) > NAMED_DOCUMENTS:
        return tuple(summaries)
    # A few documents are described by their sections, too.
    seen = {_summary_head(summary).lower() for summary in summaries}
    return tuple(summaries) + _headings(corpus, limit - len(summaries), seen)


def _summary_head(summary: str) -> str:
    return summary.split(" (", 1)[0]


def _headings(corpus: Corpus, limit: int, seen: set[str]) -> tuple[str, ...]:
    """Titles and section headings that say what the documents cover, spread over the whole
    collection. Left out: a title the document's summary says already ("fstab (static
    information about the filesystems)" over "fstab - static information about the
    filesystems"), generic headings ("Options"), long ones, and what only looks like a heading
    in a README: a sentence (ends in a period), a release ("v2.10.0b2 (2024-11-13)"), markup
    (an HTML anchor is removed, its heading kept)."""
    if limit <= 0:
        return ()
    found: list[str] = []
    seen = set(seen)
    for document in corpus.documents:
        names = [s.heading for s in document.sections]
        if _SPLIT_TITLE.split(document.title.strip())[0].strip().lower() not in seen:
            names.insert(0, document.title)  # a title no summary says already
        for name in names:
            text = " ".join(TAG.sub(" ", name).split()).strip(" :-=*#")
            key = text.lower()
            if (
                not text
                or key in seen
                or key in GENERIC_HEADINGS
                or len(words(text)) > 6
                or text.endswith(".")
                or _RELEASE.match(text)
            ):
                continue
            seen.add(key)
            found.append(text.lower() if text.isupper() else text)
    step = max(1, len(found) // limit)
    return tuple(found[::step][:limit])
