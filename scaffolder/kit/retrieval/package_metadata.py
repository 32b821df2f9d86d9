"""A Python package's core metadata (a wheel's `METADATA`, an sdist's `PKG-INFO`): the header
block is the package's record, not prose to pack with its description.

The format is a block of `Field: value` headers (`Metadata-Version` first, then `Name`,
`Version`, `Summary`, `License`, `Requires-Python`, classifiers...), a blank line, and the long
description, usually the project's README in Markdown. Read as Markdown, the headers were
packed into one passage with the README's opening paragraphs, and the package's one-line
summary headed none of its sections: "What is fsspec?" was answered from an install section.
So the loader keeps the header block in passages of its own (its lines are still the file's
lines, for citations) and makes "name: summary" the root of every section path of the
document, as a page's front matter title is (`front_matter`).

The block is recognised by its first line alone, `Metadata-Version: <number>`, which no other
kind of document starts with; it ends at the first blank line. A block whose lines are not all
headers (or their indented continuations) is no header block, and the file is read as it is.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from scaffolder.kit.retrieval.chunking import Piece, Unit, pack, pack_markdown

#: A block longer than this is not a header block (a package has a few dozen classifiers).
MAX_LINES = 400
_FIRST_LINE = re.compile(r"Metadata-Version:[ \t]*\d+(?:\.\d+)*[ \t]*")
_HEADER = re.compile(r"(?P<field>[A-Za-z][A-Za-z0-9-]*):(?:[ \t]+(?P<value>.*))?")


@dataclass(frozen=True)
class PackageHeaders:
    #: "name: summary" when the block has both, either alone, or None.
    title: str | None
    #: The header block's lines (the blank line that closes it excluded).
    units: tuple[Unit, ...]
    #: The description's declared type (`Description-Content-Type`, "text/markdown"), or
    #: None when the block declares none.
    description_type: str | None

    def describes_markdown(self, otherwise: bool) -> bool:
        """Whether the description is Markdown: as declared, else `otherwise` (what the
        file's name says)."""
        if self.description_type is None:
            return otherwise
        return self.description_type.lower().startswith("text/markdown")


def split_package_headers(units: Iterable[Unit]) -> tuple[PackageHeaders | None, Iterator[Unit]]:
    """A package metadata file's header block and the units that follow it (its description).
    Any other file has none, and every unit is returned, in order."""
    stream = iter(units)
    first = next(stream, None)
    if first is None:
        return None, stream
    if not first.whole or not _FIRST_LINE.fullmatch(first.text):
        return None, itertools.chain([first], stream)
    block = [first]
    for unit in stream:
        if unit.blank:
            return _headers(block), itertools.chain([unit], stream)
        if len(block) == MAX_LINES or not unit.whole or not _is_header_line(unit.text):
            return None, itertools.chain(block, [unit], stream)
        block.append(unit)
    return _headers(block), iter(())


def _is_header_line(text: str) -> bool:
    """A `Field: value` line, or the indented continuation of the one above it."""
    return text[:1] in (" ", "\t") or _HEADER.fullmatch(text) is not None


def _headers(block: list[Unit]) -> PackageHeaders:
    fields: dict[str, str] = {}
    for unit in block:
        if (header := _HEADER.fullmatch(unit.text)) is not None:
            value = " ".join((header.group("value") or "").split())
            fields.setdefault(header.group("field").lower(), value)
    named = [fields[key] for key in ("name", "summary") if fields.get(key)]
    return PackageHeaders(
        title=": ".join(named) or None,
        units=tuple(block),
        description_type=fields.get("description-content-type") or None,
    )


def pack_package(
    headers: PackageHeaders, description: Iterable[Unit], max_chars: int, *, markdown: bool
) -> Iterator[Piece]:
    """The pieces of a package metadata file: its header block in passages of its own, then its
    description (as Markdown when it says so, else when `markdown`: the file's name says so),
    every section under "name: summary"."""
    yield from pack(headers.units, max_chars, headers.title)
    if headers.describes_markdown(otherwise=markdown):
        yield from pack_markdown(description, max_chars, headers.title)
    else:
        yield from pack(description, max_chars, headers.title)
