"""All-or-nothing changes to several files: a rollback journal, as SQLite keeps one.

No system call replaces several files at once, and a command can be stopped between any two
of its writes: by Ctrl-C, by a closed terminal (SIGHUP), by `kill` (SIGTERM), by `kill -9` or
a power cut. So a `FileTransaction` first saves the *before-image* of every file it will touch
(its bytes and mode, or the fact that it did not exist) into a journal folder, flushes them to
disk, and marks the journal complete with one atomic rename. Only then does it replace the
files, each through a temporary file, fsync and `os.replace`, and at the end it deletes the
journal (again by rename first). Whatever happens in between, the journal can put the old
state back:

- an exception or a handled signal inside `commit()` rolls back at once, from the journal;
- after `kill -9` the journal stays on disk ("hot"), and `recover()`, which every command that
  uses a journal calls before it starts, restores the before-images and says so;
- a journal never marked complete means no target was touched yet: it is simply removed.

Recovery is idempotent: stopped halfway, the next recovery does the same work again.

    with handle_termination(), FileTransaction(root, journal_dir) as tx:
        tx.write("README.md", b"new text")
        tx.write("old.txt", None)          # delete
        tx.commit()

Writes are staged in memory and applied only by `commit()`; leaving the block without
`commit()` applies nothing. Target paths are relative to `root`; absolute paths, `..` and
symlinked directories are refused (a symlink as the target itself is replaced, never written
through). A lock file in the journal folder keeps two commands (or a recovery and a commit)
from working on one journal at once; the kernel drops it when its process dies.

The journal folder should live outside what the user versions (e.g. inside `.git/`), so an
interrupted change does not show up as an untracked folder. Its layout: `pending/` while the
before-images are written, `complete/` once they are all on disk, `discard-*/` while it is
being deleted; each holds `manifest.json` and one numbered file per saved before-image.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import re
import secrets
import shutil
import signal
import stat
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from types import FrameType, TracebackType
from typing import Literal

from scaffolder.errors import JournalError, UnsafePathError
from scaffolder.faults import crash_point

Kind = Literal["absent", "file", "symlink"]

_FORMAT = 1
_PENDING = "pending"
_COMPLETE = "complete"
_DISCARD = "discard-"
_LOCK = "lock"
_MANIFEST = "manifest.json"
_TEMP_SUFFIX = ".copilot-tx"
_BLOB = re.compile(r"^[0-9]{1,9}$")
_TXID = re.compile(r"^[0-9a-f]{16}$")
_DEFAULT_MODE = 0o644
_HANDLED = (signal.SIGTERM, signal.SIGHUP)


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP, raised like Ctrl-C so every `finally` and rollback runs."""

    def __init__(self, signum: int) -> None:
        super().__init__(f"terminated by {signal.Signals(signum).name}")
        self.signum = signum


@contextlib.contextmanager
def handle_termination() -> Iterator[None]:
    """Turn SIGTERM and SIGHUP into `Terminated` for the duration of the block.

    By default both end Python without running `finally` blocks, so a rollback in one would
    never happen. Python runs signal handlers only in the main thread; elsewhere this does
    nothing (the journal still covers the kill at the next start)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def raise_terminated(signum: int, frame: FrameType | None) -> None:
        raise Terminated(signum)

    previous = {number: signal.signal(number, raise_terminated) for number in _HANDLED}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler if handler is not None else signal.SIG_DFL)


@contextlib.contextmanager
def _signals_deferred() -> Iterator[None]:
    """Hold Ctrl-C, SIGTERM and SIGHUP back while a rollback restores files: a second
    signal must not stop the repair of the first (it is delivered right after)."""
    held = {signal.SIGINT, *_HANDLED}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


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
class _Image:
    """A target's state before the change (as saved in the journal)."""

    path: str
    kind: Kind
    mode: int = 0
    blob: str | None = None
    sha256: str | None = None
    link: str | None = None


@dataclass(frozen=True)
class _Manifest:
    txid: str
    images: tuple[_Image, ...]
    created_dirs: tuple[str, ...]


@dataclass(frozen=True)
class _Staged:
    path: str
    content: bytes | None
    mode: int | None = None
    link: str | None = None


@dataclass
class FileTransaction:
    """Stage writes and deletions under `root`, then apply them all or none (see module)."""

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
        with _locked(self.journal_dir):
            if (self.journal_dir / _COMPLETE).exists():
                raise JournalError(
                    f"an interrupted change left a journal in {self.journal_dir}; "
                    "recover it before starting another"
                )
            _discard_leftovers(self.journal_dir)
            try:
                txid = secrets.token_hex(8)
                manifest = self._write_journal(txid, staged)
                touched = {
                    _apply(self.root, txid, change, _image_for(manifest, change.path))
                    for change in staged
                }
                for directory in sorted(touched):  # every rename durable before the
                    _fsync_nearest(directory, self.root)  # journal that undoes it goes
                _discard(self.journal_dir / _COMPLETE)
                crash_point("journal: removed")
            except BaseException:
                with _signals_deferred():
                    _recover_locked(self.root, self.journal_dir)
                raise

    def _write_journal(self, txid: str, staged: list[_Staged]) -> _Manifest:
        pending = self.journal_dir / _PENDING
        pending.mkdir()
        images: list[_Image] = []
        created: set[str] = set()
        for number, change in enumerate(staged):
            missing = _missing_parents(self.root, change.path)
            created.update(missing)
            images.append(_save_before_image(self.root, pending, change.path, str(number)))
        manifest = _Manifest(txid, tuple(images), tuple(sorted(created)))
        _write_synced(pending / _MANIFEST, _manifest_bytes(manifest))
        _fsync_dir(pending)
        crash_point("journal: before-images written")
        pending.replace(self.journal_dir / _COMPLETE)
        _fsync_dir(self.journal_dir)
        crash_point("journal: complete")
        return manifest


def recover(root: Path, journal_dir: Path) -> Recovery | None:
    """Put back the before-images of an interrupted transaction, if one left a complete
    journal; remove any incomplete or half-deleted journal. None when there was nothing
    to restore. Safe to call at every start, and again after it was itself interrupted."""
    journal_dir = Path(journal_dir)
    if not journal_dir.is_dir():
        return None
    with _locked(journal_dir), _signals_deferred():
        return _recover_locked(Path(os.path.realpath(root)), journal_dir)


def has_journal(journal_dir: Path) -> bool:
    """Whether an interrupted transaction left a journal to roll back (a read-only look)."""
    return (Path(journal_dir) / _COMPLETE / _MANIFEST).is_file()


def checked_relative(rel_path: str) -> PurePosixPath:
    """`rel_path` as a clean relative path, or `UnsafePathError` if it could leave the root."""
    if not rel_path or "\0" in rel_path or "\\" in rel_path:
        raise UnsafePathError(f"refusing to write {rel_path!r}: not a plain relative path")
    path = PurePosixPath(rel_path)
    if path.is_absolute() or any(part in ("..", ".", "") for part in rel_path.split("/")):
        raise UnsafePathError(f"refusing to write {rel_path!r}: it must stay inside the project")
    return path


def _recover_locked(root: Path, journal_dir: Path) -> Recovery | None:
    complete = journal_dir / _COMPLETE
    shutil.rmtree(journal_dir / _PENDING, ignore_errors=True)  # never marked: nothing touched
    if not complete.is_dir():
        _discard_leftovers(journal_dir)
        return None
    manifest = _read_manifest(complete)
    restored: list[str] = []
    for image in manifest.images:
        if _restore(root, complete, manifest.txid, image):
            restored.append(image.path)
        crash_point(f"journal: restored {image.path}")
    for directory in sorted(manifest.created_dirs, key=lambda d: d.count("/"), reverse=True):
        with contextlib.suppress(FileNotFoundError, OSError):
            (root / directory).rmdir()  # only if empty: a user's new file keeps it
    _discard(complete)
    _discard_leftovers(journal_dir)
    return Recovery(journal_dir, tuple(restored))


def _save_before_image(root: Path, pending: Path, path: str, blob: str) -> _Image:
    target = _checked_target(root, path)
    try:
        info = target.lstat()
    except FileNotFoundError:
        return _Image(path, "absent")
    if stat.S_ISLNK(info.st_mode):
        return _Image(path, "symlink", link=str(target.readlink()))
    if not stat.S_ISREG(info.st_mode):
        raise UnsafePathError(f"refusing to replace {path!r}: it is not a regular file")
    content = target.read_bytes()
    _write_synced(pending / blob, content)
    digest = hashlib.sha256(content).hexdigest()
    return _Image(path, "file", stat.S_IMODE(info.st_mode), blob, digest)


def _apply(root: Path, txid: str, change: _Staged, before: _Image) -> Path:
    """Replace or delete one target; returns its folder, which the caller fsyncs once
    for all targets (the journal still undoes a rename a crash did not make durable)."""
    target = _checked_target(root, change.path)
    if change.content is None and change.link is None:
        with contextlib.suppress(FileNotFoundError):
            target.unlink()
        _prune_empty_parents(root, target.parent)
        crash_point(f"journal: deleted {change.path}")
        return target.parent
    _make_parents(root, target.parent)
    temp = _temp_for(target, txid)
    with contextlib.suppress(FileNotFoundError):
        temp.unlink()
    if change.link is not None:
        temp.symlink_to(change.link)
    else:
        mode = change.mode if change.mode is not None else (before.mode or _DEFAULT_MODE)
        _write_synced(temp, change.content or b"", mode)
    crash_point(f"journal: staged {change.path}")
    temp.replace(target)
    crash_point(f"journal: replaced {change.path}")
    return target.parent


def _restore(root: Path, journal: Path, txid: str, image: _Image) -> bool:
    """Put one before-image back; True when the file had changed."""
    target = _checked_target(root, image.path)
    temp = _temp_for(target, txid)
    with contextlib.suppress(FileNotFoundError, NotADirectoryError):
        temp.unlink()
    current = _current_state(target)
    if image.kind == "absent":
        if current is None:
            return False
        target.unlink()
        _fsync_dir(target.parent)
        return True
    if image.kind == "symlink":
        assert image.link is not None
        if current == ("symlink", image.link):
            return False
        _make_parents(root, target.parent)
        temp.symlink_to(image.link)
    else:
        assert image.blob is not None
        content = _read_blob(journal, image)
        if current == ("file", content, image.mode):
            return False
        _make_parents(root, target.parent)
        _write_synced(temp, content, image.mode)
    temp.replace(target)
    _fsync_dir(target.parent)
    return True


def _current_state(target: Path) -> tuple[object, ...] | None:
    try:
        info = target.lstat()
    except (FileNotFoundError, NotADirectoryError):
        return None
    if stat.S_ISLNK(info.st_mode):
        return ("symlink", str(target.readlink()))
    if stat.S_ISREG(info.st_mode):
        return ("file", target.read_bytes(), stat.S_IMODE(info.st_mode))
    raise JournalError(f"cannot restore {target}: something else now stands there; move it away")


def _checked_target(root: Path, path: str) -> Path:
    """`root / path` after checking that no existing directory on the way is a symlink."""
    relative = checked_relative(path)
    here = root
    for part in relative.parts[:-1]:
        here = here / part
        try:
            info = here.lstat()
        except FileNotFoundError:
            break
        if stat.S_ISLNK(info.st_mode):
            raise UnsafePathError(f"refusing to write {path!r}: {here} is a symlink")
        if not stat.S_ISDIR(info.st_mode):
            raise UnsafePathError(f"refusing to write {path!r}: {here} is not a directory")
    target = root / relative
    if target.is_dir() and not target.is_symlink():
        raise UnsafePathError(f"refusing to replace {path!r}: it is a directory")
    return target


def _missing_parents(root: Path, path: str) -> list[str]:
    parents = list(checked_relative(path).parents)[:-1]  # without "."
    return [str(parent) for parent in parents if not os.path.lexists(root / parent)]


def _make_parents(root: Path, directory: Path) -> None:
    missing: list[Path] = []
    while directory != root and not os.path.lexists(directory):
        missing.append(directory)
        directory = directory.parent
    for created in reversed(missing):
        created.mkdir()
        _fsync_dir(created.parent)


def _prune_empty_parents(root: Path, directory: Path) -> None:
    while directory != root and directory.is_dir() and not any(directory.iterdir()):
        directory.rmdir()
        directory = directory.parent


def _temp_for(target: Path, txid: str) -> Path:
    return target.with_name(f".{target.name}.{txid}{_TEMP_SUFFIX}")


def _image_for(manifest: _Manifest, path: str) -> _Image:
    return next(image for image in manifest.images if image.path == path)


def _write_synced(path: Path, content: bytes, mode: int = _DEFAULT_MODE) -> None:
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW
    descriptor = os.open(path, flags, 0o600)
    try:
        with os.fdopen(descriptor, "wb", closefd=False) as out:
            out.write(content)
            out.flush()
        os.fchmod(descriptor, mode)
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _fsync_nearest(directory: Path, root: Path) -> None:
    """fsync `directory`, or the nearest folder above it still there (emptied folders
    are pruned after a deletion)."""
    while directory != root and not directory.is_dir():
        directory = directory.parent
    _fsync_dir(directory)


def _fsync_dir(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _discard(journal: Path) -> None:
    """Delete a journal folder atomically: once renamed it no longer counts as complete."""
    if not journal.exists():
        return
    graveyard = journal.with_name(f"{_DISCARD}{secrets.token_hex(4)}")
    journal.replace(graveyard)
    _fsync_dir(journal.parent)
    shutil.rmtree(graveyard, ignore_errors=True)


def _discard_leftovers(journal_dir: Path) -> None:
    for leftover in journal_dir.glob(f"{_DISCARD}*"):
        shutil.rmtree(leftover, ignore_errors=True)
    shutil.rmtree(journal_dir / _PENDING, ignore_errors=True)


@contextlib.contextmanager
def _locked(journal_dir: Path) -> Iterator[None]:
    descriptor = os.open(journal_dir / _LOCK, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            if error.errno in (errno.EWOULDBLOCK, errno.EACCES):
                raise JournalError(
                    f"another copilot command is changing these files (journal {journal_dir} "
                    "is locked); wait for it to finish"
                ) from error
            raise
        yield
    finally:
        os.close(descriptor)


def _manifest_bytes(manifest: _Manifest) -> bytes:
    document = {
        "format": _FORMAT,
        "txid": manifest.txid,
        "created_dirs": list(manifest.created_dirs),
        "images": [
            {
                "path": image.path,
                "kind": image.kind,
                "mode": image.mode,
                "blob": image.blob,
                "sha256": image.sha256,
                "link": image.link,
            }
            for image in manifest.images
        ],
    }
    return json.dumps(document, indent=1).encode()


def _read_manifest(journal: Path) -> _Manifest:
    """The journal's manifest, every field checked: a journal is a file on disk, and a
    damaged or planted one must not steer writes outside the root."""
    where = journal / _MANIFEST
    try:
        document = json.loads(where.read_bytes())
        if document["format"] != _FORMAT or not _TXID.match(document["txid"]):
            raise ValueError("unknown format")
        images = tuple(_checked_image(entry) for entry in document["images"])
        created = tuple(str(checked_relative(str(d))) for d in document["created_dirs"])
    except (OSError, ValueError, KeyError, TypeError, UnsafePathError) as error:
        raise JournalError(
            f"the journal {journal} is damaged ({error}); the files it lists may be half "
            "changed: check them with git, then delete the journal folder"
        ) from error
    return _Manifest(document["txid"], images, created)


def _checked_image(entry: dict[str, object]) -> _Image:
    path = str(checked_relative(str(entry["path"])))
    kind, mode, blob, digest, link = (entry[k] for k in ("kind", "mode", "blob", "sha256", "link"))
    if kind == "absent":
        return _Image(path, "absent")
    if kind == "symlink" and isinstance(link, str):
        return _Image(path, "symlink", link=link)
    if (
        kind == "file"
        and isinstance(mode, int)
        and 0 <= mode <= 0o7777
        and isinstance(blob, str)
        and _BLOB.match(blob)
        and isinstance(digest, str)
    ):
        return _Image(path, "file", mode, blob, digest)
    raise ValueError(f"bad entry for {path}")


def _read_blob(journal: Path, image: _Image) -> bytes:
    assert image.blob is not None
    content = (journal / image.blob).read_bytes()
    if hashlib.sha256(content).hexdigest() != image.sha256:
        raise JournalError(
            f"the journal {journal} is damaged (the saved copy of {image.path} does not match "
            "its checksum); check the file with git, then delete the journal folder"
        )
    return content
