"""One apply across several roots (the project and configured sources): all or nothing.

Why not one `FileTransaction`: a journal names its targets relative to one root, refuses `..`
and symlinked folders on the way, and deletes itself when its commit ends. A change to
`../our-repo/a.py` and to the project's `.copilot/proposals/<id>.json` cannot be one such
transaction, and two transactions committed one after the other leave a mix when a kill comes
between them (the first one's journal is gone by then).

So, as SQLite does for a transaction over several database files (a super-journal naming the
child journals), a roots journal in the project's `.copilot/journal/apply-roots/` comes first:

1. It records every target's root, path, mode and before-image (or "absent"), written to
   `pending/`, flushed, and made `complete/` by one rename. Nothing was touched before that.
2. Each root's changes are committed by an ordinary `FileTransaction` on that root, with its
   journal beside the roots journal (never inside a source: the team's repository gets no
   copilot folder). Each is all or nothing by itself.
3. Removing `complete/` (rename, then delete) is the commit point of the whole apply.

Rolling back (on an error or a handled signal at once; after `kill -9` at the next apply, in
`recover_roots`): first each root's own journal is recovered (a root cut midway returns to its
state before), then every target of every root is written back to its before-image by
another journaled `FileTransaction` per root, then `complete/` is removed. Every step is
idempotent: a rollback that is itself killed is redone by the next recovery.

The roots journal lives in `.copilot/`, which no proposal may write; its roots are absolute
paths and its target paths are checked again by `FileTransaction` on the way back.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import shutil
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from scaffolder.errors import JournalError
from scaffolder.faults import crash_point
from scaffolder.journal import (
    FileTransaction,
    fsync_dir,
    recover,
    signals_deferred,
    write_synced,
)

ROOTS_JOURNAL = Path(".copilot") / "journal" / "apply-roots"
_PENDING, _COMPLETE, _DISCARD, _MANIFEST = "pending", "complete", "discarding", "manifest.json"


@dataclass(frozen=True)
class RootChanges:
    """What one root gets: (path inside the root, new bytes, bytes before or None)."""

    root: Path
    writes: tuple[tuple[str, bytes, bytes | None], ...]


@dataclass(frozen=True)
class RootsRecovery:
    journal: Path
    restored: tuple[str, ...]

    @property
    def summary(self) -> str:
        return f"restored {len(self.restored)} file(s) from the journal in {self.journal}"


def commit_across_roots(project: Path, groups: Sequence[RootChanges]) -> None:
    """Write every group's changes, all or none (module doc)."""
    journal = project / ROOTS_JOURNAL
    journal.mkdir(parents=True, exist_ok=True)
    with _locked(journal):
        if (journal / _COMPLETE).exists():
            raise JournalError(
                f"an interrupted apply left a journal in {journal}; run `copilot apply` again "
                "to roll it back first"
            )
        _clear_leftovers(journal)
        try:
            _write_journal(journal, groups)
            for group in groups:
                with FileTransaction(group.root, _child(journal, group.root)) as transaction:
                    for path, after, _ in group.writes:
                        transaction.write(path, after)
                    transaction.commit()
                crash_point("apply: one root committed")
            _discard(journal / _COMPLETE)
            crash_point("apply: roots journal removed")
        except BaseException:
            with signals_deferred():
                _roll_back(journal)
            raise


def recover_roots(project: Path) -> RootsRecovery | None:
    """Roll back an apply across roots that was killed midway, if one was."""
    journal = project / ROOTS_JOURNAL
    if not journal.is_dir():
        return None
    with _locked(journal), signals_deferred():
        return _roll_back(journal)


def _write_journal(journal: Path, groups: Sequence[RootChanges]) -> None:
    pending = journal / _PENDING
    pending.mkdir()
    images: list[dict[str, object]] = []
    for group in groups:
        for path, _, before in group.writes:
            entry: dict[str, object] = {"root": str(group.root), "path": path, "blob": None}
            if before is not None:
                blob = str(len(images))
                write_synced(pending / blob, before)
                target = group.root / path
                entry.update(blob=blob, mode=target.stat().st_mode & 0o7777,
                             sha256=hashlib.sha256(before).hexdigest())  # fmt: skip
            images.append(entry)
    write_synced(pending / _MANIFEST, json.dumps({"images": images}).encode())
    fsync_dir(pending)
    crash_point("apply: roots journal written")
    pending.replace(journal / _COMPLETE)
    fsync_dir(journal)
    crash_point("apply: roots journal complete")


def _roll_back(journal: Path) -> RootsRecovery | None:
    complete = journal / _COMPLETE
    _clear_leftovers(journal)
    if not complete.is_dir():
        return None
    images = _read_images(complete)
    roots = list(dict.fromkeys(Path(str(image["root"])) for image in images))
    try:
        for root in roots:
            recover(root, _child(journal, root))
            crash_point("apply: root journal recovered")
        for root in roots:
            with FileTransaction(root, _child(journal, root)) as transaction:
                for image in images:
                    if Path(str(image["root"])) == root:
                        mode = image.get("mode")
                        transaction.write(
                            str(image["path"]),
                            _blob(complete, image),
                            int(mode) if isinstance(mode, int) else None,
                        )
                transaction.commit()
            crash_point("apply: root rolled back")
    except OSError as error:
        raise JournalError(
            f"cannot roll back the interrupted apply journaled in {journal}: "
            f"{error.strerror or error}"
        ) from error
    _discard(complete)
    restored = tuple(f"{image['root']}/{image['path']}" for image in images)
    return RootsRecovery(journal, restored)


def _read_images(complete: Path) -> list[dict[str, object]]:
    try:
        data = json.loads((complete / _MANIFEST).read_text(encoding="utf-8"))
        images = data["images"]
        if not isinstance(images, list) or not all(
            isinstance(i, dict) and Path(str(i["root"])).is_absolute() for i in images
        ):
            raise ValueError("bad manifest")
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise JournalError(
            f"the apply journal in {complete} is damaged ({error}); restore the listed files "
            "from git, then delete it"
        ) from error
    return images


def _blob(complete: Path, image: dict[str, object]) -> bytes | None:
    """An image's before-bytes (None: the file did not exist), checked against its hash."""
    if image.get("blob") is None:
        return None
    data = (complete / str(image["blob"])).read_bytes()
    if hashlib.sha256(data).hexdigest() != image.get("sha256"):
        raise JournalError(f"the apply journal in {complete} is damaged (a before-image differs)")
    return data


def _child(journal: Path, root: Path) -> Path:
    """Where one root's own transaction journal lives: beside the roots journal."""
    return journal / f"root-{hashlib.sha256(str(root).encode()).hexdigest()[:16]}"


def _discard(folder: Path) -> None:
    """Remove a journal folder: one rename (the atomic step), then the files."""
    doomed = folder.with_name(_DISCARD)
    folder.replace(doomed)
    fsync_dir(folder.parent)
    shutil.rmtree(doomed, ignore_errors=True)


def _clear_leftovers(journal: Path) -> None:
    """A `pending/` never completed touched nothing; a `discarding/` is already committed."""
    for name in (_PENDING, _DISCARD):
        shutil.rmtree(journal / name, ignore_errors=True)


@contextlib.contextmanager
def _locked(journal: Path) -> Iterator[None]:
    with (journal / "lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
