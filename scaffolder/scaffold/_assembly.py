"""Composing the bundled templates: one shared base layer plus one overlay per template.

Why one place: copier renders a single folder of a git tree (`_subdirectory: "{{ template }}"`)
and an update re-renders the project's *old* version from the shipped history, so each
released tree must be complete by itself. The checkout keeps shared files once; assembling
turns it into that complete tree, and both a release and a render of the working folder go
through `assemble`, so what tests render is what a release records.

Checkout (`templates/`):

    copier.yml      the questions, shared by every template
    base/           the files every template renders, at their final paths
    <template>/     one overlay per `template` choice in copier.yml: `overlay.yml` (the values
                    base files read as `overlay.<name>`), the files only that template has, and
                    files that replace the base file at the same path

Assembled (what copier renders and a release commits):

    copier.yml
    <template>/     base and overlay merged, the overlay's file winning

Released versions are never re-assembled: the bundle holds each as it was committed.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path, PurePosixPath

import yaml

from scaffolder.errors import TemplateHistoryError

CONFIG = "copier.yml"
BASE = "base"
#: Each overlay's values for the base files; copier.yml reads it and excludes it from output.
VALUES = "overlay.yml"
#: The suffix copier renders (`_templates_suffix`): `x.jinja` and `x` give the same file.
SUFFIX = ".jinja"
#: Files in a template folder that are never part of a release.
IGNORED_NAMES = frozenset({"__pycache__", ".DS_Store", ".pytest_cache", ".ruff_cache"})
IGNORED_SUFFIXES = (".pyc", ".pyo")

#: Relative path (posix) -> the file holding its bytes.
Files = Mapping[PurePosixPath, Path]


def release_files(root: Path) -> list[Path]:
    """The files of `root` that a release records, relative and sorted."""
    files: list[Path] = []
    for directory, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in IGNORED_NAMES and d != ".git")
        for name in filenames:
            if name in IGNORED_NAMES or name.endswith(IGNORED_SUFFIXES):
                continue
            path = Path(directory, name)
            if path.is_symlink():
                raise TemplateHistoryError(f"templates may not contain symlinks: {path}")
            files.append(path.relative_to(root))
    return sorted(files)


@dataclass(frozen=True)
class Assembly:
    """The complete template tree of a checkout, as paths to the checkout's own files."""

    files: Files

    @cached_property
    def tree(self) -> str:
        """The git tree id of the assembled tree (what a release records in the lock)."""
        return git_tree_id(self.files)

    def write(self, target: Path) -> None:
        """Copy the assembled tree into `target` (an empty or missing folder)."""
        for relative, source in self.files.items():
            destination = target.joinpath(*relative.parts)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination)


def assemble(templates: Path) -> Assembly:
    """The assembled tree of the checkout `templates`; a `TemplateHistoryError` names what is
    wrong with its layout (a missing layer, a stray entry, two files rendering to one)."""
    if not (templates / CONFIG).is_file():
        raise TemplateHistoryError(f"{templates} has no {CONFIG}; is it the templates folder?")
    base = templates / BASE
    if not base.is_dir():
        raise TemplateHistoryError(f"{templates} has no {BASE}/ layer (the shared files)")
    overlays = _overlays(templates)
    base_files = release_files(base)
    files: dict[PurePosixPath, Path] = {PurePosixPath(CONFIG): templates / CONFIG}
    for overlay in overlays:
        if not (templates / overlay / VALUES).is_file():
            raise TemplateHistoryError(f"overlay {overlay}/ has no {VALUES}")
        own = release_files(templates / overlay)
        _refuse_collisions(overlay, own, base_files)
        layers = [(base, base_files), (templates / overlay, own)]  # the overlay's file wins
        for folder, relatives in layers:
            for relative in relatives:
                files[PurePosixPath(overlay, *relative.parts)] = folder / relative
    return Assembly(dict(sorted(files.items())))


def _overlays(templates: Path) -> list[str]:
    """The overlay folders: exactly the `template` choices copier.yml offers."""
    try:
        config = yaml.safe_load((templates / CONFIG).read_text(encoding="utf-8"))
        choices = config["template"]["choices"]
    except (OSError, UnicodeDecodeError, yaml.YAMLError, KeyError, TypeError) as error:
        raise TemplateHistoryError(
            f"{templates / CONFIG} has no readable `template` choices: {error}"
        ) from error
    values = choices.values() if isinstance(choices, dict) else choices
    declared = sorted(str(value) for value in values)
    present = sorted(
        entry.name
        for entry in templates.iterdir()
        if entry.name not in (CONFIG, BASE) and entry.name not in IGNORED_NAMES
    )
    if present != declared:
        raise TemplateHistoryError(
            f"{templates} holds {', '.join(present) or 'nothing'} besides {BASE}/ and {CONFIG}, "
            f"but copier.yml offers the templates {', '.join(declared)}: each template is one "
            "overlay folder"
        )
    for name in present:
        if not (templates / name).is_dir() or (templates / name).is_symlink():
            raise TemplateHistoryError(f"{templates / name} is not an overlay folder")
    return present


def _refuse_collisions(overlay: str, own: list[Path], base_files: list[Path]) -> None:
    """An overlay's `x.jinja` beside the base's `x` (or the reverse) would render two files to
    one path, and which copier writes last is not ours to decide: refuse it."""
    base_names = {_rendered(path): path for path in base_files}
    for path in own:
        other = base_names.get(_rendered(path))
        if other is not None and other != path:
            raise TemplateHistoryError(
                f"{overlay}/{path.as_posix()} and {BASE}/{other.as_posix()} render to the same "
                f"file; name the overlay's file like the base's ({other.name}) to replace it"
            )


def _rendered(path: Path) -> Path:
    return path.with_name(path.name.removesuffix(SUFFIX))


def tree_hash(root: Path) -> str:
    """The git tree id `git write-tree` would give for the release files of `root`."""
    return git_tree_id({PurePosixPath(*path.parts): root / path for path in release_files(root)})


Tree = dict[str, "Tree | Path"]


def git_tree_id(files: Files) -> str:
    """The git tree id of `files`, computed in Python so that checking a checkout for
    unreleased edits costs no subprocess."""
    tree: Tree = {}
    for relative, source in files.items():
        node = tree
        for part in relative.parts[:-1]:
            child = node.setdefault(part, {})
            assert isinstance(child, dict)
            node = child
        node[relative.parts[-1]] = source
    return _hash_tree(tree).hex()


def _hash_object(kind: str, body: bytes) -> bytes:
    return hashlib.sha1(f"{kind} {len(body)}\0".encode() + body, usedforsecurity=False).digest()


def _hash_tree(tree: Tree) -> bytes:
    """Git's tree object id: entries sorted by name, directories as if their name ended in '/'."""
    records: list[tuple[str, bytes]] = []
    for name, value in tree.items():
        if isinstance(value, dict):
            records.append((name + "/", b"40000 " + name.encode() + b"\0" + _hash_tree(value)))
        else:
            mode = b"100755" if os.access(value, os.X_OK) else b"100644"
            blob = _hash_object("blob", value.read_bytes())
            records.append((name, mode + b" " + name.encode() + b"\0" + blob))
    return _hash_object("tree", b"".join(record for _, record in sorted(records)))
