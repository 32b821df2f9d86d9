"""The actions a skill or agent may propose, and the one place they are carried out.

Why a closed set: every action goes through approval and the audit log, so each must be
describable in one line to a person deciding y/N, serialisable to JSON for the log and the
API, and confined to the project folder. Three kinds cover what copilots do to a workspace:

- `EditFile`: replace one exact occurrence of `old` with `new` in an existing file;
- `CreateFiles`: write new files (never overwrites an existing one);
- `RunCommand`: run a program from an allowlist, without a shell, with a timeout.
"""

from __future__ import annotations

import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from scaffolder.errors import ActionError, CopilotError, UnsafePathError
from scaffolder.journal import FileTransaction, recover
from scaffolder.kit.agents.write_scope import WriteScope

ActionKind = Literal["edit_file", "create_files", "run_command"]
ACTION_KINDS: tuple[ActionKind, ...] = ("edit_file", "create_files", "run_command")
#: The rollback journal of file actions, in copilot's state folder (which no action writes).
JOURNAL_DIR = Path(".copilot") / "journal" / "actions"
#: Output kept from a command, from its end (where errors are), so the log stays small.
_OUTPUT_CHARS = 4000


@dataclass(frozen=True)
class EditFile:
    path: str
    old: str
    new: str
    kind: Literal["edit_file"] = "edit_file"

    def summary(self) -> str:
        return f"edit {self.path}: replace {_lines(self.old)} with {_lines(self.new)}"


@dataclass(frozen=True)
class CreateFiles:
    #: Relative path to content.
    files: Mapping[str, str]
    kind: Literal["create_files"] = "create_files"

    def summary(self) -> str:
        return f"create {len(self.files)} file(s): {', '.join(sorted(self.files))}"


@dataclass(frozen=True)
class RunCommand:
    argv: tuple[str, ...]
    kind: Literal["run_command"] = "run_command"

    def summary(self) -> str:
        return "run " + " ".join(self.argv)


Action = EditFile | CreateFiles | RunCommand


def action_to_dict(action: Action) -> dict[str, Any]:
    if isinstance(action, EditFile):
        return {"kind": action.kind, "path": action.path, "old": action.old, "new": action.new}
    if isinstance(action, CreateFiles):
        return {"kind": action.kind, "files": dict(action.files)}
    return {"kind": action.kind, "argv": list(action.argv)}


@dataclass(frozen=True)
class ActionOutcome:
    """What carrying out an action did, in words, and for a command its exit code."""

    ok: bool
    detail: str
    exit_code: int | None = None


@dataclass
class Workspace:
    """Carries out approved actions inside `root`; commands only from `allowed_commands`.

    `allowed_commands` holds program names (`argv[0]`, e.g. `pytest`, `ruff`); an empty set
    allows none, which is the safe default.
    """

    root: Path
    allowed_commands: frozenset[str] = field(default_factory=frozenset)
    command_timeout_s: float = 120.0

    def check(self, action: Action) -> None:
        """Raise `ActionError` now for an action that could never run, before asking anyone."""
        if isinstance(action, EditFile):
            self._inside(action.path)
        elif isinstance(action, CreateFiles):
            if not action.files:
                raise ActionError("a create_files action needs at least one file")
            for path in action.files:
                self._inside(path)
        elif not action.argv or action.argv[0] not in self.allowed_commands:
            allowed = ", ".join(sorted(self.allowed_commands)) or "none"
            program = action.argv[0] if action.argv else "(empty)"
            raise ActionError(f"command {program!r} is not allowed (allowed: {allowed})")

    def run(self, action: Action) -> ActionOutcome:
        self.check(action)
        if isinstance(action, EditFile):
            return self._edit(action)
        if isinstance(action, CreateFiles):
            return self._create(action)
        return self._command(action)

    def _inside(self, relative: str) -> Path:
        """The checked target: `WriteScope` refuses paths outside the workspace, through a
        symlink, or into a version-control folder or `.copilot/`."""
        try:
            return WriteScope.of(self.root).target(relative)
        except UnsafePathError as error:
            raise ActionError(f"refusing to write outside the workspace: {error}") from error

    def _edit(self, action: EditFile) -> ActionOutcome:
        target = self._inside(action.path)
        if not target.is_file():
            raise ActionError(f"cannot edit {action.path}: no such file")
        text = target.read_text(encoding="utf-8")
        found = text.count(action.old)
        if found != 1:
            raise ActionError(
                f"cannot edit {action.path}: the text to replace occurs {found} times, not once"
            )
        self._write({action.path: text.replace(action.old, action.new)})
        return ActionOutcome(True, f"edited {action.path}")

    def _create(self, action: CreateFiles) -> ActionOutcome:
        targets = {path: self._inside(path) for path in action.files}
        existing = sorted(path for path, target in targets.items() if target.exists())
        if existing:
            raise ActionError(f"will not overwrite existing file(s): {', '.join(existing)}")
        self._write(dict(action.files))
        return ActionOutcome(True, f"created {', '.join(sorted(targets))}")

    def _write(self, files: Mapping[str, str]) -> None:
        """All files or none, each replaced by a new file (so a hard link to the old one, say
        into `.git/`, is never written through); a kill midway is rolled back next time."""
        journal = self.root / JOURNAL_DIR
        try:
            recover(self.root, journal)
            with FileTransaction(self.root, journal) as transaction:
                for path, text in files.items():
                    transaction.write(WriteScope.of(self.root).canonical(path), text.encode())
                transaction.commit()
        except (OSError, CopilotError) as error:
            raise ActionError(f"cannot write {', '.join(sorted(files))}: {error}") from error

    def _command(self, action: RunCommand) -> ActionOutcome:
        try:
            done = subprocess.run(
                list(action.argv),
                cwd=self.root,
                capture_output=True,
                text=True,
                timeout=self.command_timeout_s,
                check=False,
            )
        except FileNotFoundError as exc:
            raise ActionError(f"command {action.argv[0]!r} was not found") from exc
        except subprocess.TimeoutExpired as exc:
            raise ActionError(
                f"{action.summary()} took longer than {self.command_timeout_s:g} s"
            ) from exc
        output = (done.stdout + done.stderr)[-_OUTPUT_CHARS:]
        return ActionOutcome(done.returncode == 0, output, done.returncode)


def _lines(text: str) -> str:
    count = len(text.splitlines()) or 1
    return f"{count} line{'s' if count != 1 else ''}"
