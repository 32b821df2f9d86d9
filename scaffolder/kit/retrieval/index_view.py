"""What a retriever derives from one published generation of the index: its BM25 side, the
row that holds each chunk, each chunk's document, and the documents' names.

Built once per generation token and kept (or saved) by the retriever (`retriever` module doc),
so no search reads every chunk. The names serve the third ranking: a question that uses a
document's name ("How do I make grep case insensitive?") is about that document
(docs/retrieval.md).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from scaffolder.kit.retrieval.loaders import kind_of
from scaffolder.kit.retrieval.ranking import BM25Index
from scaffolder.kit.retrieval.store import Snapshot
from scaffolder.kit.text import STOPWORDS

#: A word that may be a document's name ("grep", "socket.io", "ms").
_NAME = re.compile(r"[a-z0-9]+(?:[._+-][a-z0-9]+)*")
_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class IndexView:
    """What a retriever derives from one published generation of the index, built once per
    generation token (module doc)."""

    snapshot: Snapshot
    bm25: BM25Index
    #: Chunk id -> the id of the row that holds it in this generation.
    rows: Mapping[str, str]
    #: Chunk id -> the path of its document.
    sources: Mapping[str, str]
    #: Chunk id -> its place in its document, (page, first line, place among its chunks):
    #: which chunk opens it.
    positions: Mapping[str, tuple[int, int, int]]
    visible: frozenset[str] = field(init=False)
    #: A document's name -> its chunks (`_names`).
    named: Mapping[str, frozenset[str]] = field(init=False)

    #: A name's first word -> the names that start with it and their words (`npm-ci`:
    #: `("npm", "ci")`), so a question is matched against its own words, not every name.
    _by_first_word: Mapping[str, tuple[tuple[str, tuple[str, ...]], ...]] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "visible", frozenset(self.rows.values()))
        object.__setattr__(self, "named", _names(self.sources))
        by_first_word: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
        for name in self.named:
            words = tuple(_WORD.findall(name))
            by_first_word.setdefault(words[0], []).append((name, words))
            if len(words) > 1:  # written as one word, as code names it: `PhantomData`
                squashed = "".join(words)
                by_first_word.setdefault(squashed, []).append((name, (squashed,)))
        object.__setattr__(
            self, "_by_first_word", {w: tuple(names) for w, names in by_first_word.items()}
        )

    def chunks_named_in(self, query: str) -> frozenset[str]:
        """The chunks of the documents `query` names: "How do I make grep case insensitive?"
        names `grep.txt`, and "What does npm ci do with node_modules?" names `npm-ci.md` (a
        name of several words is named by its words in order, whatever joins them: people
        write the command `npm ci`, the page `getting-started.md` "getting started"; or by
        them written as one, as code names the type of the Rustonomicon's `phantom-data.html`,
        "PhantomData")."""
        return self.named_in(query)[0]

    def named_in(self, query: str) -> tuple[frozenset[str], str]:
        """The chunks of the documents `query` names (`chunks_named_in`), and the rest of
        `query`: its words without the names, which say what it asks of those documents."""
        words = _WORD.findall(query.lower())
        found: set[str] = set()
        naming: set[int] = set()
        for at, word in enumerate(words):
            for name, its_words in self._by_first_word.get(word, ()):
                if tuple(words[at : at + len(its_words)]) == its_words:
                    found |= self.named[name]
                    naming.update(range(at, at + len(its_words)))
        rest = " ".join(word for at, word in enumerate(words) if at not in naming)
        return frozenset(found), rest

    def openings(self, chunks: frozenset[str]) -> list[str]:
        """The chunk that opens each document among `chunks` (its first), in the order of
        the documents' paths: what a question that only names a document asks about ("What
        is grep?": the man page's NAME line, a README's first paragraph, a package's summary)."""
        first: dict[str, str] = {}
        for chunk_id in chunks:
            source = self.sources[chunk_id]
            known = first.get(source)
            # Ties (rows written before chunks kept their place) go to the smaller id, so every
            # process picks the same chunk, whatever order it iterates a set in.
            if known is None or (self.positions[chunk_id], chunk_id) < (
                self.positions[known],
                known,
            ):
                first[source] = chunk_id
        return [first[source] for source in sorted(first)]

    @property
    def token(self) -> str:
        return self.snapshot.token


def _names(sources: Mapping[str, str]) -> dict[str, frozenset[str]]:
    """Each document's name (its file name without suffix, in lower case: `grep` for
    `data/man/grep.txt`) -> the ids of its chunks. A name several documents share (`README`)
    or one of stopwords only (`how-to`) names none of them, and neither does a code file's: a
    module is named for a word of its code base (commander's `command.js` and `argument.js`,
    which every file of it uses), so "Which method marks a command argument as optional?" is
    not about those two files. Counting code files' names cost the code assistant two right
    files of 80 and an answer (benchmarks/code_questions.py)."""
    documents: dict[str, set[str]] = {}
    chunks: dict[str, set[str]] = {}
    for chunk_id, source in sources.items():
        name = PurePosixPath(source).stem.lower()
        documents.setdefault(name, set()).add(source)
        chunks.setdefault(name, set()).add(chunk_id)
    return {
        name: frozenset(chunks[name])
        for name, found in documents.items()
        if len(found) == 1
        and _NAME.fullmatch(name)
        and not STOPWORDS.issuperset(_WORD.findall(name))
        and kind_of(Path(next(iter(found)))) != "code"
    }
