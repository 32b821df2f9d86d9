"""Edit proposals: structured edits, their diff, and the state of the files they were made for.

Why both structure and a diff: the structured edits (file, line range, mode, new text) are what
gets applied, and they can be checked and re-applied exactly; the unified diff is the record an
editor shows when the proposal is made and what `git apply` can verify. A saved proposal is a
file anyone can edit, so its diff is never trusted: `apply` recomputes the diff from the edits,
shows that, and refuses a proposal whose recorded diff differs. The base fingerprint (sha256 of
each touched file when the proposal was made, or None for a file that must not exist yet) lets
`apply` refuse a proposal whose files changed since, instead of editing lines that now hold
something else.

Edits are whole lines: a partial-line selection is widened to its lines, since code is edited
and reviewed in lines. Lines count from 1 and ranges include both ends.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from scaffolder.errors import UsageError
from scaffolder.kit.agents.write_scope import WriteScope, same_file_key

if TYPE_CHECKING:
    from scaffolder.kit.sources import Source

EditMode = Literal["replace_selection", "insert_below", "create_file"]
EDIT_MODES: tuple[EditMode, ...] = ("replace_selection", "insert_below", "create_file")
PROPOSALS_DIR = Path(".copilot") / "proposals"
#: What a proposal id may look like: it names the proposal's file, and it is displayed.
ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"


@dataclass(frozen=True)
class Edit:
    """One change: replace lines start..end, insert after line `end_line`, or create `file`.

    For `insert_below`, `end_line` 0 inserts at the top; `start_line` is ignored. For
    `create_file` both are 0.
    """

    file: str
    mode: EditMode
    new_text: str
    start_line: int = 0
    end_line: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "mode": self.mode,
            "start_line": self.start_line,
            "end_line": self.end_line,
            "new_text": self.new_text,
        }


@dataclass(frozen=True)
class EditProposal:
    id: str
    edits: tuple[Edit, ...]
    #: Why this edit, and why it replaces or inserts, for the person approving it.
    rationale: str
    #: Relative path -> sha256 of the file's bytes when proposed; None: must not exist.
    base: Mapping[str, str | None]
    diff: str
    #: Who proposed it: a skill name.
    source: str = ""
    status: Literal["proposed", "applied"] = "proposed"
    meta: Mapping[str, Any] = field(default_factory=dict)

    @property
    def files(self) -> list[str]:
        return sorted(self.base)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "source": self.source,
            "status": self.status,
            "rationale": self.rationale,
            "base": dict(self.base),
            "edits": [edit.to_dict() for edit in self.edits],
            "diff": self.diff,
            "meta": dict(self.meta),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> EditProposal:
        """Rebuild a saved proposal; raises `UsageError` naming what is missing or wrong."""
        try:
            edits = tuple(_edit_from_dict(raw) for raw in data["edits"])
            base = {str(k): (None if v is None else str(v)) for k, v in data["base"].items()}
            status = data.get("status", "proposed")
            if status not in ("proposed", "applied"):
                raise ValueError(f"unknown status {status!r}")
            return cls(
                id=str(data["id"]),
                edits=edits,
                rationale=str(data.get("rationale", "")),
                base=base,
                diff=str(data["diff"]),
                source=str(data.get("source", "")),
                status=status,
                meta=dict(data.get("meta", {})),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise UsageError(f"not a valid edit proposal: {error}") from error


def fingerprint(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def propose(
    root: Path,
    edits: Sequence[Edit],
    *,
    rationale: str,
    source: str = "",
    sources: Sequence[Source] = (),
) -> EditProposal:
    """An `EditProposal` for `edits` against the files under `root` (and, named
    `<source>/<path>`, of the configured `sources`) as they are now.

    Raises `UsageError` for a path `WriteScope` refuses (outside `root`, in `.git/`, through a
    symlink...), a range outside its file, overlapping edits of one file, or a `create_file`
    onto an existing file (caught here, before anyone is asked). Paths are stored in their
    canonical form (`./a.py` becomes `a.py`), so one file has one name in the proposal.
    """
    if not edits:
        raise UsageError("a proposal needs at least one edit")
    scope = WriteScope.of(root, *sources)
    edits = [replace(edit, file=scope.canonical(edit.file)) for edit in edits]
    base: dict[str, str | None] = {}
    before: dict[str, str] = {}
    names: dict[str, str] = {}
    for edit in edits:
        if edit.file in base:
            continue
        other = names.setdefault(same_file_key(edit.file), edit.file)
        if other != edit.file:
            raise UsageError(f"{edit.file} and {other} may be one file; name it one way")
        target = scope.target(edit.file)
        if edit.mode == "create_file":
            if target.exists():
                raise UsageError(f"cannot create {edit.file}: it already exists")
            base[edit.file], before[edit.file] = None, ""
        else:
            if not target.is_file():
                raise UsageError(f"cannot edit {edit.file}: no such file under {root}")
            data = target.read_bytes()
            base[edit.file], before[edit.file] = fingerprint(data), _decode(data, edit.file)
    after = apply_edits(before, edits, base)
    diff = unified_diff(before, after, base)
    return EditProposal(content_id(base, edits), tuple(edits), rationale, base, diff, source)


def content_id(base: Mapping[str, str | None], edits: Sequence[Edit]) -> str:
    """The id `propose` gives these edits of these file states: a hash of both, so a saved
    proposal whose edits or base were changed afterwards no longer matches its own id."""
    payload = json.dumps([dict(base), [e.to_dict() for e in edits]], sort_keys=True).encode()
    return f"e{fingerprint(payload)[:11]}"


def apply_edits(
    before: Mapping[str, str], edits: Sequence[Edit], base: Mapping[str, str | None]
) -> dict[str, str]:
    """Each touched file's text after `edits`; edits of one file go bottom-up so that line
    numbers refer to the text as proposed."""
    after: dict[str, str] = {}
    for file in base:
        mine = [edit for edit in edits if edit.file == file]
        if base[file] is None:
            if len(mine) != 1 or mine[0].mode != "create_file":
                raise UsageError(f"{file}: a new file takes exactly one create_file edit")
            after[file] = _terminated(mine[0].new_text)
            continue
        lines = split_keeping_ends(before[file])
        newline = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
        lower_bound = len(lines) + 1
        for edit in sorted(mine, key=lambda e: (e.end_line, e.start_line), reverse=True):
            new = split_keeping_ends(_terminated(edit.new_text).replace("\n", newline))
            if edit.mode == "create_file":
                raise UsageError(f"cannot create {file}: it already exists")
            if edit.mode == "replace_selection":
                if not 1 <= edit.start_line <= edit.end_line <= len(lines):
                    raise UsageError(
                        f"{file}: lines {edit.start_line}-{edit.end_line} are outside the file "
                        f"(1-{len(lines)})"
                    )
                start, stop = edit.start_line - 1, edit.end_line
            else:
                if not 0 <= edit.end_line <= len(lines):
                    raise UsageError(f"{file}: cannot insert below line {edit.end_line}")
                start = stop = edit.end_line
            if stop >= lower_bound:
                raise UsageError(f"{file}: edits overlap at line {edit.end_line}")
            if start > 0 and not lines[start - 1].endswith(("\n", "\r")):
                lines[start - 1] += newline  # inserting after a last line without newline
            lines[start:stop] = new
            lower_bound = start + 1
        after[file] = "".join(lines)
    return after


def unified_diff(
    before: Mapping[str, str], after: Mapping[str, str], base: Mapping[str, str | None]
) -> str:
    """A `git apply`-able unified diff of every touched file, in path order."""
    parts: list[str] = []
    for file in sorted(base):
        old = split_keeping_ends(before[file])
        new = split_keeping_ends(after[file])
        created = base[file] is None
        if created:
            parts.append(f"diff --git a/{file} b/{file}\nnew file mode 100644\n")
        else:
            parts.append(f"diff --git a/{file} b/{file}\n")
        lines = difflib.unified_diff(
            old, new, "/dev/null" if created else f"a/{file}", f"b/{file}", n=3
        )
        for line in lines:
            parts.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(parts)


def save_proposal(proposal: EditProposal, root: Path) -> Path:
    """Write `proposal` to `<root>/.copilot/proposals/<id>.json` and return that path."""
    folder = root / PROPOSALS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{proposal.id}.json"
    path.write_bytes(proposal_bytes(proposal))
    return path


def proposal_bytes(proposal: EditProposal) -> bytes:
    """A proposal's JSON file content, as `save_proposal` writes it."""
    return (json.dumps(proposal.to_dict(), indent=2) + "\n").encode("utf-8")


def load_proposal(reference: str, root: Path) -> tuple[EditProposal, Path]:
    """A saved proposal by id (looked up under `root`) or by the path of its JSON file."""
    candidate = Path(reference)
    path = candidate if candidate.suffix == ".json" else root / PROPOSALS_DIR / f"{reference}.json"
    if not path.is_file():
        raise UsageError(f"no proposal {reference!r} (looked for {path})")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise UsageError(f"cannot read proposal {path}: {error}") from error
    if not isinstance(data, dict):
        raise UsageError(f"{path} does not hold a proposal object")
    return EditProposal.from_dict(data), path


def _edit_from_dict(raw: Mapping[str, Any]) -> Edit:
    mode = raw["mode"]
    if mode not in EDIT_MODES:
        raise ValueError(f"unknown edit mode {mode!r} (known: {', '.join(EDIT_MODES)})")
    return Edit(
        file=str(raw["file"]),
        mode=mode,
        new_text=str(raw["new_text"]),
        start_line=int(raw.get("start_line", 0)),
        end_line=int(raw.get("end_line", 0)),
    )


def _decode(data: bytes, file: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UsageError(f"{file} is not UTF-8 text") from exc


def split_keeping_ends(text: str) -> list[str]:
    """Lines with their `\\n` (or `\\r\\n`), split at `\\n` only, as `lines_of` counts them."""
    parts = text.split("\n")
    lines = [part + "\n" for part in parts[:-1]]
    return [*lines, parts[-1]] if parts[-1] else lines


def _terminated(text: str) -> str:
    return text if not text or text.endswith("\n") else text + "\n"
