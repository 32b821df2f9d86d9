"""The symbol index: every function, class and method of the indexed code, with file and lines.

Why beside the vector index, keyed by its generation: "where is `scanstring` defined" and
"add a docstring to `word_count`" need a name-to-place table, which chunks and embeddings
cannot give exactly. The table is derived from what ingest indexed (the store's files and
their hashes), so it never names a file the index does not hold, and it is rebuilt on first
use after an ingest published a new generation, the way the BM25 side and the evidence
calibration are: ingest needs no change and any process reads the saved copy.

Incremental: the saved table keeps each file's ingest hash, so after a re-ingest only files
whose hash changed are read and parsed again (Python through `ast`, JavaScript/TypeScript by
the definition scan, see `symbols`); files that left the index leave the table.

Atomic: the table is one JSON file under `.copilot/`, written to a temporary file, flushed to
disk and renamed over the old one; a process killed midway leaves the old table (or none),
and a table whose generation is not the index's is never used. It is a cache: a read-only
checkout just rebuilds it in memory.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scaffolder.faults import crash_point
from scaffolder.kit.symbols.source import SymbolKind, has_definitions, indexed_symbols

if TYPE_CHECKING:
    from scaffolder.kit.retrieval.store import VectorStore
    from scaffolder.kit.sources import SourceMap

#: Where the table lives under the project root.
SYMBOLS_FILE = Path(".copilot") / "symbols.json"
#: Bumped when what a saved table holds changes, so older tables are rebuilt.
FORMAT = 2
#: Files larger than this are not parsed for symbols (generated or vendored code).
MAX_BYTES = 2_000_000
#: Reads an indexed file's text by its name (None: unreadable, too large, not UTF-8).
FileReader = Callable[[str], str | None]
_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")


@dataclass(frozen=True)
class Definition:
    """One named definition in an indexed file; lines count from 1, both ends included."""

    file: str
    name: str
    qualname: str
    kind: SymbolKind
    start_line: int
    end_line: int
    #: The header as written (`def f(x) -> int:`, `function f(a, b) {`).
    signature: str = ""
    #: The docstring's first line, when there is one.
    summary: str = ""

    @property
    def location(self) -> str:
        return f"{self.file}:{self.start_line}"

    def describe(self) -> str:
        return (
            f"{self.kind} {self.qualname} in {self.file}, lines {self.start_line}-{self.end_line}"
        )


@dataclass(frozen=True)
class FileSymbols:
    """A file's definitions as of the ingest hash `sha`."""

    sha: str
    definitions: tuple[Definition, ...] = ()


@dataclass
class SymbolIndex:
    """Definitions of one index generation, looked up by name, qualname or file."""

    generation: str
    files: dict[str, FileSymbols] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._by_name: dict[str, list[Definition]] = {}
        for entry in self.files.values():
            for definition in entry.definitions:
                for key in {definition.name, definition.qualname}:
                    self._by_name.setdefault(key, []).append(definition)
        self._folded = {key.casefold(): key for key in self._by_name}

    def __len__(self) -> int:
        return sum(len(entry.definitions) for entry in self.files.values())

    def definitions(self) -> Iterator[Definition]:
        for entry in self.files.values():
            yield from entry.definitions

    def lookup(self, name: str, *, file: str | None = None) -> list[Definition]:
        """Definitions called `name` (or with that dotted qualname), in `file` when given;
        case-insensitive only when no exact match exists."""
        key = name if name in self._by_name else self._folded.get(name.casefold())
        found = self._by_name.get(key, []) if key is not None else []
        if file is not None:
            found = [d for d in found if d.file == file]
        return sorted(found, key=lambda d: (d.file.count("/"), d.file, d.start_line))

    def in_file(self, file: str) -> tuple[Definition, ...]:
        entry = self.files.get(file)
        return entry.definitions if entry is not None else ()

    def find_files(self, written: str) -> list[str]:
        """Indexed files `written` names: exactly, or as a path ending (`decoder.py` and
        `json/decoder.py` both name `json/decoder.py`); shortest first."""
        written = written.strip().removeprefix("./")
        if not written:
            return []
        if written in self.files:
            return [written]
        tail = f"/{written}"
        return sorted((f for f in self.files if f.endswith(tail)), key=lambda f: (len(f), f))

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "generation": self.generation,
            "files": {
                name: {"sha": entry.sha, "definitions": [_row(d) for d in entry.definitions]}
                for name, entry in sorted(self.files.items())
            },
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SymbolIndex:
        if data.get("format") != FORMAT:
            raise ValueError(f"symbol table format {data.get('format')!r}")
        files = {
            str(name): FileSymbols(
                str(entry["sha"]),
                tuple(_definition(str(name), row) for row in entry["definitions"]),
            )
            for name, entry in data["files"].items()
        }
        return cls(str(data["generation"]), files)


def name_words(name: str) -> list[str]:
    """The words of an identifier: `py_scanstring` -> py, scanstring; `parseHTTPArgs` ->
    parse, http, args."""
    return [
        word.lower() for part in re.split(r"[^A-Za-z0-9]+", name) for word in _WORDS.findall(part)
    ]


class SymbolTable:
    """The symbol index of a project's store, kept current with the store's generation."""

    def __init__(self, root: Path, store: VectorStore, sources: SourceMap) -> None:
        self.root = root
        self.store = store
        self.sources = sources
        self._current: SymbolIndex | None = None

    @property
    def path(self) -> Path:
        return self.root / SYMBOLS_FILE

    def current(self) -> SymbolIndex:
        """The table of the index as published now: kept, read from disk, or (re)built."""
        snapshot = self.store.snapshot(check_embedder=False)
        token = snapshot.token
        if self._current is not None and self._current.generation == token:
            return self._current
        saved = self._read()
        if saved is not None and saved.generation == token:
            self._current = saved
            return saved
        stored = self.store.sources(at=snapshot) if snapshot.size else {}
        hashes = {name: next(iter(chunks.values()), "") for name, chunks in stored.items()}
        previous = saved or self._current
        table = build(token, hashes, self._reader(), previous)
        self._write(table)
        self._current = table
        return table

    def _reader(self) -> FileReader:
        def read(name: str) -> str | None:
            source, inner = self.sources.split(name)
            path = (source.root if source is not None else self.sources.project) / inner
            try:
                if path.stat().st_size > MAX_BYTES:
                    return None
                return path.read_bytes().decode("utf-8")
            except (OSError, UnicodeDecodeError):
                return None

        return read

    def _read(self) -> SymbolIndex | None:
        try:
            return SymbolIndex.from_json(json.loads(self.path.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    def _write(self, table: SymbolIndex) -> None:
        """Replace the saved table in one rename (module doc); a cache, so a failure to
        write costs a rebuild next time, not an error."""
        with contextlib.suppress(OSError):
            write_atomically(self.path, json.dumps(table.to_json(), separators=(",", ":")))


def build(
    generation: str,
    hashes: Mapping[str, str],
    read: FileReader,
    previous: SymbolIndex | None = None,
) -> SymbolIndex:
    """The table for `hashes` (indexed file -> ingest hash): files whose hash `previous`
    already holds keep their definitions, the others are read (`read(name)`) and parsed."""
    files: dict[str, FileSymbols] = {}
    for name in sorted(hashes):
        if not has_definitions(name):
            continue
        sha = hashes[name]
        known = previous.files.get(name) if previous is not None else None
        if known is not None and known.sha == sha:
            files[name] = known
            continue
        text = read(name)
        found = indexed_symbols(name, text) if text is not None else None
        files[name] = FileSymbols(
            sha,
            tuple(
                Definition(
                    name,
                    s.name,
                    s.qualname,
                    s.kind,
                    s.start_line,
                    s.end_line,
                    s.signature,
                    _first_line(s.docstring),
                )
                for s in found or ()
            ),
        )
    return SymbolIndex(generation, files)


def write_atomically(path: Path, text: str) -> None:
    """`text` at `path`, all of it or the old file: temporary file, fsync, rename, fsync
    the folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    temporary = Path(name)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        crash_point("symbols: about to publish")
        temporary.replace(path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


def _row(definition: Definition) -> list[Any]:
    row = asdict(definition)
    del row["file"]
    return [row[key] for key in _ROW_KEYS]


_ROW_KEYS = ("name", "qualname", "kind", "start_line", "end_line", "signature", "summary")


def _definition(file: str, row: Iterable[Any]) -> Definition:
    values = dict(zip(_ROW_KEYS, row, strict=True))
    return Definition(file=file, **values)


def _first_line(text: str | None) -> str:
    return text.strip().splitlines()[0].strip() if text and text.strip() else ""
