"""Where an approved change may write: ordinary files inside the workspace, nothing else.

Why so strict: the paths come from proposals, and a proposal is a file anyone can write (a
model, a tool, a branch). One write into `.git/config` (`core.fsmonitor`, `core.hooksPath`)
or `.git/hooks/` runs a command at the next `git status`; one write into `.copilot/` can
rewrite another proposal, the audit log, the model cache or the rollback journal that
recovery trusts. So a path is refused unless it names a regular file (or a file to create)
inside a workspace root, reached without any symbolic link, outside every version-control
folder and copilot's own `.copilot/` state folder.

Two passes, both needed:

- by name (`checked_parts`): no absolute path, drive or `:` stream, `..`, `\\`, empty
  component, NUL, control or invisible character (those also forge lines of the diff a
  person reads), and no component that a case-insensitive or Windows filesystem would treat
  as a forbidden folder: `.GIT`, `.git.` and `.git ` (trailing dots and spaces are dropped
  there), `GIT~1` (an 8.3 short name), a fullwidth-dot `.git` (NFKC-equal), `.g\\u200cit`
  (HFS+ ignores zero-width characters);
- on disk (`WriteScope.target`): every existing component is `lstat`-ed from the root down,
  so a symlinked folder or file is refused wherever it points, even back inside the project;
  then the resolved path must still lie inside a root, under no forbidden folder.

Configured sources (`scaffolder.kit.sources`) are further roots: a path whose first component
is a source's name (`our-repo/pkg/a.py`) names `pkg/a.py` under that source's folder, and must
stay inside that folder; every other path is the project's. The same two passes apply in every
root, so a source's `.git/` and its symlinks are as closed as the project's.
"""

from __future__ import annotations

import os
import re
import stat
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from scaffolder.errors import UnsafePathError

#: Version-control folders (git, Mercurial, Subversion, Bazaar, darcs, Jujutsu, Pijul).
VCS_FOLDERS = frozenset({".git", ".hg", ".svn", ".bzr", "_darcs", ".jj", ".pijul"})
#: copilot's own state: proposals, the rollback journal, the audit log, caches.
STATE_FOLDER = ".copilot"
FORBIDDEN = VCS_FOLDERS | {STATE_FOLDER}
_SHORT_NAME = re.compile(r"^(?P<stem>[^~]{1,6})~[0-9]+$")
#: Unicode categories never accepted in a path: controls, format (zero-width, bidi
#: overrides), line and paragraph separators, private use, unassigned.
_INVISIBLE = frozenset({"Cc", "Cf", "Co", "Cn", "Zl", "Zp"})


def checked_parts(relative: str) -> tuple[str, ...]:
    """The components of `relative` (`.` dropped), or `UnsafePathError` saying why not."""
    shown = repr(relative)
    if not relative:
        raise UnsafePathError("an empty path names no file")
    if "\0" in relative:
        raise UnsafePathError(f"{shown} contains a NUL byte")
    odd = next((c for c in relative if unicodedata.category(c) in _INVISIBLE), None)
    if odd is not None:
        raise UnsafePathError(
            f"{shown} contains the invisible or control character U+{ord(odd):04X}"
        )
    if "\\" in relative:
        raise UnsafePathError(f"{shown} contains '\\' (paths use '/')")
    if ":" in relative:
        raise UnsafePathError(f"{shown} contains ':' (a drive letter or a Windows stream)")
    if relative.startswith("/"):
        raise UnsafePathError(f"{shown} is an absolute path; paths are relative to the project")
    parts: list[str] = []
    for part in relative.split("/"):
        if part == ".":
            continue
        if part == "":
            raise UnsafePathError(f"{shown} has an empty component")
        if part == "..":
            raise UnsafePathError(f"{shown} uses '..'; paths must name a file inside directly")
        if part.endswith((".", " ")):
            raise UnsafePathError(
                f"{shown} has a component ending in a dot or space, which Windows drops"
            )
        folder = forbidden_folder(part)
        if folder is not None:
            raise UnsafePathError(f"{shown} is inside {folder}/, {_why(folder)}")
        parts.append(part)
    if not parts:
        raise UnsafePathError(f"{shown} names the project root, not a file")
    return tuple(parts)


def forbidden_folder(part: str) -> str | None:
    """The forbidden folder `part` is or stands for on some filesystem, else None."""
    folded = unicodedata.normalize("NFKC", part).casefold().rstrip(". ")
    if folded in FORBIDDEN:
        return folded
    short = _SHORT_NAME.match(folded)
    if short is not None:
        return next((f for f in sorted(FORBIDDEN) if f.lstrip("._")[:6] == short["stem"]), None)
    return None


def same_file_key(relative: str) -> str:
    """A key under which two names of one file on a case-insensitive filesystem collide."""
    return "/".join(unicodedata.normalize("NFKC", p).casefold() for p in checked_parts(relative))


class NamedRoot(Protocol):
    """A folder beside the project a change may write into (`kit.sources.Source` is one).

    Why a Protocol: `kit.sources` asks this module which folders are forbidden, so naming
    its class here would make the two import each other."""

    @property
    def name(self) -> str: ...
    @property
    def root(self) -> Path: ...


@dataclass(frozen=True)
class WriteScope:
    """The folders a change may write into; `roots[0]` is the project, `roots[n]` for n >= 1
    the source named `names[n - 1]` (see the module doc)."""

    roots: tuple[Path, ...]
    names: tuple[str, ...] = ()

    @classmethod
    def of(cls, project: Path, *sources: NamedRoot) -> WriteScope:
        roots = (
            Path(os.path.realpath(project)),
            *(Path(os.path.realpath(s.root)) for s in sources),
        )
        return cls(roots, tuple(s.name for s in sources))

    @property
    def project(self) -> Path:
        return self.roots[0]

    def split(self, relative: str) -> tuple[Path, tuple[str, ...]]:
        """The root `relative` lies in and its components inside that root (checked by
        name); a source's name alone is no file, so it stays a project path."""
        parts = checked_parts(relative)
        if len(parts) > 1 and parts[0] in self.names:
            return self.roots[1 + self.names.index(parts[0])], parts[1:]
        return self.project, parts

    def canonical(self, relative: str) -> str:
        """`relative` as the journal and the summary name it: `/`-joined, `.` dropped."""
        return "/".join(checked_parts(relative))

    def target(self, relative: str) -> Path:
        """The absolute path `relative` names under the project or a source, checked on disk
        now; it is a regular file or does not exist yet. `UnsafePathError` otherwise."""
        base, parts = self.split(relative)
        shown = repr(relative)
        here = base
        for depth, part in enumerate(parts, start=1):
            here = here / part
            try:
                info = here.lstat()
            except FileNotFoundError:
                break  # this and what follows will be created
            except OSError as error:
                raise UnsafePathError(f"cannot check {shown}: {error.strerror}") from error
            last = depth == len(parts)
            if stat.S_ISLNK(info.st_mode):
                if last:
                    raise UnsafePathError(
                        f"{shown} is a symbolic link; copilot never writes through one"
                    )
                link = "/".join(parts[:depth])
                raise UnsafePathError(f"{shown} goes through the symbolic link {link!r}")
            if not last and not stat.S_ISDIR(info.st_mode):
                raise UnsafePathError(f"{shown}: {'/'.join(parts[:depth])!r} is not a folder")
            if last and not stat.S_ISREG(info.st_mode):
                raise UnsafePathError(f"{shown} exists and is not a regular file")
        target = base.joinpath(*parts)
        self._check_resolved(target, shown, base)
        return target

    def _check_resolved(self, target: Path, shown: str, root: Path) -> None:
        """Belt and braces after the walk: where the path really leads, as the OS resolves
        it now, must be inside the root it was named in and under no forbidden folder of it."""
        real = Path(os.path.realpath(target))
        if not real.is_relative_to(root) or real == root:
            where = "the project root" if root == self.project else "its source"
            raise UnsafePathError(f"{shown} resolves outside {where} {root}")
        folder = next((f for p in real.relative_to(root).parts if (f := forbidden_folder(p))), None)
        if folder is not None:
            raise UnsafePathError(f"{shown} resolves inside {folder}/, {_why(folder)}")


def _why(folder: str) -> str:
    if folder == STATE_FOLDER:
        return "copilot's own state (proposals, journal, audit log), which changes never write"
    return "a version-control folder, which changes never write"
