"""`copilot update`: bring a project to the installed template version, transactionally.

Copier's update writes straight into the project and, when it fails midway, leaves a
half-updated working tree. So copilot runs it in a throwaway clone of the project's last
commit (the tree must be clean, so the clone holds exactly the project's tracked files),
reads what changed there, and only then copies those files into the project, restoring every
one of them if copying fails. `--pretend` is the same run without the copy.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from copier import run_update
from copier.errors import UnsafeTemplateError
from packaging.version import Version

from scaffolder.errors import (
    Interrupted,
    TemplateHistoryError,
    UpdateFailedError,
    UpdateRefusedError,
    first_line,
)
from scaffolder.scaffold._answers import validate_project_name
from scaffolder.scaffold._copier import UNSAFE_TEMPLATE, quiet_copier
from scaffolder.scaffold._git import dirty_paths, git, git_bytes, is_work_tree, toplevel
from scaffolder.scaffold._history import TemplateHistory, bundle_tags, version_of_tag
from scaffolder.scaffold._new import ANSWERS_FILE

ChangeKind = Literal["added", "modified", "deleted"]


@dataclass(frozen=True)
class FileChange:
    path: str
    kind: ChangeKind


@dataclass(frozen=True)
class UpdateRequest:
    path: Path
    data: dict[str, Any] = field(default_factory=dict)
    pretend: bool = False
    trust: bool = False


@dataclass(frozen=True)
class UpdateResult:
    project: Path
    from_version: str | None
    to_version: str | None
    changes: list[FileChange]
    conflicts: list[str]
    pretend: bool

    @property
    def up_to_date(self) -> bool:
        return not self.changes


def find_generated_project(start: Path) -> Path:
    """The nearest directory at or above `start` holding a copier answers file."""
    here = start.expanduser().resolve()
    if not here.is_dir():
        raise UpdateRefusedError(f"{start} is not a directory")
    for directory in (here, *here.parents):
        if (directory / ANSWERS_FILE).is_file():
            return directory
    raise UpdateRefusedError(
        f"{here} is not a generated project: no {ANSWERS_FILE} here or above "
        "(projects made with `copilot new` have one)"
    )


def read_project_answers(project: Path) -> dict[str, Any]:
    try:
        loaded = yaml.safe_load((project / ANSWERS_FILE).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise UpdateRefusedError(f"cannot read {project / ANSWERS_FILE}: {error}") from None
    if not isinstance(loaded, dict):
        raise UpdateRefusedError(f"{project / ANSWERS_FILE} is not a mapping of answers")
    return loaded


def update_project(request: UpdateRequest, history: TemplateHistory | None = None) -> UpdateResult:
    """Update the project at or above `request.path`; raise `CopilotError` when refused/failed."""
    project = find_generated_project(request.path)
    if not is_work_tree(project):
        raise UpdateRefusedError(
            f"{project} is not in a git repository; updates merge through git "
            "(run `git init && git add -A && git commit -m init` first)"
        )
    dirty = dirty_paths(project)
    if dirty:
        shown = ", ".join(dirty[:5]) + (f" and {len(dirty) - 5} more" if len(dirty) > 5 else "")
        raise UpdateRefusedError(
            f"the project has uncommitted changes ({shown}); commit or stash them first"
        )
    answers = read_project_answers(project)
    _check_new_answers(answers, request.data)
    history = history or TemplateHistory.installed()
    plan = _plan(answers, history, request.data)
    if not plan.needed:
        return UpdateResult(project, plan.from_version, plan.from_version, [], [], request.pretend)
    top = toplevel(project)
    subdir = project.relative_to(top)
    with tempfile.TemporaryDirectory(prefix="copilot-update-") as scratch:
        clone = Path(scratch, "clone")
        git("clone", "--quiet", "--no-checkout", str(top), str(clone))
        head = git("rev-parse", "HEAD", cwd=top).strip()
        git("checkout", "--quiet", "--detach", head, cwd=clone)
        _run_copier_update(clone / subdir, request, plan.target_ref)
        changes = _changes(clone, subdir)
        conflicts = _conflicts(clone, subdir)
        new_answers = read_project_answers(clone / subdir)
        if not request.pretend and changes:
            _apply_changes(clone, top, changes, Path(scratch, "backup"))
            if conflicts:
                _record_conflicts(clone, top, conflicts)
    to_version = new_answers.get("_commit")
    return UpdateResult(
        project=project,
        from_version=plan.from_version,
        to_version=str(to_version) if to_version is not None else None,
        changes=[_relative_to(change, subdir) for change in changes],
        conflicts=[str(Path(path).relative_to(subdir)) for path in conflicts],
        pretend=request.pretend,
    )


def _check_new_answers(answers: dict[str, Any], data: dict[str, Any]) -> None:
    known = {key for key in answers if not key.startswith("_")}
    unknown = sorted(set(data) - known)
    if unknown:
        raise UpdateRefusedError(
            f"the project has no answer {', '.join(map(repr, unknown))} to change; "
            f"its answers are: {', '.join(sorted(known))}"
        )
    if "template" in data and data["template"] != answers.get("template"):
        raise UpdateRefusedError("an update cannot switch the template; generate a new project")
    if "project_name" in data:
        validate_project_name(str(data["project_name"]))


@dataclass(frozen=True)
class _Plan:
    """What an update will do: from which version, to which ref (None: the newest tag)."""

    from_version: str
    target_ref: str | None
    needed: bool = True


def _plan(answers: dict[str, Any], history: TemplateHistory, data: dict[str, Any]) -> _Plan:
    src_path = answers.get("_src_path")
    commit = answers.get("_commit")
    if not src_path:
        raise UpdateRefusedError(f"{ANSWERS_FILE} does not say which template made the project")
    bundled = src_path == history.user_bundle or (
        Path(str(src_path)).expanduser() == history.user_bundle_path()
    )
    if not commit:
        raise UpdateRefusedError(
            "no template version was recorded for the project (it came from unreleased "
            "templates, or from a template without version tags), so there is no old version "
            "to merge from; it cannot be updated"
        )
    if not bundled:
        return _Plan(str(commit), target_ref=None)  # third-party: its newest tag
    project_version = version_of_tag(str(commit))
    if project_version is None:
        raise UpdateRefusedError(f"the project's template version {commit!r} is not a release")
    installed = Version(history.version)
    if project_version > installed:
        raise UpdateRefusedError(
            f"the project was generated by copilot templates {commit}, newer than the installed "
            f"{history.tag}; upgrade copilot first (pip install -U copilot-scaffolder)"
        )
    if project_version == installed and not data:
        return _Plan(str(commit), history.tag, needed=False)
    history.sync()
    if str(commit) not in bundle_tags(history.user_bundle_path()):
        raise TemplateHistoryError(
            f"the template history lacks {commit}, the version this project was made from"
        )
    return _Plan(str(commit), history.tag)


def _run_copier_update(destination: Path, request: UpdateRequest, ref: str | None) -> None:
    try:
        with quiet_copier():
            run_update(
                destination,
                data=request.data,
                vcs_ref=ref,
                defaults=True,
                overwrite=True,
                conflict="inline",
                unsafe=request.trust,
                quiet=True,
                skip_answered=True,
            )
    except KeyboardInterrupt:
        raise Interrupted("interrupted; the project is unchanged") from None
    except UnsafeTemplateError:
        raise UpdateRefusedError(f"the template {UNSAFE_TEMPLATE}") from None
    except Exception as error:  # any failure at all: the project itself is untouched
        raise UpdateFailedError(
            f"update failed: {first_line(error)}; the project is unchanged"
        ) from None


def _changes(clone: Path, subdir: Path) -> list[FileChange]:
    listing = git_bytes(
        "status",
        "--porcelain=v1",
        "-z",
        "--untracked-files=all",
        "--no-renames",
        "--",
        str(subdir),
        cwd=clone,
    )
    changes: dict[str, FileChange] = {}
    for entry in listing.split(b"\0"):
        if not entry:
            continue
        status, path = entry[:2].decode(), entry[3:].decode("utf-8", "surrogateescape")
        if not (clone / path).exists():
            kind: ChangeKind = "deleted"
        elif status == "??" or "A" in status:
            kind = "added"
        else:
            kind = "modified"
        changes[path] = FileChange(path, kind)
    return [changes[path] for path in sorted(changes)]


def _conflicts(clone: Path, subdir: Path) -> list[str]:
    listing = git_bytes("ls-files", "-u", "-z", "--", str(subdir), cwd=clone)
    paths = {entry.split(b"\t", 1)[1].decode() for entry in listing.split(b"\0") if entry}
    return sorted(paths)


def _apply_changes(clone: Path, top: Path, changes: list[FileChange], backup: Path) -> None:
    """Copy the clone's result into the project; on any failure put every file back."""
    touched: list[tuple[Path, Path | None]] = []
    try:
        for change in changes:
            target = top / change.path
            saved: Path | None = None
            if target.exists() or target.is_symlink():
                saved = backup / change.path
                saved.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(target, saved, follow_symlinks=False)
            touched.append((target, saved))
            if change.kind == "deleted":
                target.unlink(missing_ok=True)
                _remove_empty_parents(target.parent, top)
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                staged = target.with_name(f".{target.name}.copilot-update")
                try:
                    shutil.copy2(clone / change.path, staged, follow_symlinks=False)
                    staged.replace(target)
                finally:
                    staged.unlink(missing_ok=True)
    except BaseException as error:
        for target, saved in reversed(touched):
            if saved is not None:
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(saved, target, follow_symlinks=False)
            else:
                target.unlink(missing_ok=True)
        if isinstance(error, KeyboardInterrupt):
            raise Interrupted("interrupted; the project is unchanged") from None
        raise UpdateFailedError(
            f"update failed while writing {target}: {error}; the project is unchanged"
        ) from None


def _remove_empty_parents(directory: Path, top: Path) -> None:
    while directory != top and directory.is_dir() and not any(directory.iterdir()):
        directory.rmdir()
        directory = directory.parent


def _record_conflicts(clone: Path, top: Path, conflicts: list[str]) -> None:
    """Mark conflicted files as unmerged in the project's index, as copier does in place,
    so `git status` and editors show them as conflicts to resolve."""
    listing = git_bytes("ls-files", "-u", "-z", "--", *conflicts, cwd=clone)
    lines = [f"0 {'0' * 40}\t{path}" for path in conflicts]
    for entry in listing.split(b"\0"):
        if not entry:
            continue
        meta, path = entry.decode().split("\t", 1)
        mode, sha, stage = meta.split()
        blob = git_bytes("cat-file", "blob", sha, cwd=clone)
        stored = git("hash-object", "-w", "--stdin", cwd=top, stdin=blob).strip()
        lines.append(f"{mode} {stored} {stage}\t{path}")
    git("update-index", "--index-info", cwd=top, stdin=("\n".join(lines) + "\n").encode())


def _relative_to(change: FileChange, subdir: Path) -> FileChange:
    return FileChange(str(Path(change.path).relative_to(subdir)), change.kind)
