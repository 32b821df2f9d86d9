"""An HTML page's head: its title, the site it says it belongs to, and whether it asks not to
be indexed (a redirect stub, `robots` `noindex`).

Read apart from the page's text (`html_chunks`) because two readers need it without the
body: `check_file` refuses a page from its head alone, and `adapt` names a collection after the
site its pages declare. Only the head is parsed, so a large page costs one block.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import TextIO

#: How much of a page is read looking for the end of its head (`<body>`).
_HEAD_CHARS = 1_000_000
#: How much of the page is handed to the parser at a time.
_READ_SIZE = 64 * 1024


class _HeadReader(HTMLParser):
    """Reads a page's head up to its body: its `<title>`, the site it names, and what its
    `<meta>` tags say."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.done = False
        self.refusal: str | None = None
        self.title: list[str] | None = None
        self.titled = False
        self.site = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "body" or self.done:
            self.done = True  # the rest of the block fed is the body's
        elif tag == "title" and not self.titled:
            self.title = []
        elif tag in ("meta", "link"):
            named = {name: value or "" for name, value in attrs}
            if tag == "meta" and self.refusal is None:
                self.refusal = _meta_refusal(named)
            self.site = self.site or _site_name(tag, named)

    def handle_endtag(self, tag: str) -> None:
        if tag == "title" and self.title is not None:
            self.titled = True

    def handle_data(self, data: str) -> None:
        if self.title is not None and not self.titled:
            self.title.append(data)


@dataclass(frozen=True)
class PageHead:
    #: The page's `<title>`, whitespace collapsed ("" when it has none).
    title: str
    #: Why the page is not a document to index (`read_head`), or None.
    refusal: str | None
    #: The name of the site the page says it belongs to (`_site_name`), or "".
    site: str = ""


def _site_name(tag: str, attributes: dict[str, str]) -> str:
    """The site's name as a page's head declares it: Open Graph's `og:site_name`, the
    `application-name` meta tag, or the title of its link to the home page (`<link rel="home"
    title="Valgrind Documentation">`, which DocBook's HTML puts on every page)."""
    if tag == "meta":
        kind = (attributes.get("property") or attributes.get("name") or "").lower()
        if kind in ("og:site_name", "application-name"):
            return " ".join(attributes.get("content", "").split())
    elif "home" in attributes.get("rel", "").lower().split():
        return " ".join(attributes.get("title", "").split())
    return ""


def _meta_refusal(meta: dict[str, str]) -> str | None:
    if meta.get("name", "").lower() == "robots":
        directives = {part.strip().lower() for part in meta.get("content", "").split(",")}
        if directives & {"noindex", "none"}:
            return "the page asks not to be indexed (robots noindex)"
    if meta.get("http-equiv", "").lower() == "refresh":
        _, _, target = meta.get("content", "").partition(";")
        target = re.sub(r"(?i)^\s*url\s*=\s*", "", target).strip().strip("'\"")
        if target:
            return f"a redirect to {target}, not a page of its own"
    return None


def read_head(stream: TextIO) -> PageHead:
    """A page's title, the site it names, and why it is not a document to index, from its
    head.

    Two kinds of page say they are not, and a docs site is full of both. A redirect (a
    `refresh` with a URL) is a stub left where a page used to be: indexed, "Redirecting to..."
    would be a document. A page with `robots` `noindex` asks indexers to leave it out; docs
    generators put it on pages that repeat or list the others (mdBook's print.html, the whole
    book on one page, and its toc.html), which would otherwise compete with the pages they
    copy for every question. Only the head is read (up to `<body>`, at most `_HEAD_CHARS`)."""
    reader = _HeadReader()
    read = 0
    while not reader.done and read < _HEAD_CHARS:
        block = stream.read(_READ_SIZE)
        if not block:
            break
        reader.feed(block)
        read += len(block)
    title = " ".join("".join(reader.title or []).split())
    return PageHead(title, reader.refusal, reader.site)
