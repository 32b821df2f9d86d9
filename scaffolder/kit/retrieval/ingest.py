"""Incremental ingestion: files in, chunks in the vector store, only what changed re-embedded.

Chunk ids come from content, and every chunk records the hash of the file it came from.
An unchanged file is recognised by that hash and skipped without reading it twice; a
changed file gets its new chunks embedded, its surviving chunks relabelled (their line
ranges may have moved, the vectors are reused) and its vanished chunks retired; a file that
is gone loses its chunks.

All of it is written as the store's next generation and published at the end in one step
(`retrieval.writer`): a query sees the index before the ingest or after it, and an ingest that
is interrupted (Ctrl-C, SIGTERM, SIGHUP, `kill -9`) changes nothing a query can see; the next
one clears what it left.

One bad file never stops the others: a file that cannot be read, decoded or parsed, or that
vanishes midway, is a `Skipped` entry with its reason in the report (its chunks from an
earlier ingest are kept), and the rest is ingested.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from scaffolder.errors import FAILURE_EXIT_CODE, UsageError
from scaffolder.faults import crash_point
from scaffolder.kit.retrieval.loaders import (
    Skipped,
    UnreadableFileError,
    iter_chunks,
    iter_files,
)
from scaffolder.kit.retrieval.store import VectorStore
from scaffolder.kit.retrieval.types import Chunk
from scaffolder.kit.retrieval.writer import IndexWriter
from scaffolder.kit.sources import SourceMap

#: Chunks embedded per call: large enough for throughput, small enough to bound memory.
BATCH = 256
#: Where the lock that keeps two ingests of one project apart lives, under the root.
LOCK = Path(".copilot") / "ingest.lock"
#: Why a readable file that makes no chunk is skipped: a page of front matter only, a PDF of
#: scanned images, HTML that is all markup. Reported, so a team that drops scans into `data/`
#: learns that nothing in them can be answered from, instead of finding it out by asking.
NO_TEXT = "no text to index (front matter, markup or scanned images only)"
#: Called once per file walked, with its name. A caller that wants the counts so far (a live
#: line on a large repository) passes its own `IngestReport` to `ingest` and reads it.
Progress = Callable[[str], None]


@dataclass
class IngestReport:
    files: int = 0
    unchanged_files: int = 0
    deleted_files: int = 0
    added: int = 0
    removed: int = 0
    unchanged: int = 0
    #: (file relative to the root, why it was not ingested), in walk order.
    skipped: list[tuple[str, str]] = field(default_factory=list)
    #: How many of `skipped` failed to read (rather than being refused by type or content).
    failed: int = 0

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

    def progress_line(self) -> str:
        """Files seen, indexed (and of those re-embedded) and skipped so far."""
        seen = self.files + len(self.skipped)
        changed = self.files - self.unchanged_files
        return (
            f"{seen} file(s) seen, {self.files} indexed ({changed} changed), "
            f"{len(self.skipped)} skipped"
        )


class NothingIngestedError(UsageError):
    """No file could be ingested; `report` has every skipped file and its reason.

    Exit 2 when there was nothing to read (only unsupported or empty files: the input), 1 when
    files were there but none could be read (permissions, broken files: the machine)."""

    def __init__(self, message: str, report: IngestReport) -> None:
        super().__init__(message)
        self.report = report
        if report.failed:
            self.exit_code = FAILURE_EXIT_CODE


def ingest(
    paths: Sequence[Path],
    root: Path,
    store: VectorStore,
    progress: Progress | None = None,
    *,
    rebuild: bool = False,
    sources: SourceMap | None = None,
    report: IngestReport | None = None,
) -> IngestReport:
    """Bring the store's chunks for `paths` in line with the files; see the module doc.

    `paths` may lie in the project (`root`) or in one of `sources` (folders outside it,
    whose files are named `<source>/<path>`). `rebuild` re-embeds everything into a fresh
    index (another embedder), published in the same single step."""
    for path in paths:
        if not path.exists():
            raise UsageError(f"{path} does not exist")
    roots = sources or SourceMap.of(root)
    with _locked(root):
        writer = IndexWriter(store, rebuild=rebuild)
        report = _write(paths, roots, writer, progress, report or IngestReport())
        writer.commit()
    return report


def _write(
    paths: Sequence[Path],
    roots: SourceMap,
    writer: IndexWriter,
    progress: Progress | None,
    report: IngestReport,
) -> IngestReport:
    """Stream the files through the writer: only the current batch of new chunks and each
    stored file's hashes are held, never the files themselves."""
    stored = writer.sources()
    seen: set[str] = set()
    pending: list[Chunk] = []
    hashes: dict[str, str] = {}
    for item in iter_files(list(paths), roots.project, sources=roots):
        if isinstance(item, Skipped):
            shown = _display(item.path, roots)
            _skip(report, seen, shown, item.reason, failed=item.failed)
            if progress:
                progress(shown)
            continue
        source = roots.name_of(item) or item.as_posix()
        if progress:
            progress(source)
        existing = stored.get(source, {})
        try:
            sha = file_sha(item)
            if existing and all(value == sha for value in existing.values()):
                seen.add(source)
                report.files += 1
                report.unchanged_files += 1
                report.unchanged += len(existing)
                continue
            chunks = _unique(iter_chunks(item, roots.project, sources=roots))
        except (UnreadableFileError, OSError) as error:
            reason = str(error).removeprefix(f"{source}: ")
            if isinstance(error, OSError):
                reason = f"cannot be read: {error.strerror or error}"
            _skip(report, seen, source, reason, failed=True)
            continue
        if not chunks:
            _skip(report, seen, source, NO_TEXT, failed=False)
            continue
        seen.add(source)
        report.files += 1
        hashes[source] = sha
        fresh = [chunk for chunk in chunks if chunk.id not in existing]
        kept = [chunk for chunk in chunks if chunk.id in existing]
        stale = sorted(set(existing) - {chunk.id for chunk in chunks})
        pending.extend(fresh)
        if len(pending) >= BATCH:
            writer.add(pending, hashes)
            pending, hashes = [], {source: sha}
        writer.relabel(kept, hashes)
        writer.retire(stale)
        report.added += len(fresh)
        report.unchanged += len(kept)
        report.removed += len(stale)
    writer.add(pending, hashes)
    scopes = [roots.name_of(path.resolve()) for path in paths]
    gone = [s for s in stored if s not in seen and _in_scope(s, scopes, roots)]
    for source in gone:
        writer.retire(sorted(stored[source]))
        report.removed += len(stored[source])
        report.deleted_files += 1
    if report.files == 0 and not gone:
        raise _nothing(paths, report)
    crash_point("ingest: about to publish")
    return report


def _skip(report: IngestReport, seen: set[str], source: str, reason: str, *, failed: bool) -> None:
    """Record a file not ingested; one that failed keeps its chunks from the last ingest (a
    file that is unreadable for a moment should not vanish from the answers)."""
    report.skipped.append((source, reason))
    if failed:
        report.failed += 1
        seen.add(source)


def _nothing(paths: Sequence[Path], report: IngestReport) -> NothingIngestedError:
    listed = ", ".join(str(p) for p in paths)
    if report.failed:
        first = report.skipped[0]
        return NothingIngestedError(
            f"nothing could be ingested from {listed}: {report.failed} file(s) could not be "
            f"read ({first[0]}: {first[1]})",
            report,
        )
    reasons = f" ({len(report.skipped)} skipped)" if report.skipped else ""
    return NothingIngestedError(
        f"nothing to ingest in {listed}: no supported files{reasons}", report
    )


@contextlib.contextmanager
def _locked(root: Path) -> Iterator[None]:
    """One ingest at a time per project: a second one waits for the first (the kernel drops
    the lock when its process dies, `kill -9` included)."""
    path = root / LOCK
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


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


def _display(path: Path, roots: SourceMap) -> str:
    """A skipped path as the user sees it: links by their own name, not their target's."""
    return roots.name_of(path) or path.as_posix()


def _in_scope(source: str, scopes: Sequence[str | None], roots: SourceMap) -> bool:
    """Whether `source` lies under one of the ingested paths, given by their names (so its
    absence means deletion). The whole project (`""`) does not hold the sources' files."""
    for scope in scopes:
        if scope is None:
            continue
        if scope in ("", "."):
            if roots.split(source)[0] is None:
                return True
        elif source == scope or source.startswith(scope.rstrip("/") + "/"):
            return True
    return False
