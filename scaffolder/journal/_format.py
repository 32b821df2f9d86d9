"""The journal folder on disk: its layout, its lock, the manifest and the saved before-images
(read back with every field checked), and deleting a journal atomically (package doc)."""

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
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from scaffolder.errors import JournalError, UnsafePathError
from scaffolder.journal._files import checked_relative, fsync_dir

Kind = Literal["absent", "file", "symlink"]

_FORMAT = 1
PENDING = "pending"
COMPLETE = "complete"
_DISCARD = "discard-"
_LOCK = "lock"
MANIFEST = "manifest.json"
_BLOB = re.compile(r"^[0-9]{1,9}$")
_TXID = re.compile(r"^[0-9a-f]{16}$")


@dataclass(frozen=True)
class Image:
    """A target's state before the change (as saved in the journal)."""

    path: str
    kind: Kind
    mode: int = 0
    blob: str | None = None
    sha256: str | None = None
    link: str | None = None


@dataclass(frozen=True)
class Manifest:
    txid: str
    images: tuple[Image, ...]
    created_dirs: tuple[str, ...]


def image_for(manifest: Manifest, path: str) -> Image:
    return next(image for image in manifest.images if image.path == path)


def discard(journal: Path) -> None:
    """Delete a journal folder atomically: once renamed it no longer counts as complete."""
    if not journal.exists():
        return
    graveyard = journal.with_name(f"{_DISCARD}{secrets.token_hex(4)}")
    journal.replace(graveyard)
    fsync_dir(journal.parent)
    shutil.rmtree(graveyard, ignore_errors=True)


def discard_leftovers(journal_dir: Path) -> None:
    for leftover in journal_dir.glob(f"{_DISCARD}*"):
        shutil.rmtree(leftover, ignore_errors=True)
    shutil.rmtree(journal_dir / PENDING, ignore_errors=True)


@contextlib.contextmanager
def locked(journal_dir: Path) -> Iterator[None]:
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


def manifest_bytes(manifest: Manifest) -> bytes:
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


def read_manifest(journal: Path) -> Manifest:
    """The journal's manifest, every field checked: a journal is a file on disk, and a
    damaged or planted one must not steer writes outside the root."""
    where = journal / MANIFEST
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
    return Manifest(document["txid"], images, created)


def _checked_image(entry: dict[str, object]) -> Image:
    path = str(checked_relative(str(entry["path"])))
    kind, mode, blob, digest, link = (entry[k] for k in ("kind", "mode", "blob", "sha256", "link"))
    if kind == "absent":
        return Image(path, "absent")
    if kind == "symlink" and isinstance(link, str):
        return Image(path, "symlink", link=link)
    if (
        kind == "file"
        and isinstance(mode, int)
        and 0 <= mode <= 0o7777
        and isinstance(blob, str)
        and _BLOB.match(blob)
        and isinstance(digest, str)
    ):
        return Image(path, "file", mode, blob, digest)
    raise ValueError(f"bad entry for {path}")


def read_blob(journal: Path, image: Image) -> bytes:
    assert image.blob is not None
    content = (journal / image.blob).read_bytes()
    if hashlib.sha256(content).hexdigest() != image.sha256:
        raise JournalError(
            f"the journal {journal} is damaged (the saved copy of {image.path} does not match "
            "its checksum); check the file with git, then delete the journal folder"
        )
    return content
