"""The YAML front matter of a Markdown page: metadata to read, not text to index.

Static site generators (Jekyll, Hugo, Docusaurus, MkDocs with its meta extension) take a block
of YAML between `---` lines at the very top of a page: its title, a one-line description, tags,
layout. Indexed as text, the block became a passage of its own ("--- title: npm-outdated
section: 1 description: Check for outdated packages ---") that answers showed, while the title,
often the only place such a page says what it is about (its headings are "Synopsis",
"Description", "Configuration"), was in no chunk's section. So the loader leaves the block out
of the chunks and makes its title and description the root of every section path of the page.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import yaml

from scaffolder.kit.retrieval.chunking import Unit

#: A block still open after this many lines is not front matter (a page that starts with a
#: thematic break `---`, say); its lines are read as text.
MAX_LINES = 200
_OPENING = "---"
_CLOSINGS = ("---", "...")


@dataclass(frozen=True)
class FrontMatter:
    #: "title: description" when the block has both, either alone, or None.
    title: str | None
    #: The line that closes the block: the page's text starts after it.
    end: int


def split_front_matter(units: Iterable[Unit]) -> tuple[FrontMatter | None, Iterator[Unit]]:
    """A page's front matter and the units that follow it. Without front matter (no `---`
    first line, no closing line within `MAX_LINES`, or a block that is not a YAML mapping)
    there is none and every unit is returned, in order."""
    stream = iter(units)
    first = next(stream, None)
    if first is None:
        return None, stream
    if not first.whole or first.text.rstrip() != _OPENING:
        return None, itertools.chain([first], stream)
    block = list(itertools.islice(stream, MAX_LINES))
    end = next(
        (at for at, unit in enumerate(block) if unit.whole and unit.text.rstrip() in _CLOSINGS),
        None,
    )
    if end is None or not all(unit.whole for unit in block[:end]):
        return None, itertools.chain([first], block, stream)
    try:
        meta = yaml.safe_load("\n".join(unit.text for unit in block[:end]))
    except yaml.YAMLError:
        meta = None
    if not isinstance(meta, dict):
        return None, itertools.chain([first], block, stream)
    rest = itertools.chain(block[end + 1 :], stream)
    return FrontMatter(_title(meta), block[end].start), rest


def _title(meta: dict[object, object]) -> str | None:
    """`title: description`, either alone, or None; a value that is not text (a list, a date,
    `true`) names nothing."""
    values = (meta.get(key) for key in ("title", "description"))
    named = [" ".join(v.split()) for v in values if isinstance(v, str) and v.strip()]
    return ": ".join(named) or None
