"""Which rows of the index a reader sees: a row's id names the generation that wrote it, and a
`Snapshot` is one published generation, with the filter for its rows (`store` module doc)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple


@dataclass(frozen=True)
class Snapshot:
    """One published generation of the index, as the pointer named it when read.

    Readers take one and pass it to every read of one search, so the reads agree; `token`
    changes with every publication (caches such as the BM25 side are keyed by it)."""

    collection: Any
    generation: int
    token: str
    size: int

    def where(self, extra: dict[str, Any] | None = None) -> dict[str, Any]:
        """The Chroma filter for this generation's rows, and `extra` if given."""
        visible: list[dict[str, Any]] = [
            {"added": {"$lte": self.generation}},
            {"removed": {"$gt": self.generation}},
        ]
        return {"$and": [*visible, extra] if extra else visible}


EMPTY = Snapshot(None, 0, "", 0)


class StoredText(NamedTuple):
    """A row's text and where it stands in its document, as a full read returns them."""

    row: str
    text: str
    source: str
    #: (page, first line, place among the file's chunks): the order of a document's chunks
    #: (page 0 for all but PDFs; the place is 0 in rows written before it was kept).
    position: tuple[int, int, int]


def row_id(chunk_id: str, generation: int) -> str:
    """A row's id: the chunk's and the generation that wrote it (a chunk can have one row
    live and another retired or pending at the same time)."""
    return f"{chunk_id}@{generation}"


def chunk_id_of(row: str) -> str:
    return row.rsplit("@", 1)[0]
