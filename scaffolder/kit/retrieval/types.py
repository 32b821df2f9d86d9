"""What retrieval passes around: chunks of documents and the results of a search."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Literal

ChunkKind = Literal["markdown", "text", "html", "pdf", "code"]


@dataclass(frozen=True)
class Chunk:
    """A piece of a document small enough to embed, with what a citation needs.

    The id is derived from the source path and the text alone, not the line numbers, so
    editing the top of a file does not change the ids (and embeddings) of chunks below it.
    """

    text: str
    #: Path of the document relative to the ingest root, with `/` separators; for a file of
    #: a source outside the project, `<source name>/<path in that source>`.
    source: str
    #: 1-based, inclusive line range of the chunk in its document.
    start_line: int
    end_line: int
    kind: ChunkKind = "text"
    #: Heading path ("Setup > Install") for markdown and HTML; "class Foo > def bar" for code.
    section: str | None = None
    #: 1-based page number for PDFs.
    page: int | None = None
    #: The configured source (`[tool.copilot] sources`) the file belongs to, whose name is
    #: also the first component of `source`; None for the project's own files.
    origin: str | None = None
    #: Its place among its file's chunks (0: the first). Lines alone do not order them: a
    #: minified page is one line, and every chunk of a rustdoc page starts on line 1.
    ordinal: int = 0

    @property
    def id(self) -> str:
        digest = hashlib.sha256(f"{self.source}\0{self.text}".encode()).hexdigest()
        return digest[:24]

    def heading(self) -> str:
        """The heading the chunk sits under: the last of its section path ("" without one)."""
        return self.section.rsplit(" > ", 1)[-1].strip() if self.section else ""

    def citation(self) -> str:
        """How an answer cites this chunk: file, then page, section or line range."""
        where = [self.source]
        if self.page is not None:
            where.append(f"page {self.page}")
        if self.section:
            where.append(self.section)
        where.append(
            f"line {self.start_line}"
            if self.start_line == self.end_line
            else f"lines {self.start_line}-{self.end_line}"
        )
        return ", ".join(where)


@dataclass(frozen=True)
class SearchResult:
    chunk: Chunk
    #: The fused score used for the final order (higher is better).
    score: float
    #: Scores from each ranking that found it, by name ("dense", "bm25"), for inspection.
    scores: dict[str, float] = field(default_factory=dict)
    #: Whether this is the opening of a document the query only names ("What is grep?"), put
    #: first for that: its first sentences say what the document is, in words the query
    #: need not share. Retrieval decides it once; the answer reads the decision.
    opening: bool = False
