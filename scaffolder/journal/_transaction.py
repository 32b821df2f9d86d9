"""`FileTransaction` and `recover`: journal the before-images, apply the staged changes, and
put the before-images back after an exception, a signal or a kill (package doc)."""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import shutil
import stat
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from scaffolder.errors import JournalError, UnsafePathError
from scaffolder.faults import crash_point
from scaffolder.journal._files import (
    DEFAULT_MODE,
    checked_relative,
    checked_target,
    current_state,
    fsync_dir,
    fsync_nearest,
    make_parents,
    missing_parents,
    prune_empty_parents,
    temp_for,
    write_synced,
)
from scaffolder.journal._format import (
    COMPLETE,
    MANIFEST,
    PENDING,
    Image,
    Manifest,
    discard,
    discard_leftovers,
    image_for,
    locked,
    manifest_bytes,
    read_blob,
    read_manifest,
)
from scaffolder.journal._signals import signals_deferred


@dataclass(frozen=True)
class Recovery:
    """What `recover()` found and did: the journal it replayed and the paths it put back."""

    journal: Path
    restored: tuple[str, ...]

    @property
    def summary(self) -> str:
        count = len(self.restored)
        return f"restored {count} file(s) from the journal in {self.journal}"


@dataclass(frozen=True)
class _Staged:
    path: str
    content: bytes | None
    mode: int | None = None
    link: str | None = None


@dataclass
class FileTransaction:
    """Stage writes and deletions under `root`, then apply them all or none (see package doc)."""

    root: Path
    journal_dir: Path
    _staged: dict[str, _Staged] = field(default_factory=dict, init=False)
    _finished: bool = field(default=False, init=False)

    def __post_init__(self) -> None:
        self.root = Path(os.path.realpath(self.root))
        self.journal_dir = Path(self.journal_dir)

    def __enter__(self) -> FileTransaction:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._staged.clear()  # not committed: nothing was touched, nothing to undo
        self._finished = True

    def write(self, rel_path: str, content: bytes | None, mode: int | None = None) -> None:
        """Stage `content` for `rel_path` (None deletes it); `mode` defaults to the file's
        current mode, or 0o644 for a new file. A later write of the same path wins."""
        path = str(checked_relative(rel_path))
        self._staged[path] = _Staged(path, content, mode)

    def symlink(self, rel_path: str, target: str) -> None:
        """Stage a symbolic link at `rel_path` pointing at `target` (stored as given)."""
        path = str(checked_relative(rel_path))
        self._staged[path] = _Staged(path, None, None, link=target)

    @property
    def paths(self) -> list[str]:
        return sorted(self._staged)

    def commit(self) -> None:
        """Journal every before-image, then apply the staged changes in the order written;
        on any exception (a handled signal included) put the before-images back, re-raise."""
        if self._finished:
            raise RuntimeError("this transaction was already committed or abandoned")
        self._finished = True
        staged = list(self._staged.values())
        if not staged:
            return
        self.journal_dir.mkdir(parents=True, exist_ok=True)
        with locked(self.journal_dir):
            if (self.journal_dir / COMPLETE).exists():
                raise JournalError(
                    f"an interrupted change left a journal in {self.journal_dir}; "
                    "recover it before starting another"
                )
            discard_leftovers(self.journal_dir)
            try:
                txid = secrets.token_hex(8)
                manifest = self._write_journal(txid, staged)
                touched = {
                    _apply(self.root, txid, change, image_for(manifest, change.path))
                    for change in staged
                }
                for directory in sorted(touched):  # every rename durable before the
                    fsync_nearest(directory, self.root)  # journal that undoes it goes
                discard(self.journal_dir / COMPLETE)
                crash_point("journal: removed")
            except BaseException:
                with signals_deferred():
                    _recover_locked(self.root, self.journal_dir)
                raise

    def _write_journal(self, txid: str, staged: list[_Staged]) -> Manifest:
        pending = self.journal_dir / PENDING
        pending.mkdir()
        images: list[Image] = []
        created: set[str] = set()
        for number, change in enumerate(staged):
            missing = missing_parents(self.root, change.path)
            created.update(missing)
            images.append(_save_before_image(self.root, pending, change.path, str(number)))
        manifest = Manifest(txid, tuple(images), tuple(sorted(created)))
        write_synced(pending / MANIFEST, manifest_bytes(manifest))
        fsync_dir(pending)
        crash_point("journal: before-images written")
        pending.replace(self.journal_dir / COMPLETE)
        fsync_dir(self.journal_dir)
        crash_point("journal: complete")
        return manifest


def recover(root: Path, journal_dir: Path) -> Recovery | None:
    """Put back the before-images of an interrupted transaction, if one left a complete
    journal; remove any incomplete or half-deleted journal. None when there was nothing
    to restore. Safe to call at every start, and again after it was itself interrupted."""
    journal_dir = Path(journal_dir)
    if not journal_dir.is_dir():
        return None
    with locked(journal_dir), signals_deferred():
        return _recover_locked(Path(os.path.realpath(root)), journal_dir)


def has_journal(journal_dir: Path) -> bool:
    """Whether an interrupted transaction left a journal to roll back (a read-only look)."""
    return (Path(journal_dir) / COMPLETE / MANIFEST).is_file()


def _recover_locked(root: Path, journal_dir: Path) -> Recovery | None:
    complete = journal_dir / COMPLETE
    shutil.rmtree(journal_dir / PENDING, ignore_errors=True)  # never marked: nothing touched
    if not complete.is_dir():
        discard_leftovers(journal_dir)
        return None
    manifest = read_manifest(complete)
    restored: list[str] = []
    for image in manifest.images:
        if _restore(root, complete, manifest.txid, image):
            restored.append(image.path)
        crash_point(f"journal: restored {image.path}")
    for directory in sorted(manifest.created_dirs, key=lambda d: d.count("/"), reverse=True):
        with contextlib.suppress(FileNotFoundError, OSError):
            (root / directory).rmdir()  # only if empty: a user's new file keeps it
    discard(complete)
    discard_leftovers(journal_dir)
    return Recovery(journal_dir, tuple(restored))


def _save_before_image(root: Path, pending: Path, path: str, blob: str) -> Image:
    target = checked_target(root, path)
    try:
        info = target.lstat()
    except FileNotFoundError:
        return Image(path, "absent")
    if stat.S_ISLNK(info.st_mode):
        return Image(path, "symlink", link=str(target.readlink()))
    if not stat.S_ISREG(info.st_mode):
        raise UnsafePathError(f"refusing to replace {path!r}: it is not a regular file")
    content = target.read_bytes()
    write_synced(pending / blob, content)
    digest = hashlib.sha256(content).hexdigest()
    return Image(path, "file", stat.S_IMODE(info.st_mode), blob, digest)


def _apply(root: Path, txid: str, change: _Staged, before: Image) -> Path:
    """Replace or delete one target; returns its folder, which the caller fsyncs once
    for all targets (the journal still undoes a rename a crash did not make durable)."""
    target = checked_target(root, change.path)
    if change.content is None and change.link is None:
        with contextlib.suppress(FileNotFoundError):
            target.unlink()
        prune_empty_parents(root, target.parent)
        crash_point(f"journal: deleted {change.path}")
        return target.parent
    make_parents(root, target.parent)
    temp = temp_for(target, txid)
    with contextlib.suppress(FileNotFoundError):
        temp.unlink()
    if change.link is not None:
        temp.symlink_to(change.link)
    else:
        mode = change.mode if change.mode is not None else (before.mode or DEFAULT_MODE)
        write_synced(temp, change.content or b"", mode)
    crash_point(f"journal: staged {change.path}")
    temp.replace(target)
    crash_point(f"journal: replaced {change.path}")
    return target.parent


def _restore(root: Path, journal: Path, txid: str, image: Image) -> bool:
    """Put one before-image back; True when the file had changed."""
    target = checked_target(root, image.path)
    temp = temp_for(target, txid)
    with contextlib.suppress(FileNotFoundError, NotADirectoryError):
        temp.unlink()
    current = current_state(target)
    if image.kind == "absent":
        if current is None:
            return False
        target.unlink()
        fsync_dir(target.parent)
        return True
    if image.kind == "symlink":
        assert image.link is not None
        if current == ("symlink", image.link):
            return False
        make_parents(root, target.parent)
        temp.symlink_to(image.link)
    else:
        assert image.blob is not None
        content = read_blob(journal, image)
        if current == ("file", content, image.mode):
            return False
        make_parents(root, target.parent)
        write_synced(temp, content, image.mode)
    temp.replace(target)
    fsync_dir(target.parent)
    return True
