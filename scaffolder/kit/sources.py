"""Sources: folders outside the project that the assistant indexes, cites and may edit.

A team's code usually lives next to the copilot project, not inside it, so `[tool.copilot]
sources` lists such folders (absolute, `~/...`, or relative to the project). Each source has a
name, and every file in it is named `<source>/<path inside the source>`: in the index, in
citations, in edit proposals and in what `apply` prints. One naming scheme for all of them is
what lets a citation be opened, a proposal be applied and a later symbol index point at a
line without knowing where on disk the source sits.

Names: the folder's own name as written (`../our-repo` is `our-repo`), made unique: a name
already taken by an earlier source or by an entry at the top of the project gets `-2`, `-3`...
(`src` of the project stays the project's; a source folder `src` becomes `src-2`). A name is
what the path's first component is matched against, so it must be unambiguous.

Refused, each in one line (exit 2): an entry that does not exist, is a file, lies inside the
project or contains it (its files would have two names, and `.copilot/` would become
writable), overlaps another source, or is a version-control or copilot state folder. Sources
are resolved to real paths once: a symlinked source is the folder it points to.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from scaffolder.errors import UsageError

_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._+-]+")


class SourceError(UsageError):
    """A configured source is missing, a file, or overlaps the project or another source."""


@dataclass(frozen=True)
class Source:
    """One folder outside the project: its name in citations and proposals, its real path."""

    name: str
    root: Path
    #: The entry as configured (or given on the command line), for messages.
    configured: str


@dataclass(frozen=True)
class SourceMap:
    """The project and its sources: which root a name like `our-repo/a.py` lives in."""

    project: Path
    sources: tuple[Source, ...] = ()

    @classmethod
    def of(cls, project: Path, entries: Sequence[str] = ()) -> SourceMap:
        """The project at `project` with `entries` resolved; `SourceError` for a bad one."""
        real = Path(os.path.realpath(project))
        taken = {name.casefold() for name in _top_level(real)}
        sources: list[Source] = []
        for entry in entries:
            root = check_source(real, entry)
            if any(root == known.root for known in sources):
                continue  # listed twice: one source
            clash = next((s for s in sources if _overlap(root, s.root)), None)
            if clash is not None:
                raise SourceError(
                    f"source {entry!r} overlaps source {clash.configured!r}; list only one of them"
                )
            name = _unique(_base_name(entry, root), taken)
            taken.add(name.casefold())
            sources.append(Source(name, root, entry))
        return cls(real, tuple(sources))

    @property
    def roots(self) -> tuple[Path, ...]:
        """The project first, then every source root (the order `WriteScope` takes)."""
        return (self.project, *(s.root for s in self.sources))

    def named(self, name: str) -> Source | None:
        return next((s for s in self.sources if s.name == name), None)

    def split(self, relative: str) -> tuple[Source | None, str]:
        """The source a workspace path is in (None: the project) and the path inside it.

        Only the first component is looked at; `our-repo` alone names the source's root
        itself, which is no file, so it stays a project path (and is refused there)."""
        first, _, rest = relative.partition("/")
        source = self.named(first)
        if source is None or not rest:
            return None, relative
        return source, rest

    def locate(self, real: Path) -> tuple[Source | None, str] | None:
        """For a real absolute path: its source (None: the project) and its path inside
        that root; None when it is in neither."""
        for source in self.sources:
            if real.is_relative_to(source.root):
                return source, real.relative_to(source.root).as_posix()
        if real.is_relative_to(self.project):
            return None, real.relative_to(self.project).as_posix()
        return None

    def name_of(self, real: Path) -> str | None:
        """The workspace name of a real absolute path (`our-repo/a.py`, `src/x.py`), or None
        when it is neither in the project nor in a source."""
        found = self.locate(real)
        if found is None:
            return None
        source, inner = found
        if source is None:
            return "" if inner == "." else inner
        return source.name if inner == "." else f"{source.name}/{inner}"

    def root_for(self, real: Path) -> Path | None:
        """The root (project or source) that holds `real`, or None."""
        found = self.locate(real)
        if found is None:
            return None
        return self.project if found[0] is None else found[0].root


def check_source(project: Path, entry: str) -> Path:
    """The real folder `entry` names, relative to the real `project`; `SourceError` if it
    cannot be a source (module doc)."""
    if not entry.strip():
        raise SourceError("sources: an empty entry names no folder")
    given = Path(entry).expanduser()
    path = given if given.is_absolute() else project / given
    shown = f"source {entry!r}" + ("" if str(path) == entry else f" ({os.path.normpath(path)})")
    if not path.exists():
        raise SourceError(f"{shown} does not exist")
    if not path.is_dir():
        raise SourceError(f"{shown} is a file, not a folder")
    root = Path(os.path.realpath(path))
    if root == project or root.is_relative_to(project):
        raise SourceError(f"{shown} is inside the project; its files are the project's already")
    if project.is_relative_to(root):
        raise SourceError(f"{shown} contains the project; list the folders beside it instead")
    from scaffolder.kit.agents.write_scope import forbidden_folder

    folder = next((f for p in root.parts if (f := forbidden_folder(p))), None)
    if folder is not None:
        raise SourceError(f"{shown} is inside a {folder}/ folder, which is never a source")
    return root


def _base_name(entry: str, root: Path) -> str:
    """The folder's name as written (a symlink keeps its own name), made path-safe."""
    written = Path(os.path.normpath(Path(entry).expanduser())).name or root.name
    return _UNSAFE_NAME.sub("-", written).strip(".-") or "source"


def _unique(name: str, taken: set[str]) -> str:
    candidate, number = name, 1
    while candidate.casefold() in taken:
        number += 1
        candidate = f"{name}-{number}"
    return candidate


def _overlap(a: Path, b: Path) -> bool:
    return a.is_relative_to(b) or b.is_relative_to(a)


def _top_level(project: Path) -> list[str]:
    try:
        return [entry.name for entry in os.scandir(project)]
    except OSError:
        return []
