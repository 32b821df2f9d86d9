"""Building a new project out of sight and putting it in place all or nothing.

`copilot new` renders, `git init`s and commits the whole project inside a staging folder and
only then puts it in place, so an interruption of any kind (an exception, Ctrl-C, SIGTERM,
SIGHUP, `kill -9`) leaves either nothing of the project or the complete committed project:

- a new folder: staging sits beside it (same file system) and one `rename` puts the finished
  project in place;
- an existing empty folder (`.`, the folder the user stands in, a folder made in advance):
  the folder is never removed or recreated (a shell inside it would be left in a deleted
  directory). Staging sits inside it, and its top-level entries are moved in one by one,
  `.git` last so that `copilot update` never takes a half-placed folder for a project. Before
  the first move, the list of entries is written (fsynced) to the staging folder; an
  exception or a handled signal moves nothing more and takes back what was moved.

After `kill -9` a staging folder stays behind. Its name (`.copilot-new.<pid>.<random>`) and the
lock its process holds make it recognisable: the next `copilot new` into the same folder or
beside it removes it, first taking back any entries its list says were placed (unless all of
them were: then the project is complete and only the staging folder goes), and says so. A
staging folder whose lock is held belongs to a running `copilot new` and is left alone. The
list is a file on disk, so it is not taken at its word: every name must be a plain entry
name, an entry is removed only if it is still the very file or folder that was moved (same
device and inode), and nothing is removed from a folder that holds anything the list does
not name.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeGuard, TypeVar

from scaffolder.errors import CopilotError, UsageError
from scaffolder.faults import crash_point
from scaffolder.journal import fsync_dir, handle_termination

T = TypeVar("T")

STAGING_PREFIX = ".copilot-new."
_STAGING_NAME = re.compile(r"^\.copilot-new\.([0-9]{1,10})\.[A-Za-z0-9_]{1,32}$")
_LOCK = "lock"
_PLACING = "placing.json"
_PROJECT = "project"
#: Moved last, in this order: what makes the folder look like a project to `copilot update`.
_LAST = (".copier-answers.yml", ".git")


class PlacingError(CopilotError):
    """The project could not be written or put in place (a disk error, a race); nothing of it
    was left. Not the user's input, hence exit code 1."""

    exit_code = 1


@dataclass(frozen=True)
class _Entry:
    """A top-level entry of the staged project, and its identity: a rename keeps the device
    and inode, so a file that merely has the same name is never taken for it."""

    name: str
    device: int
    inode: int

    def is_at(self, path: Path) -> bool:
        try:
            info = path.lstat()
        except OSError:
            return False
        return (info.st_dev, info.st_ino) == (self.device, self.inode)


@dataclass(frozen=True)
class _Staging:
    root: Path
    destination: Path
    #: Filling an existing folder (entries moved one by one) rather than creating it.
    fill: bool

    @property
    def project(self) -> Path:
        return self.root / _PROJECT


def build_and_place(
    destination: Path, build: Callable[[Path], T], notify: Callable[[str], None]
) -> T:
    """Run `build(folder)` on an empty staging folder, then put that folder at `destination`.

    `destination` is absolute and either missing or an empty directory. Leftovers of killed
    runs are cleaned first (each reported through `notify`). Raises `UsageError` when the
    destination cannot be written; on any failure nothing of the project remains.
    """
    with handle_termination():
        for message in clean_leftovers(destination):
            notify(message)
        fill = _check_destination(destination)
        created = [] if fill else _make_parents(destination.parent)
        placed = False
        try:
            with _staging(destination, fill) as staging:
                try:
                    result = build(staging.project)
                except OSError as error:  # a full disk, a vanished folder: one line, exit 1
                    reason = error.strerror or type(error).__name__
                    raise PlacingError(
                        f"cannot write the project: {reason} (nothing was written)"
                    ) from error
                crash_point("new: built")
                _place(staging)
                placed = True
                crash_point("new: placed")
        finally:
            if not placed:
                for folder in created:
                    shutil.rmtree(folder, ignore_errors=True)
        return result


def clean_leftovers(destination: Path) -> list[str]:
    """Remove what killed `copilot new` runs left in `destination` and beside it."""
    messages: list[str] = []
    for folder in (destination, destination.parent):
        try:
            entries = sorted(folder.iterdir())
        except OSError:
            continue  # missing or unreadable: no leftovers of ours to find there
        for entry in entries:
            message = _clean_one(entry)
            if message:
                messages.append(message)
    return messages


def _check_destination(destination: Path) -> bool:
    """True to fill an existing empty folder, False to create it; UsageError otherwise."""
    if destination.is_symlink() and not destination.exists():
        raise UsageError(f"destination {destination} exists and is not a directory")
    if not destination.exists():
        return False
    if not destination.is_dir():
        raise UsageError(f"destination {destination} exists and is not a directory")
    entries = [entry.name for entry in destination.iterdir()]
    if any(_STAGING_NAME.match(name) for name in entries):
        raise UsageError(f"another `copilot new` is writing into {destination}; wait for it")
    if entries:
        raise UsageError(
            f"destination {destination} is not empty; choose a new directory (nothing was written)"
        )
    return True


def _make_parents(parent: Path) -> list[Path]:
    """Create missing parent directories; return the topmost one created (to undo)."""
    missing = [p for p in (parent, *parent.parents) if not p.exists()]
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        for folder in missing[-1:]:
            shutil.rmtree(folder, ignore_errors=True)
        raise _unwritable(parent, error) from error
    return missing[-1:]


def _unwritable(folder: Path, error: OSError) -> UsageError:
    reason = error.strerror or type(error).__name__
    return UsageError(f"cannot write in {folder}: {reason} (nothing was written)")


@contextlib.contextmanager
def _staging(destination: Path, fill: bool) -> Iterator[_Staging]:
    """A locked staging folder for `destination`, removed on the way out whatever happens."""
    parent = destination if fill else destination.parent
    try:
        root = Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{os.getpid()}.", dir=parent))
    except OSError as error:
        raise _unwritable(parent, error) from error
    lock = _hold_lock(root)
    try:
        crash_point("new: staging")
        yield _Staging(root, destination, fill)
    finally:
        shutil.rmtree(root, ignore_errors=True)
        os.close(lock)
    crash_point("new: staging removed")


def _hold_lock(root: Path) -> int:
    """Create and lock `root/lock` (locked before it gets its name, so no one sees it free)."""
    temporary = root / f"{_LOCK}.new"
    descriptor = os.open(temporary, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
    fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    temporary.replace(root / _LOCK)
    return descriptor


def _place(staging: _Staging) -> None:
    if not staging.fill:
        try:
            staging.project.rename(staging.destination)
        except OSError as error:
            raise _not_placed(staging.destination, error) from error
        fsync_dir(staging.destination.parent)
        return
    entries = [_identify(staging.project / name) for name in _placing_order(staging.project)]
    _write_placing(staging.root, entries)
    try:
        for entry in entries:
            (staging.project / entry.name).rename(staging.destination / entry.name)
            crash_point(f"new: placed {entry.name}")
    except BaseException as error:
        _take_back(staging.destination, entries)
        if isinstance(error, OSError):
            raise _not_placed(staging.destination, error) from error
        raise
    fsync_dir(staging.destination)


def _not_placed(destination: Path, error: OSError) -> CopilotError:
    if error.errno in (errno.ENOTEMPTY, errno.EEXIST):
        return UsageError(f"destination {destination} is no longer empty (nothing was written)")
    reason = error.strerror or type(error).__name__
    return PlacingError(f"cannot put the project in {destination}: {reason} (nothing was written)")


def _placing_order(project: Path) -> list[str]:
    names = [entry.name for entry in project.iterdir()]
    return sorted(n for n in names if n not in _LAST) + [n for n in _LAST if n in names]


def _identify(path: Path) -> _Entry:
    info = path.lstat()
    return _Entry(path.name, info.st_dev, info.st_ino)


def _write_placing(root: Path, entries: list[_Entry]) -> None:
    temporary = root / f"{_PLACING}.new"
    listed = [{"name": e.name, "device": e.device, "inode": e.inode} for e in entries]
    with temporary.open("w", encoding="utf-8") as out:
        json.dump({"format": 1, "entries": listed}, out)
        out.flush()
        os.fsync(out.fileno())
    temporary.replace(root / _PLACING)
    fsync_dir(root)
    crash_point("new: placing")


def _take_back(folder: Path, entries: list[_Entry]) -> int:
    """Remove the listed entries that were moved into `folder` (recognised by identity)."""
    removed = 0
    for entry in entries:
        moved = folder / entry.name
        if not entry.is_at(moved):
            continue
        if moved.is_dir() and not moved.is_symlink():
            shutil.rmtree(moved)
        else:
            moved.unlink()
        removed += 1
    return removed


def _clean_one(entry: Path) -> str | None:
    """Clean one staging folder a killed run left; None when `entry` is none (or is live)."""
    found = _STAGING_NAME.match(entry.name)
    if found is None or entry.is_symlink() or not entry.is_dir():
        return None
    with _claimed(entry, int(found.group(1))) as claimed:
        if not claimed:
            return None
        try:
            what = _finish_leftover(entry)
            shutil.rmtree(entry)
            fsync_dir(entry.parent)
        except OSError as error:
            raise UsageError(
                f"cannot remove {entry}, left by an interrupted `copilot new`: "
                f"{error.strerror or error}; remove it yourself"
            ) from error
    return f"cleaned up after an interrupted `copilot new`: removed {entry}{what}"


@contextlib.contextmanager
def _claimed(entry: Path, pid: int) -> Iterator[bool]:
    """Whether the run that made `entry` is gone; while True, hold its lock."""
    try:
        descriptor = os.open(entry / _LOCK, os.O_RDWR | os.O_NOFOLLOW)
    except FileNotFoundError:
        yield not _alive(pid)  # killed before it locked, or while it was being removed
        return
    except OSError:
        yield False  # not ours to judge (no permission, not a file): leave it alone
        return
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(descriptor)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _finish_leftover(entry: Path) -> str:
    """Take back a half-placed project; describe what was found."""
    listing = entry / _PLACING
    if not listing.is_file():
        return " (nothing of its project had been placed)"
    folder, project = entry.parent, entry / _PROJECT
    entries = _read_placing(listing)
    if not any(os.path.lexists(project / entry.name) for entry in entries):
        return f" (the project it placed in {folder} is complete)"
    names = {entry.name for entry in entries}
    others = sorted(
        e.name for e in folder.iterdir() if e.name not in names and not _STAGING_NAME.match(e.name)
    )
    if others:
        # The folder was empty when the project was placed into it: anything else means the
        # list is not what it claims (or the user has since added files). Remove nothing.
        raise UsageError(
            f"cannot clean up {entry}: {folder} also holds {others[0]!r}, which no "
            "`copilot new` placed; check that folder, then delete the staging folder yourself"
        )
    removed = _take_back(folder, entries)
    return f" and the {removed} entries of its half-placed project from {folder}"


def _read_placing(listing: Path) -> list[_Entry]:
    """The entry list, each field checked: a planted list must not remove anything else."""
    try:
        document = json.loads(listing.read_text(encoding="utf-8"))
        if document["format"] != 1 or not isinstance(document["entries"], list):
            raise ValueError("unknown format")
        entries = [_checked_entry(item) for item in document["entries"]]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise UsageError(
            f"cannot clean up {listing.parent}: its list of placed entries is damaged ({error}); "
            "check that folder's contents, then delete it"
        ) from error
    return entries


def _checked_entry(item: dict[str, object]) -> _Entry:
    name, device, inode = item["name"], item["device"], item["inode"]
    if not _plain_name(name) or not isinstance(device, int) or not isinstance(inode, int):
        raise ValueError(f"{name!r} is not an entry")
    return _Entry(name, device, inode)


def _plain_name(name: object) -> TypeGuard[str]:
    return (
        isinstance(name, str)
        and name not in ("", ".", "..")
        and "/" not in name
        and "\0" not in name
        and not _STAGING_NAME.match(name)
    )
