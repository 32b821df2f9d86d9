"""Prompt versions under review: a snapshot of every prompt's version, `prompts.lock`, and the
prompts a change affects.

A prompt's version is a hash over every file it is made of, so a one-word change in a shared
component silently gives new versions to every prompt that uses it. To make such changes
visible in code review, the project commits `prompts.lock`: per prompt, its version and the
hash of each of its files. CI runs `copilot prompts lock --check` so that a prompt change
cannot land without its lock change, and `copilot prompts diff REV` tells a reviewer which
prompts a change affects, file by file. Benchmarks and telemetry cite the same versions.

The lock is TOML, written in a fixed order (prompts by name, files by path) with one file per
line, so a changed component is a two-line diff (the file's hash and the prompt's version):

    # prompts.lock: written by `copilot prompts lock`; commit it with the prompts.
    format = 1

    [prompts.answer]
    version = "0f9e8d7c6b5a"

    [prompts.answer.files]
    "_shared/tone.md" = "a1b2c3d4e5f6"
    "answer/prompt.yaml" = "b2c3d4e5f6a1"
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TypeAlias

from scaffolder.errors import FAILURE_EXIT_CODE, CopilotError, UsageError
from scaffolder.kit.json_types import JSONObject
from scaffolder.kit.prompts.library import PROMPTS_DIR, PromptLibrary
from scaffolder.kit.prompts.manifest import PromptError

LOCK_NAME = "prompts.lock"
#: Bumped when the lock's layout changes, so an older copilot refuses a newer lock clearly.
LOCK_FORMAT = 1
_HEADER = (
    f"# {LOCK_NAME}: written by `copilot prompts lock`; commit it with the prompts.\n"
    "# Per prompt: its version and the sha256 prefix of every file it is made of.\n"
    "# `copilot prompts lock --check` fails while a prompt differs from this file.\n"
)
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_TOML_LOCATION = re.compile(r"^(?P<message>.*) \(at line (?P<line>\d+), column \d+\)$")


@dataclass(frozen=True)
class PromptVersion:
    """What one prompt is made of at one moment: its version and each file's hash.

    File paths are relative to the prompt library root (`answer/rules.md`, `_shared/tone.md`).
    """

    version: str
    files: Mapping[str, str]


Snapshot: TypeAlias = dict[str, PromptVersion]
ChangeStatus = Literal["added", "removed", "changed"]


@dataclass(frozen=True)
class PromptChange:
    """How one prompt differs between two snapshots, file by file.

    `old_version` is None for a prompt that was added, `new_version` for one that was removed.
    """

    name: str
    old_version: str | None
    new_version: str | None
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()

    @property
    def status(self) -> ChangeStatus:
        if self.old_version is None:
            return "added"
        if self.new_version is None:
            return "removed"
        return "changed"

    def as_dict(self) -> JSONObject:
        """The change as plain data, for JSON output."""
        return {
            "prompt": self.name,
            "status": self.status,
            "old_version": self.old_version,
            "new_version": self.new_version,
            "files": {
                "added": list(self.added),
                "removed": list(self.removed),
                "changed": list(self.changed),
            },
        }


class StaleLockError(CopilotError):
    """`prompts.lock` is missing or no longer matches the prompts (a failed check, exit 1)."""

    exit_code = FAILURE_EXIT_CODE


def snapshot(library: PromptLibrary) -> Snapshot:
    """The version and file hashes of every prompt in `library`.

    Raises `PromptError` (one line naming the file) for a prompt that cannot be loaded,
    including a file it names that cannot be read.
    """
    versions: Snapshot = {}
    for name in library.names():
        prompt = library.get(name)
        try:
            files = prompt.file_hashes()
        except (OSError, ValueError) as error:
            reason = _unreadable(error, library.root)
            raise PromptError(f"{prompt.display}: prompt {name!r}: {reason}") from error
        versions[name] = PromptVersion(prompt.version, files)
    return versions


def _unreadable(error: OSError | ValueError, root: Path) -> str:
    """Why a prompt's file could not be read, with the path relative to the library root."""
    if isinstance(error, OSError) and error.filename is not None:
        path = Path(os.fsdecode(error.filename))
        shown = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
        return f"cannot read {shown}: {error.strerror}"
    return str(error)


def compare(
    old: Mapping[str, PromptVersion], new: Mapping[str, PromptVersion]
) -> list[PromptChange]:
    """Every prompt that differs between `old` and `new`, by name, with its file changes."""
    changes: list[PromptChange] = []
    for name in sorted(old.keys() | new.keys()):
        before, after = old.get(name), new.get(name)
        if before == after:
            continue
        old_files = before.files if before else {}
        new_files = after.files if after else {}
        kept = old_files.keys() & new_files.keys()
        changes.append(
            PromptChange(
                name,
                before.version if before else None,
                after.version if after else None,
                added=tuple(sorted(new_files.keys() - old_files.keys())),
                removed=tuple(sorted(old_files.keys() - new_files.keys())),
                changed=tuple(sorted(f for f in kept if old_files[f] != new_files[f])),
            )
        )
    return changes


# -- the lock file ----------------------------------------------------------------------------
@dataclass(frozen=True)
class LockFile:
    """`prompts.lock` at a project's root, next to `prompts/`."""

    path: Path

    @classmethod
    def for_project(cls, project_root: Path) -> LockFile:
        return cls(project_root / LOCK_NAME)

    def exists(self) -> bool:
        return self.path.is_file()

    def read(self) -> Snapshot:
        """The locked versions; `PromptError` naming the file (and line) when it is invalid."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise PromptError(f"{self.path.name}: cannot read: {error}") from error
        return self.parse(text, self.path.name)

    def write(self, versions: Mapping[str, PromptVersion]) -> bool:
        """Write `versions`; False when the file already held exactly these bytes."""
        content = self.render(versions).encode("utf-8")
        if self.path.is_file() and self.path.read_bytes() == content:
            return False
        self.path.write_bytes(content)
        return True

    @staticmethod
    def render(versions: Mapping[str, PromptVersion]) -> str:
        """The lock's text: the same versions always give the same bytes."""
        lines = [_HEADER + f"format = {LOCK_FORMAT}"]
        for name in sorted(versions):
            table = f"prompts.{_toml_key(name)}"
            lines += ["", f"[{table}]", f"version = {_toml_string(versions[name].version)}"]
            lines += ["", f"[{table}.files]"]
            files = versions[name].files
            lines += [f"{_toml_string(f)} = {_toml_string(files[f])}" for f in sorted(files)]
        return "\n".join(lines) + "\n"

    @staticmethod
    def parse(text: str, display: str = LOCK_NAME) -> Snapshot:
        """The versions in a lock's text; `PromptError` naming `display` when it is invalid."""
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            found = _TOML_LOCATION.match(str(error))
            where = f"{display}:{found['line']}" if found else display
            problem = found["message"] if found else str(error)
            raise PromptError(
                f"{where}: {problem} (rewrite it with `copilot prompts lock`)"
            ) from error
        if data.get("format") != LOCK_FORMAT:
            raise PromptError(
                f"{display}: format {data.get('format')!r} is not {LOCK_FORMAT}; it was written "
                "by another copilot version (rewrite it with `copilot prompts lock`)"
            )
        prompts = data.get("prompts", {})
        if not isinstance(prompts, dict):
            raise PromptError(f"{display}: `prompts` must be a table of prompts")
        return {name: _locked_prompt(display, name, entry) for name, entry in prompts.items()}


def _locked_prompt(display: str, name: str, entry: object) -> PromptVersion:
    version = entry.get("version") if isinstance(entry, dict) else None
    files = entry.get("files") if isinstance(entry, dict) else None
    if (
        not isinstance(version, str)
        or not isinstance(files, dict)
        or not all(isinstance(value, str) for value in files.values())
    ):
        raise PromptError(
            f"{display}: prompt {name!r} needs a `version` string and a `files` table of "
            "path = hash (rewrite it with `copilot prompts lock`)"
        )
    return PromptVersion(version, files)


def _toml_key(key: str) -> str:
    return key if _BARE_KEY.fullmatch(key) else _toml_string(key)


def _toml_string(text: str) -> str:
    """A TOML basic string. Quotes and backslashes are escaped, and so are the control
    characters TOML forbids unescaped; everything else, non-ASCII included, stays as written."""
    return '"' + "".join(_toml_char(char) for char in text) + '"'


def _toml_char(char: str) -> str:
    if char in '"\\':
        return "\\" + char
    if (char < " " and char != "\t") or char == "\x7f":
        return f"\\u{ord(char):04x}"
    return char


# -- prompts at a git revision ----------------------------------------------------------------
def snapshot_at(project_root: Path, revision: str) -> Snapshot:
    """The snapshot of the project's `prompts/` as committed at `revision` (any git revision).

    The revision's files are read from git's object store into a temporary directory, exactly
    as committed (no checkout, no attributes or filters), and loaded as a library there. A
    revision without `prompts/` gives an empty snapshot. `UsageError` when the project is not in
    a git repository or `revision` names no commit; `PromptError` when a prompt at the revision
    cannot be loaded.
    """
    prefix = _git(project_root, "rev-parse", "--show-prefix")
    if prefix.returncode != 0:
        raise UsageError(
            f"{project_root} is not in a git repository: prompt diffs compare with a git revision"
        )
    found = _git(
        project_root,
        "rev-parse",
        "--verify",
        "--quiet",
        "--end-of-options",
        f"{revision}^{{commit}}",
    )
    if found.returncode != 0:
        raise UsageError(f"unknown git revision {revision!r} (no such commit in this repository)")
    commit = found.stdout.decode().strip()
    folder = os.fsdecode(prefix.stdout).rstrip("\n")  # the project's path in the repository
    tree = f"{commit}:{folder}{PROMPTS_DIR}"
    with tempfile.TemporaryDirectory(prefix="copilot-prompts-") as scratch:
        root = Path(scratch) / PROMPTS_DIR
        if _git(project_root, "cat-file", "-t", tree).stdout.strip() == b"tree":
            _export_tree(project_root, tree, root)
        try:
            return snapshot(PromptLibrary(root))
        except PromptError as error:
            raise PromptError(f"{error} (in the prompts at {revision})") from error


def _export_tree(repository: Path, tree: str, destination: Path) -> None:
    """Write the files of a git tree under `destination`: regular files and symbolic links
    (so a component linked within prompts/ resolves as it does in a checkout)."""
    listing = _checked(repository, "ls-tree", "-r", "-z", "--full-tree", tree).stdout
    entries: list[tuple[str, str, Path]] = []
    for record in filter(None, listing.split(b"\0")):
        meta, _, name = record.partition(b"\t")
        mode, kind, oid = meta.decode().split()
        path = destination.joinpath(*os.fsdecode(name).split("/"))
        if kind == "blob" and ".." not in path.relative_to(destination).parts:
            entries.append((mode, oid, path))
    stdin = "".join(f"{oid}\n" for _, oid, _ in entries).encode()
    output = _checked(repository, "cat-file", "--batch", stdin=stdin).stdout
    offset = 0
    for mode, oid, path in entries:
        end = output.index(b"\n", offset)
        header = output[offset:end].split()
        if len(header) != 3:
            raise UsageError(f"git could not read object {oid} ({path.name}) from the repository")
        size = int(header[2])
        content = output[end + 1 : end + 1 + size]
        offset = end + 1 + size + 1
        path.parent.mkdir(parents=True, exist_ok=True)
        if mode == "120000":
            path.symlink_to(os.fsdecode(content))
        else:
            path.write_bytes(content)


def _checked(
    repository: Path, *args: str, stdin: bytes | None = None
) -> subprocess.CompletedProcess[bytes]:
    completed = _git(repository, *args, stdin=stdin)
    if completed.returncode != 0:
        detail = completed.stderr.decode("utf-8", "replace").strip().splitlines()
        raise UsageError(f"git {args[0]} failed: {detail[0] if detail else completed.returncode}")
    return completed


def _git(
    repository: Path, *args: str, stdin: bytes | None = None
) -> subprocess.CompletedProcess[bytes]:
    """Run git in `repository`. The kit does not use the scaffolder's git helpers so that it
    stays importable without copier."""
    environment = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
    try:
        return subprocess.run(
            ["git", *args],
            cwd=repository,
            input=stdin,
            capture_output=True,
            env=environment,
            check=False,
        )
    except OSError as error:
        if shutil.which("git") is None:
            raise UsageError("git is not installed or not on PATH; prompt diffs need it") from error
        raise UsageError(f"cannot run git in {repository}: {error.strerror}") from error
