"""Incremental ingestion: files in, chunks in the vector store, only what changed re-embedded.

Chunk ids come from content, and every chunk records the hash of the file it came from.
An unchanged file is recognised by that hash and skipped without reading it twice; a
changed file gets its new chunks added first, its surviving chunks relabelled (their line
ranges may have moved) and its vanished chunks deleted last; a file that is gone loses its
chunks. Because every step is idempotent and deletion comes last, an interrupted run leaves
a store that the next run brings to exactly the state of an uninterrupted one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from scaffolder.errors import UsageError
from scaffolder.kit.retrieval.loaders import Skipped, iter_chunks, iter_files
from scaffolder.kit.retrieval.store import VectorStore
from scaffolder.kit.retrieval.types import Chunk

#: Chunks embedded per call: large enough for throughput, small enough to bound memory.
BATCH = 256
Progress = Callable[[str], None]


@dataclass
class IngestReport:
    files: int = 0
    unchanged_files: int = 0
    deleted_files: int = 0
    added: int = 0
    removed: int = 0
    unchanged: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)

    def summary(self) -> str:
        parts = [
            f"{self.files} file(s) ({self.unchanged_files} unchanged"
            + (f", {self.deleted_files} deleted" if self.deleted_files else "")
            + ")",
            f"chunks: {self.added} added, {self.removed} removed, {self.unchanged} unchanged",
        ]
        if self.skipped:
            parts.append(f"{len(self.skipped)} skipped")
        return "; ".join(parts)


def ingest(
    paths: Sequence[Path], root: Path, store: VectorStore, progress: Progress | None = None
) -> IngestReport:
    """Bring the store's chunks for `paths` in line with the files; see the module doc."""
    for path in paths:
        if not path.exists():
            raise UsageError(f"{path} does not exist")
    report = IngestReport()
    stored = store.sources()
    seen: set[str] = set()
    pending: list[Chunk] = []
    hashes: dict[str, str] = {}
    for item in iter_files(list(paths), root):
        if isinstance(item, Skipped):
            report.skipped.append((_source(item.path, root), item.reason))
            continue
        source = _source(item, root)
        seen.add(source)
        report.files += 1
        if progress:
            progress(source)
        sha = file_sha(item)
        existing = stored.get(source, {})
        if existing and all(value == sha for value in existing.values()):
            report.unchanged_files += 1
            report.unchanged += len(existing)
            continue
        hashes[source] = sha
        chunks = _unique(iter_chunks(item, root))
        fresh = [chunk for chunk in chunks if chunk.id not in existing]
        kept = [chunk for chunk in chunks if chunk.id in existing]
        pending.extend(fresh)
        if len(pending) >= BATCH:
            store.add(pending, hashes)
            pending = []
        store.relabel(kept, hashes)
        report.added += len(fresh)
        report.unchanged += len(kept)
        stale = set(existing) - {chunk.id for chunk in chunks}
        if stale:
            store.add(pending, hashes)  # new text lands before the old text goes
            pending = []
            store.delete(sorted(stale))
            report.removed += len(stale)
    store.add(pending, hashes)
    gone = [s for s in stored if s not in seen and _in_scope(s, paths, root)]
    for source in gone:
        store.delete(sorted(stored[source]))
        report.removed += len(stored[source])
        report.deleted_files += 1
    if report.files == 0 and not gone:
        reasons = f" ({len(report.skipped)} skipped)" if report.skipped else ""
        listed = ", ".join(str(p) for p in paths)
        raise UsageError(f"nothing to ingest in {listed}: no supported files{reasons}")
    return report


def file_sha(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:16]


def _unique(chunks: Iterable[Chunk]) -> list[Chunk]:
    """Chunks with distinct ids: a repeated identical passage in one file is stored once."""
    seen: dict[str, Chunk] = {}
    for chunk in chunks:
        seen.setdefault(chunk.id, chunk)
    return list(seen.values())


def _source(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.resolve().as_posix()


def _in_scope(source: str, paths: Sequence[Path], root: Path) -> bool:
    """Whether `source` lies under one of the ingested paths (so its absence means deletion)."""
    for path in paths:
        scope = _source(path, root)
        if scope in ("", ".") or source == scope or source.startswith(scope.rstrip("/") + "/"):
            return True
    return False
