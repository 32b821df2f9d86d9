"""Applying an approved proposal: every file or none, and only onto the files it was made for.

Why so strict: a proposal is reviewed as a diff against particular file contents. If a file
changed since (the person kept typing, a formatter ran, another proposal was applied), the
line numbers point at other code, so the proposal is refused, naming the file, rather than
merged by guesswork. Writing is two-phase: every new content goes to a temporary file next to
its target first, and only when all are written are they moved into place (`os.replace`, or a
hard link for new files so that an existing file is never overwritten); if a move fails, the
files already moved are put back, so a failure leaves the tree as it was.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from scaffolder.errors import ActionError, ApprovalError, UsageError
from scaffolder.kit.code.context import inside
from scaffolder.kit.code.proposals import EditProposal, apply_edits, fingerprint


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


def apply_proposal(proposal: EditProposal, root: Path, *, approved: bool) -> Applied:
    """Write `proposal`'s edits under `root`, all or nothing; see the module doc.

    Raises `ApprovalError` unless `approved`, and `ActionError` (naming the file) for a path
    outside `root`, a file changed since the proposal, or a file to create that exists.
    """
    if not approved:
        raise ApprovalError(f"proposal {proposal.id} was not approved; nothing was written")
    if proposal.status == "applied":
        raise ApprovalError(f"proposal {proposal.id} was already applied")
    targets, before = _check_base(proposal, root)
    after = apply_edits(before, proposal.edits, proposal.base)
    staged: dict[str, Path] = {}
    try:
        for file, text in after.items():
            try:
                staged[file] = _stage(targets[file], text)
            except OSError as error:
                raise ActionError(
                    f"cannot apply proposal {proposal.id}: cannot write {file} "
                    f"({error.strerror or error}); nothing was written"
                ) from None
        _check_base(proposal, root)  # nothing changed while staging
        _commit(proposal, targets, staged, before)
    finally:
        for temporary in staged.values():
            temporary.unlink(missing_ok=True)
    created = tuple(sorted(f for f, sha in proposal.base.items() if sha is None))
    written = tuple(sorted(f for f, sha in proposal.base.items() if sha is not None))
    return Applied(proposal.id, written, created)


def _check_base(proposal: EditProposal, root: Path) -> tuple[dict[str, Path], dict[str, str]]:
    targets: dict[str, Path] = {}
    before: dict[str, str] = {}
    for file, expected in proposal.base.items():
        try:
            target = inside(root, file)
        except UsageError as error:
            raise ActionError(f"refusing proposal {proposal.id}: {error}") from None
        targets[file] = target
        if expected is None:
            if target.exists() or target.is_symlink():
                raise ActionError(
                    f"refusing proposal {proposal.id}: {file} already exists and would be "
                    "overwritten"
                )
            before[file] = ""
            continue
        if not target.is_file():
            raise ActionError(f"refusing proposal {proposal.id}: {file} no longer exists")
        data = target.read_bytes()
        if fingerprint(data) != expected:
            raise ActionError(
                f"refusing proposal {proposal.id}: {file} changed since it was proposed; "
                "ask for a new proposal"
            )
        before[file] = data.decode("utf-8")
    return targets, before


def _stage(target: Path, text: str) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=".copilot-tmp", dir=target.parent
    )
    with os.fdopen(handle, "wb") as out:
        out.write(text.encode("utf-8"))
        out.flush()
        os.fsync(out.fileno())
    if target.exists():
        Path(name).chmod(target.stat().st_mode & 0o7777)
    else:
        Path(name).chmod(0o644)  # mkstemp's 0600 would hide a new source file from others
    return Path(name)


def _commit(
    proposal: EditProposal,
    targets: dict[str, Path],
    staged: dict[str, Path],
    before: dict[str, str],
) -> None:
    done: list[str] = []
    try:
        for file in sorted(staged):
            if proposal.base[file] is None:
                try:
                    os.link(staged[file], targets[file])  # fails if it exists: never overwrites
                except FileExistsError:
                    raise ActionError(
                        f"refusing proposal {proposal.id}: {file} already exists and would be "
                        "overwritten"
                    ) from None
            else:
                staged[file].replace(targets[file])
            done.append(file)
    except BaseException:
        for file in reversed(done):
            if proposal.base[file] is None:
                targets[file].unlink(missing_ok=True)
            else:
                targets[file].write_bytes(before[file].encode("utf-8"))
        raise
