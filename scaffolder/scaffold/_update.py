"""`copilot update`: bring a project to the installed template version, transactionally.

Copier's update writes straight into the project and, when it fails midway, leaves a
half-updated working tree. So copilot runs it in a throwaway clone of the project's last
commit (the tree must be clean, so the clone holds exactly the project's tracked files),
reads what changed there, and only then copies those files into the project in one journaled
transaction (`_update_apply`), so no failure, signal or `kill -9` leaves a mix of old and new
files. A file the new template deletes but the user changed is kept and reported as a
conflict. `--pretend` is the same run without the copy.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from copier import run_copy, run_update
from copier.errors import CopierError, UnsafeTemplateError
from packaging.version import Version

from scaffolder.errors import (
    Interrupted,
    TemplateHistoryError,
    UpdateFailedError,
    UpdateRefusedError,
    first_line,
)
from scaffolder.faults import crash_point
from scaffolder.journal import handle_termination
from scaffolder.scaffold._answers import validate_project_name
from scaffolder.scaffold._copier import UNSAFE_TEMPLATE, quiet_copier
from scaffolder.scaffold._git import dirty_paths, git, git_bytes, is_work_tree, toplevel
from scaffolder.scaffold._history import TemplateHistory, bundle_tags, version_of_tag
from scaffolder.scaffold._new import ANSWERS_FILE
from scaffolder.scaffold._update_apply import (
    ChangeKind,
    FileChange,
    MergedUpdate,
    apply_update,
    recover_interrupted_update,
    scratch_folder,
    update_journal_dir,
)

__all__ = [
    "FileChange",
    "UpdateRequest",
    "UpdateResult",
    "apply_update",
    "prepare_update",
    "recover_interrupted_update",
    "update_journal_dir",
    "update_project",
]


@dataclass(frozen=True)
class UpdateRequest:
    path: Path
    data: Mapping[str, object] = field(default_factory=dict)
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
    kept: list[str] = field(default_factory=list)

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


def read_project_answers(project: Path) -> dict[str, object]:
    try:
        loaded = yaml.safe_load((project / ANSWERS_FILE).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise UpdateRefusedError(f"cannot read {project / ANSWERS_FILE}: {error}") from error
    if not isinstance(loaded, dict):
        raise UpdateRefusedError(f"{project / ANSWERS_FILE} is not a mapping of answers")
    return loaded


def update_project(request: UpdateRequest, history: TemplateHistory | None = None) -> UpdateResult:
    """Update the project at or above `request.path`; raise `CopilotError` when refused/failed.

    An update interrupted earlier (its journal still in `.git/copilot/`) is rolled back
    first, so the clean-tree check sees the project as it was."""
    project = _checked_project(request.path)
    recover_interrupted_update(project)
    top = toplevel(project)
    with handle_termination(), scratch_folder(top) as scratch:
        prepared = prepare_update(request, scratch, history)
        if prepared.merged is not None and prepared.merged.changes and not request.pretend:
            apply_update(top, prepared.merged)
    return prepared.result


@dataclass(frozen=True)
class PreparedUpdate:
    """An update computed in the clone and not yet copied: the result to report and what
    `apply_update` copies (None when the project is up to date)."""

    result: UpdateResult
    merged: MergedUpdate | None


def prepare_update(
    request: UpdateRequest, scratch: Path, history: TemplateHistory | None = None
) -> PreparedUpdate:
    """Every check, then copier's merge in a clone under `scratch`; the project is not
    touched (`update_project` copies the result in; the fault-injection tests reuse it)."""
    project = _checked_project(request.path)
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
        unchanged = UpdateResult(
            project, plan.from_version, plan.from_version, [], [], request.pretend
        )
        return PreparedUpdate(unchanged, None)
    top = toplevel(project)
    subdir = project.relative_to(top)
    clone = scratch / "clone"
    git("clone", "--quiet", "--no-checkout", str(top), str(clone))
    head = git("rev-parse", "HEAD", cwd=top).strip()
    git("checkout", "--quiet", "--detach", head, cwd=clone)
    crash_point("update: clone ready")
    _run_copier_update(clone / subdir, request, plan.target_ref)
    crash_point("update: merged in the clone")
    _regenerate_prompt_lock(clone, subdir)
    changes = _changes(clone, subdir)
    conflicts = _conflicts(clone, subdir)
    deleted = [c.path for c in changes if c.kind == "deleted"]
    kept = _changed_by_user(top, deleted, answers, request, scratch / "old", subdir)
    changes = [c for c in changes if c.path not in kept]
    new_answers = read_project_answers(clone / subdir)
    to_version = new_answers.get("_commit")
    result = UpdateResult(
        project=project,
        from_version=plan.from_version,
        to_version=str(to_version) if to_version is not None else None,
        changes=[_relative_to(change, subdir) for change in changes],
        conflicts=sorted(str(Path(path).relative_to(subdir)) for path in [*conflicts, *kept]),
        pretend=request.pretend,
        kept=[str(Path(path).relative_to(subdir)) for path in kept],
    )
    return PreparedUpdate(result, MergedUpdate(clone, tuple(changes), tuple(conflicts)))


def _regenerate_prompt_lock(clone: Path, subdir: Path) -> None:
    """Write `prompts.lock` anew from the merged prompts, in the clone, so it is copied into
    the project with everything else (one transaction).

    Why: the lock is derived from the prompts (each one's version and file hashes). When the
    template and the user both changed a prompt, copier merges the prompt files but can only
    conflict-mark the lock, whose every version line differs on both sides; what the lock
    must say is fully determined by the merged prompts, so it is recomputed, and its unmerged
    entries in the clone's index are resolved. A prompt left with conflict markers is hashed
    as it is: `copilot prompts lock --check` then fails until the user resolves it and
    re-locks. A project without a lock gets none, a merge that touched neither the prompts nor
    the lock leaves it alone, and prompts that cannot be read leave copier's result (and its
    conflict) for the user."""
    from scaffolder.kit.prompts import PromptError, PromptLibrary
    from scaffolder.kit.prompts.versions import LOCK_NAME, LockFile, snapshot

    project = clone / subdir
    lock = LockFile.for_project(project)
    touched = git("status", "--porcelain", "--", (subdir / LOCK_NAME).as_posix(),
                  (subdir / "prompts").as_posix(), cwd=clone)  # fmt: skip
    if not lock.exists() or not touched.strip():
        return  # no lock, or the merge changed neither the prompts nor the lock
    try:
        current = snapshot(PromptLibrary.for_project(project))
    except PromptError:
        return
    lock.write(current)
    git("add", "--", (subdir / LOCK_NAME).as_posix(), cwd=clone)


def _checked_project(start: Path) -> Path:
    project = find_generated_project(start)
    if not is_work_tree(project):
        raise UpdateRefusedError(
            f"{project} is not in a git repository; updates merge through git "
            "(run `git init && git add -A && git commit -m init` first)"
        )
    return project


def _changed_by_user(
    top: Path,
    deleted: list[str],
    answers: dict[str, object],
    request: UpdateRequest,
    old: Path,
    subdir: Path,
) -> list[str]:
    """The files the update deletes that the user changed since they were generated.

    Copier deletes a file the new template dropped even when the user edited it. To know
    whether they did, render the project's own template version with its recorded answers
    (what copier generated back then) and compare; only then is a deletion safe."""
    if not deleted:
        return []
    data = {key: value for key, value in answers.items() if not key.startswith("_")}
    try:
        with quiet_copier():
            run_copy(
                str(answers["_src_path"]),
                old,
                data=data,
                vcs_ref=str(answers["_commit"]),
                defaults=True,
                overwrite=True,
                unsafe=request.trust,
                quiet=True,
            )
    except KeyboardInterrupt:
        raise Interrupted("interrupted; the project is unchanged") from None
    except (CopierError, ValueError, TypeError, OSError) as error:
        raise UpdateFailedError(
            f"update failed re-rendering templates {answers.get('_commit')}: "
            f"{first_line(error)}; the project is unchanged"
        ) from error
    return [path for path in deleted if not _same(top / path, old / Path(path).relative_to(subdir))]


def _same(mine: Path, generated: Path) -> bool:
    if mine.is_symlink() or generated.is_symlink():
        return (
            mine.is_symlink() and generated.is_symlink() and mine.readlink() == generated.readlink()
        )
    return generated.is_file() and mine.is_file() and mine.read_bytes() == generated.read_bytes()


def _check_new_answers(answers: dict[str, object], data: Mapping[str, object]) -> None:
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


def _plan(
    answers: dict[str, object], history: TemplateHistory, data: Mapping[str, object]
) -> _Plan:
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
                data=dict(request.data),
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
    except UnsafeTemplateError as exc:
        raise UpdateRefusedError(f"the template {UNSAFE_TEMPLATE}") from exc
    except (ValueError, TypeError) as error:
        if _names_an_answer(error, request.data):
            raise UpdateRefusedError(
                f"invalid answer: {first_line(error)}; the project is unchanged"
            ) from error
        raise UpdateFailedError(
            f"update failed: {first_line(error)}; the project is unchanged"
        ) from error
    except Exception as error:  # any failure at all: the project itself is untouched
        raise UpdateFailedError(
            f"update failed: {first_line(error)}; the project is unchanged"
        ) from error


def _names_an_answer(error: BaseException, data: Mapping[str, object]) -> bool:
    """Whether copier rejected one of the answers given with `-d` (a bad choice, a failed
    validator, a wrong type): the user's input, so exit 2 rather than "update failed"."""
    message = str(error)
    return any(f"'{key}'" in message or f'"{key}"' in message for key in data)


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


def _relative_to(change: FileChange, subdir: Path) -> FileChange:
    return FileChange(str(Path(change.path).relative_to(subdir)), change.kind)
