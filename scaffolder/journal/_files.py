"""File operations for the journal and its targets, each durable or checked: paths that stay
inside the root, a target's current state, synced writes, fsynced folders, parents made and
pruned, temporary names."""

from __future__ import annotations

import os
import stat
from pathlib import Path, PurePosixPath

from scaffolder.errors import JournalError, UnsafePathError

_TEMP_SUFFIX = ".copilot-tx"
DEFAULT_MODE = 0o644


def checked_relative(rel_path: str) -> PurePosixPath:
    """`rel_path` as a clean relative path, or `UnsafePathError` if it could leave the root."""
    if not rel_path or "\0" in rel_path or "\\" in rel_path:
        raise UnsafePathError(f"refusing to write {rel_path!r}: not a plain relative path")
    path = PurePosixPath(rel_path)
    if path.is_absolute() or any(part in ("..", ".", "") for part in rel_path.split("/")):
        raise UnsafePathError(f"refusing to write {rel_path!r}: it must stay inside the project")
    return path


def current_state(target: Path) -> tuple[object, ...] | None:
    try:
        info = target.lstat()
    except (FileNotFoundError, NotADirectoryError):
        return None
    if stat.S_ISLNK(info.st_mode):
        return ("symlink", str(target.readlink()))
    if stat.S_ISREG(info.st_mode):
        return ("file", target.read_bytes(), stat.S_IMODE(info.st_mode))
    raise JournalError(f"cannot restore {target}: something else now stands there; move it away")


def checked_target(root: Path, path: str) -> Path:
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


def missing_parents(root: Path, path: str) -> list[str]:
    parents = list(checked_relative(path).parents)[:-1]  # without "."
    return [str(parent) for parent in parents if not os.path.lexists(root / parent)]


def make_parents(root: Path, directory: Path) -> None:
    missing: list[Path] = []
    while directory != root and not os.path.lexists(directory):
        missing.append(directory)
        directory = directory.parent
    for created in reversed(missing):
        created.mkdir()
        fsync_dir(created.parent)


def prune_empty_parents(root: Path, directory: Path) -> None:
    while directory != root and directory.is_dir() and not any(directory.iterdir()):
        directory.rmdir()
        directory = directory.parent


def temp_for(target: Path, txid: str) -> Path:
    return target.with_name(f".{target.name}.{txid}{_TEMP_SUFFIX}")


def write_synced(path: Path, content: bytes, mode: int = DEFAULT_MODE) -> None:
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


def fsync_nearest(directory: Path, root: Path) -> None:
    """fsync `directory`, or the nearest folder above it still there (emptied folders
    are pruned after a deletion)."""
    while directory != root and not directory.is_dir():
        directory = directory.parent
    fsync_dir(directory)


def fsync_dir(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
