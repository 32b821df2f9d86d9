"""Applying an approved proposal: exactly what was shown, only where allowed, all or nothing.

A saved proposal is a file anyone can write, so nothing it says about itself is trusted:

- What a person approves is `PreparedApply.diff`, recomputed from the edits that will be
  written, never the diff stored in the file; a stored diff that differs from it means the
  file was forged or damaged, and the proposal is refused.
- Every path goes through `WriteScope` (no absolute paths, `..`, symlinks, version-control
  folders or `.copilot/`, checked by name and again on disk).
- A proposal is reviewed against particular file contents. If a file changed since (the
  person kept typing, a formatter ran, another proposal was applied), the line numbers point
  at other code, so the proposal is refused, naming the file, rather than merged by guesswork.
- The writes, and the proposal's own `applied` mark, go through one `FileTransaction`: an
  error, Ctrl-C or SIGTERM rolls them back at once, and after `kill -9` the next apply rolls
  them back from the journal (`recover_interrupted`) before it does anything else.
- A proposal may also edit files of configured sources outside the project (named
  `<source>/<path>`); the same checks hold in each source's folder, and a change that spans
  the project and sources is one all-or-nothing change through a roots journal
  (`apply_roots`).

Refusals because of what the proposal says (a path, a diff, a malformed edit) are
`UsageError`s (exit 2); refusals because of the tree now (a changed file) and failed writes are
`ActionError`s (exit 1). Every message is one line and says that nothing was written.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from scaffolder.errors import ActionError, ApprovalError, UsageError
from scaffolder.journal import FileTransaction, Recovery, recover
from scaffolder.kit.agents.write_scope import WriteScope, checked_parts, same_file_key
from scaffolder.kit.code.apply_roots import RootChanges, commit_across_roots, recover_roots
from scaffolder.kit.code.proposals import (
    ID_PATTERN,
    PROPOSALS_DIR,
    EditProposal,
    apply_edits,
    fingerprint,
    proposal_bytes,
    unified_diff,
)

if TYPE_CHECKING:
    from scaffolder.kit.sources import Source

#: The rollback journal of `apply`, inside copilot's state folder (git-ignored in projects,
#: and a folder no proposal may write).
JOURNAL_DIR = Path(".copilot") / "journal" / "apply"


@dataclass(frozen=True)
class FileChange:
    #: The canonical relative path.
    path: str
    #: The bytes the proposal was made for; None for a file to create.
    before: bytes | None
    after: bytes


@dataclass(frozen=True)
class PreparedApply:
    """A proposal checked against the tree as it is now. `diff` (to show) and `changes` (to
    write) are both computed here from the same edits, so what is approved is what is written."""

    proposal: EditProposal
    scope: WriteScope
    changes: tuple[FileChange, ...]
    diff: str


@dataclass(frozen=True)
class Applied:
    proposal_id: str
    written: tuple[str, ...]
    created: tuple[str, ...]

    def summary(self) -> str:
        parts = []
        if self.written:
            parts.append(f"edited {', '.join(self.written)}")
        if self.created:
            parts.append(f"created {', '.join(self.created)}")
        return "; ".join(parts)


def recover_interrupted(root: Path) -> Recovery | None:
    """Roll back an apply that was killed midway, if one was (in the project alone or across
    roots); every apply calls this first."""
    try:
        across = recover_roots(Path(root))
        found = recover(root, Path(root) / JOURNAL_DIR)
        if across is not None:
            return Recovery(across.journal, (*across.restored, *(found.restored if found else ())))
        return found
    except OSError as error:
        raise ActionError(
            f"cannot roll back the interrupted apply journaled in {Path(root) / JOURNAL_DIR}: "
            f"{error.strerror or error}"
        ) from error


def apply_proposal(
    proposal: EditProposal,
    root: Path,
    *,
    approved: bool,
    sources: Sequence[Source] = (),
    record: bool = False,
) -> Applied:
    """Recover an interrupted apply, then check, recompute and write `proposal` under `root`.

    For callers that approved the proposal some other way (the agent, tests, benchmarks);
    `copilot apply` uses `prepare_apply` and `apply_prepared` so that it can show the
    recomputed diff between the two. `record` also marks the saved proposal as applied.
    """
    if not approved:
        raise ApprovalError(f"proposal {proposal.id} was not approved; nothing was written")
    recover_interrupted(root)
    plan = prepare_apply(proposal, root, sources=sources)
    return apply_prepared(plan, approved=True, record=record)


def prepare_apply(
    proposal: EditProposal, root: Path, *, sources: Sequence[Source] = ()
) -> PreparedApply:
    """Check `proposal` against the files under `root` now and recompute its diff.

    `sources` are the configured folders outside `root` that a change may write into, by
    their names (`WriteScope`). Raises as the module doc says; nothing is written.
    """
    if not re.match(ID_PATTERN, proposal.id):
        raise UsageError(f"refusing proposal {proposal.id!r}: not a valid proposal id")
    if proposal.status == "applied":
        raise ApprovalError(f"proposal {proposal.id} was already applied")
    scope = WriteScope.of(root, *sources)
    _check_names(proposal)
    before = _read_base(proposal, scope)
    texts = {f: b.decode("utf-8") if b is not None else "" for f, b in before.items()}
    try:
        after = apply_edits(texts, proposal.edits, proposal.base)
    except UsageError as error:
        raise UsageError(f"refusing proposal {proposal.id}: {error}") from error
    diff = unified_diff(texts, after, proposal.base)
    if diff != proposal.diff:
        raise UsageError(
            f"refusing proposal {proposal.id}: its recorded diff does not match its edits; "
            "nothing was written"
        )
    changes = tuple(FileChange(f, before[f], after[f].encode("utf-8")) for f in sorted(after))
    return PreparedApply(proposal, scope, changes, diff)


def apply_prepared(plan: PreparedApply, *, approved: bool, record: bool = False) -> Applied:
    """Write `plan`'s changes, all or none, after checking that nothing changed since it was
    prepared; with `record`, the saved proposal is marked applied in the same transaction."""
    proposal = plan.proposal
    if not approved:
        raise ApprovalError(f"proposal {proposal.id} was not approved; nothing was written")
    root = plan.scope.project
    _check_unchanged(plan)
    mark = proposal_bytes(replace(proposal, status="applied")) if record else None
    try:
        groups = _by_root(plan, mark)
        if [group.root for group in groups] in ([], [root]):
            _commit_in_project(plan, groups)
        else:
            _check_unchanged(plan)
            commit_across_roots(root, groups)
    except OSError as error:
        raise ActionError(
            f"cannot apply proposal {proposal.id}: cannot write {_failed(error, plan)} "
            f"({error.strerror or error}); nothing was written"
        ) from error
    created = tuple(c.path for c in plan.changes if c.before is None)
    written = tuple(c.path for c in plan.changes if c.before is not None)
    return Applied(proposal.id, written, created)


def _commit_in_project(plan: PreparedApply, groups: list[RootChanges]) -> None:
    """The common case, every change in the project: one `FileTransaction`."""
    root = plan.scope.project
    with FileTransaction(root, root / JOURNAL_DIR) as transaction:
        for group in groups:
            for path, after, _ in group.writes:
                transaction.write(path, after)
        _check_unchanged(plan)  # nothing changed while the transaction was staged
        transaction.commit()


def _by_root(plan: PreparedApply, mark: bytes | None) -> list[RootChanges]:
    """The plan's changes (and the `applied` mark, the project's) grouped by root, the
    project first, each path relative to its root."""
    writes: dict[Path, list[tuple[str, bytes, bytes | None]]] = {}
    for change in plan.changes:
        base, parts = plan.scope.split(change.path)
        writes.setdefault(base, []).append(("/".join(parts), change.after, change.before))
    if mark is not None:
        saved = plan.scope.project / PROPOSALS_DIR / f"{plan.proposal.id}.json"
        old = saved.read_bytes() if saved.is_file() else None
        entry = (str(PROPOSALS_DIR / f"{plan.proposal.id}.json"), mark, old)
        writes.setdefault(plan.scope.project, []).append(entry)
    order = sorted(writes, key=lambda base: base != plan.scope.project)
    return [RootChanges(base, tuple(writes[base])) for base in order]


def _check_names(proposal: EditProposal) -> None:
    """Every path allowed by name and in canonical form, each file named once (also on a
    case-insensitive filesystem), and edits and base naming the same files (an edit outside
    the base would otherwise be silently dropped)."""
    seen: dict[str, str] = {}
    for file in proposal.base:
        key = _path_key(proposal, file)
        if "/".join(checked_parts(file)) != file:
            raise UsageError(f"refusing proposal {proposal.id}: {file!r} is not in canonical form")
        other = seen.setdefault(key, file)
        if other != file:
            raise UsageError(f"refusing proposal {proposal.id}: {other} and {file} may be one file")
    for edit in proposal.edits:
        if edit.file not in proposal.base:
            _path_key(proposal, edit.file)
            raise UsageError(
                f"refusing proposal {proposal.id}: it edits {edit.file}, which its base does "
                "not list"
            )
    missing = sorted(set(proposal.base) - {edit.file for edit in proposal.edits})
    if missing:
        raise UsageError(f"refusing proposal {proposal.id}: it lists {missing[0]} but no edit")


def _path_key(proposal: EditProposal, file: str) -> str:
    try:
        return same_file_key(file)
    except UsageError as error:
        raise UsageError(f"refusing proposal {proposal.id}: {error}") from error


def _read_base(proposal: EditProposal, scope: WriteScope) -> dict[str, bytes | None]:
    """Each touched file's bytes now (None: to create), refusing any that changed since."""
    before: dict[str, bytes | None] = {}
    for file, expected in sorted(proposal.base.items()):
        try:
            target = scope.target(file)
        except UsageError as error:
            raise UsageError(f"refusing proposal {proposal.id}: {error}") from error
        if expected is None:
            if os.path.lexists(target):
                raise ActionError(
                    f"refusing proposal {proposal.id}: {file} already exists and would be "
                    "overwritten"
                )
            before[file] = None
            continue
        try:
            data = target.read_bytes()
        except FileNotFoundError as exc:
            raise ActionError(f"refusing proposal {proposal.id}: {file} no longer exists") from exc
        except OSError as error:
            raise ActionError(
                f"refusing proposal {proposal.id}: cannot read {file} ({error.strerror})"
            ) from error
        if fingerprint(data) != expected:
            raise ActionError(
                f"refusing proposal {proposal.id}: {file} changed since it was proposed; "
                "ask for a new proposal"
            )
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise UsageError(f"refusing proposal {proposal.id}: {file} is not UTF-8 text") from exc
        before[file] = data
    return before


def _check_unchanged(plan: PreparedApply) -> None:
    """The tree still holds what `plan` was prepared from, paths checked on disk again."""
    now = _read_base(plan.proposal, plan.scope)
    for change in plan.changes:
        if now[change.path] != change.before:
            raise ActionError(
                f"refusing proposal {plan.proposal.id}: {change.path} changed since it was "
                "shown; nothing was written"
            )


def _failed(error: OSError, plan: PreparedApply) -> str:
    """Which of the plan's files an OS error was about (its temporary file counts)."""
    for name in (error.filename2, error.filename):
        if not name:
            continue
        failed = Path(os.fsdecode(name))
        for change in plan.changes:
            base, parts = plan.scope.split(change.path)
            target = base.joinpath(*parts)
            temporary = failed.parent == target.parent and failed.name.startswith(
                f".{target.name}."
            )
            if failed == target or temporary:
                return change.path
    return "the files"
