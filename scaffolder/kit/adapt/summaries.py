"""What each document says it is, in a few words: "ls (list directory contents)".

The topic's description lists these, so that a router (a model's classifier, or the offline
one) reads what the whole collection covers: every document's name and purpose, where
headings sampled across the collection named arbitrary corners of it ("patterns, unusual
filenames, non-bugs, caveats") or boilerplate ("credits").
"""

from __future__ import annotations

import os
import re
from collections import Counter
from pathlib import PurePosixPath

from scaffolder.kit.adapt.corpus import Corpus, Document, file_title
from scaffolder.kit.adapt.phrasing import GENERIC_HEADINGS
from scaffolder.kit.adapt.sections import words

#: An HTML tag (a heading's anchor, a logo's markup): no words of the title around it.
TAG = re.compile(r"<[^>]*>")
#: A summary longer than this many words is an argument, not a label, and is left out.
SUMMARY_WORDS = 16
#: Where a title's name ends and what the document is begins: "ls - list directory
#: contents", "ssh \u2014 OpenSSH remote login client", "npm-ci: Clean install a project".
_TITLE_PARTS = re.compile(r"\s+(?:-{1,2}|\u2013|\u2014)\s+|:\s+")
#: Headings under which a document says what it is.
_INTRO_HEADINGS = frozenset(["", "name", "description", "overview", "introduction", "about"])
#: What prose has none of: a link's address, markup left by a link or a tag, a table's bar.
_ADDRESS = re.compile(r"<[a-z]+://[^>\s]*>|\([a-z]+://[^)\s]*\)")
_NOT_PROSE = re.compile(r"://|[<>|\[\]{}]|\$ |`")


def document_names(corpus: Corpus) -> list[str]:
    """Each document's name: its file's. A file name several documents share (a `README.md`
    in every folder, each package's `METADATA`, a site's `index.md` pages) names none of
    them: such a document is named by its folder (`click/METADATA` -> "click"), as people
    call it. Named by the file, twenty packages' metadata were "questions about METADATA".
    A document at the top of the collection keeps its file's name: its folder is the
    collection's (`data`), which names every document, and a site's `index.md` beside
    `guide/index.md` is "index", not "data"."""
    paths = [PurePosixPath(document.source) for document in corpus.documents]
    titles = [file_title(path) for path in paths]
    shared = Counter(titles)
    top = PurePosixPath(os.path.commonpath([str(path.parent) for path in paths])) if paths else None
    return [
        file_title(path.parent, folder=True)
        if shared[title] > 1 and path.parent.name and path.parent != top
        else title
        for path, title in zip(paths, titles, strict=True)
    ]


def document_summaries(corpus: Corpus) -> list[str]:
    """Each document as "name (what it is)": from a title that says both ("ls - list
    directory contents", "npm-ci: Clean install a project"), else from the document's name and
    its opening (`_description`)."""
    names = document_names(corpus)
    openings = [_opening(document) for document in corpus.documents]
    shapes = Counter(
        shape
        for name, sentences in zip(names, openings, strict=True)
        for shape in {_shape(sentence, name) for _, sentence in sentences}
    )
    found: list[str] = []
    for document, name, opening in zip(corpus.documents, names, openings, strict=True):
        head, what = _title_parts(document.title, name)
        if not what:
            own = [(headed, s) for headed, s in opening if shapes[_shape(s, name)] == 1]
            what = _description(own, name)
        _, rest = _title_parts(what, name)  # "Module difflib -- helpers for ..."
        what = (rest or what).strip().rstrip(".").strip()
        summary = f"{head} ({what})" if what else head
        if summary and summary not in found:
            found.append(summary)
    return found


def _description(opening: list[tuple[bool, str]], name: str) -> str:
    """What a document says it is: the first sentence of its opening that names it ("nodemon
    is a tool that helps develop Node.js based applications ..."), else the first sentence
    under its title or description heading ("This module provides access to the mathematical
    functions defined by the C standard"). Never any other sentence before the first heading:
    a README opens with sponsors, notices and badges."""
    named = next(
        (s for _, s in opening if _prose(s, SUMMARY_WORDS + 8) and _squashed(name) in _squashed(s)),
        "",
    )
    return named or next((s for headed, s in opening if headed and _prose(s, SUMMARY_WORDS)), "")


def _title_parts(title: str, name: str) -> tuple[str, str]:
    """A title's name and description ("grep, egrep - print lines that match patterns"),
    when it has both and the name part names the document; else `name` and ""."""
    parts = _TITLE_PARTS.split(" ".join(TAG.sub(" ", title).split()), maxsplit=1)
    if (
        len(parts) == 2
        and 0 < len(words(parts[1])) <= SUMMARY_WORDS
        and _squashed(name) in _squashed(parts[0])
    ):
        return parts[0].strip(), parts[1]
    return name, ""


def _squashed(text: str) -> str:
    return "".join(character for character in text.lower() if character.isalnum())


def _opening(document: Document) -> list[tuple[bool, str]]:
    """The sentences of a document's opening, each with whether a heading introduces it (the
    title, NAME, DESCRIPTION, an introduction) rather than standing before the first heading.
    Link addresses are left out ("JSON <https://json.org> is ...")."""
    title = document.title.lower()
    found: list[tuple[bool, str]] = []
    for section in document.sections:
        heading = section.heading.lower()
        if heading not in _INTRO_HEADINGS and (heading != title or title in GENERIC_HEADINGS):
            continue
        for sentence in section.sentences:
            text = " ".join(_ADDRESS.sub(" ", sentence).split()).lstrip("> ")
            found.append((bool(heading), text))
    return found


def _prose(sentence: str, most: int) -> bool:
    """Whether a sentence reads as prose that can say what a document is, in at most `most`
    words: not a command line, a link, a table row, markup or an introduction to a list."""
    return (
        4 <= len(words(sentence)) <= most
        and not sentence.endswith((":", "?"))
        and not _NOT_PROSE.search(sentence)
        and sentence[:1].isalpha()
    )


def _shape(sentence: str, name: str) -> str:
    """A sentence with its document's name left out, case and spacing aside: what several
    documents open with, their names aside ("Help on module math:"), is boilerplate."""
    text = " ".join(sentence.lower().split())
    return text.replace(name.lower(), "") if name else text
