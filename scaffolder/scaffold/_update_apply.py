"""The last step of `copilot update`: copy the merged files into the project, all or nothing.

Copier's merge happens in a throwaway clone; what it produced is copied into the project in
one `FileTransaction`, so Ctrl-C, a closed terminal, `kill` or `kill -9` at any moment leaves
the project as it was before the update or as it is after it, never a mix. The answers file
goes last, and the git index (conflicted files marked unmerged) is part of the same
transaction when it lives inside the repository. The journal and the clone live in
`.git/copilot/`, where they never make the tree look dirty; the next `copilot update` or
`copilot doctor` rolls an interrupted update back from its journal and says so.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from scaffolder.errors import (
    Interrupted,
    JournalError,
    UnsafePathError,
    UpdateFailedError,
    UpdateRefusedError,
)
from scaffolder.journal import FileTransaction, Recovery, handle_termination, recover
from scaffolder.scaffold._git import git, git_bytes, is_work_tree
from scaffolder.scaffold._new import ANSWERS_FILE

ChangeKind = Literal["added", "modified", "deleted"]
_WORKSPACE = "copilot"
_SCRATCH_PREFIX = "update-"


@dataclass(frozen=True)
class FileChange:
    path: str
    kind: ChangeKind


@dataclass(frozen=True)
class MergedUpdate:
    """What copier produced in the clone: paths relative to the repository's top level."""

    clone: Path
    changes: tuple[FileChange, ...]
    conflicts: tuple[str, ...]


def workspace(project: Path) -> Path:
    """`.git/copilot` of the repository holding `project`: outside the user's tree."""
    return Path(git("rev-parse", "--absolute-git-dir", cwd=project).strip()) / _WORKSPACE


def update_journal_dir(project: Path) -> Path:
    return workspace(project) / "update-journal"


@contextlib.contextmanager
def scratch_folder(top: Path) -> Iterator[Path]:
    """A folder for the clone, inside `.git/copilot/`, named after this process so the next
    run can tell a dead run's leftovers (after `kill -9`) from a live one's."""
    folder = workspace(top) / f"{_SCRATCH_PREFIX}{os.getpid()}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def recover_interrupted_update(start: Path) -> Recovery | None:
    """Roll back an update that was killed while copying files, and remove the clones of
    dead runs. None when there was nothing to roll back (or `start` is in no repository)."""
    if not start.is_dir() or not is_work_tree(start):
        return None
    place = workspace(start)
    for leftover in place.glob(f"{_SCRATCH_PREFIX}*") if place.is_dir() else []:
        pid = leftover.name.removeprefix(_SCRATCH_PREFIX)
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(leftover, ignore_errors=True)
    top = Path(git("rev-parse", "--show-toplevel", cwd=start).strip())
    return recover(top, update_journal_dir(start))


def apply_update(top: Path, merged: MergedUpdate) -> None:
    """Copy the clone's changes into the project in one journaled transaction."""
    index = _index_path(top)
    in_transaction = index is not None and bool(merged.conflicts)
    try:
        with handle_termination(), FileTransaction(top, update_journal_dir(top)) as tx:
            last = sorted(merged.changes, key=lambda change: Path(change.path).name == ANSWERS_FILE)
            for change in last:
                _stage(tx, merged.clone, change)
            if in_transaction:
                assert index is not None
                tx.write(index, _index_with_conflicts(top, merged), _mode_of(top / index))
            tx.commit()
    except KeyboardInterrupt:
        raise Interrupted("interrupted; the project is unchanged") from None
    except (JournalError, UnsafePathError, UpdateRefusedError):
        raise
    except subprocess.CalledProcessError as error:
        detail = error.stderr.decode("utf-8", "replace").strip() or f"exit code {error.returncode}"
        raise UpdateFailedError(
            f"update failed marking conflicts in the git index: {detail}; the project is unchanged"
        ) from error
    except OSError as error:
        raise UpdateFailedError(
            f"update failed while writing {error.filename or 'a file'}: {error.strerror or error}; "
            "the project is unchanged"
        ) from error
    if merged.conflicts and not in_transaction:  # a worktree whose index is elsewhere
        git("update-index", "--index-info", cwd=top, stdin=_index_info(top, merged))


def _stage(tx: FileTransaction, clone: Path, change: FileChange) -> None:
    if change.kind == "deleted":
        tx.write(change.path, None)
        return
    source = clone / change.path
    info = source.lstat()
    if stat.S_ISLNK(info.st_mode):
        tx.symlink(change.path, str(source.readlink()))
    else:
        tx.write(change.path, source.read_bytes(), stat.S_IMODE(info.st_mode))


def _index_path(top: Path) -> str | None:
    """The index relative to `top` when it lives inside it (`.git/index`), else None."""
    where = Path(git("rev-parse", "--git-path", "index", cwd=top).strip())
    where = where if where.is_absolute() else top / where
    try:
        return str(where.resolve().relative_to(top.resolve()))
    except ValueError:
        return None


def _index_info(top: Path, merged: MergedUpdate) -> bytes:
    """`git update-index --index-info` input marking each conflict unmerged, as copier does
    in place, so `git status` and editors show the files as conflicts to resolve."""
    listing = git_bytes("ls-files", "-u", "-z", "--", *merged.conflicts, cwd=merged.clone)
    lines = [f"0 {'0' * 40}\t{path}" for path in merged.conflicts]
    for entry in listing.split(b"\0"):
        if not entry:
            continue
        meta, path = entry.decode().split("\t", 1)
        mode, sha, stage = meta.split()
        blob = git_bytes("cat-file", "blob", sha, cwd=merged.clone)
        stored = git("hash-object", "-w", "--stdin", cwd=top, stdin=blob).strip()
        lines.append(f"{mode} {stored} {stage}\t{path}")
    return ("\n".join(lines) + "\n").encode()


def _index_with_conflicts(top: Path, merged: MergedUpdate) -> bytes:
    """The project's index with the conflicts recorded, built on a copy (GIT_INDEX_FILE) so
    the real index changes only inside the transaction."""
    index = _index_path(top)
    assert index is not None
    copy = merged.clone.parent / "index"
    shutil.copyfile(top / index, copy)
    subprocess.run(
        ["git", "update-index", "--index-info"],
        cwd=top,
        input=_index_info(top, merged),
        env={**os.environ, "GIT_INDEX_FILE": str(copy), "LC_ALL": "C"},
        capture_output=True,
        check=True,
    )
    return copy.read_bytes()


def _mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
