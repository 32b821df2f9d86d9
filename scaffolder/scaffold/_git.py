"""Running git: one place that turns its failures into readable errors."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from scaffolder.errors import CopilotError

FALLBACK_IDENTITY = ("copilot", "copilot@localhost")


class GitError(CopilotError):
    """A git command failed; the message carries git's own first line of complaint."""

    exit_code = 1


def git_available() -> bool:
    return shutil.which("git") is not None


def git(*args: str, cwd: Path | None = None, stdin: bytes | None = None, check: bool = True) -> str:
    """Run git and return its standard output as text."""
    return git_bytes(*args, cwd=cwd, stdin=stdin, check=check).decode("utf-8", "surrogateescape")


def git_bytes(
    *args: str, cwd: Path | None = None, stdin: bytes | None = None, check: bool = True
) -> bytes:
    """Run git and return its raw standard output (for -z listings and blobs)."""
    if not git_available():
        raise GitError("git is not installed or not on PATH; copilot needs it for projects")
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
    completed = subprocess.run(
        ["git", *args], cwd=cwd, input=stdin, capture_output=True, env=env, check=False
    )
    if check and completed.returncode != 0:
        detail = completed.stderr.decode("utf-8", "replace").strip().splitlines()
        first = detail[0] if detail else f"exit code {completed.returncode}"
        raise GitError(f"git {args[0]} failed: {first}")
    return completed.stdout


def identity_args(cwd: Path, fallback_name: str | None = None) -> list[str]:
    """`-c user.name=... -c user.email=...` when git has no identity configured here.

    A fresh CI machine or container often has none, and `copilot new` must still be able to
    make the project's first commit.
    """
    args: list[str] = []
    name = git("config", "user.name", cwd=cwd, check=False).strip()
    email = git("config", "user.email", cwd=cwd, check=False).strip()
    if not name and not os.environ.get("GIT_AUTHOR_NAME"):
        args += ["-c", f"user.name={fallback_name or FALLBACK_IDENTITY[0]}"]
    if not email and not os.environ.get("GIT_AUTHOR_EMAIL"):
        args += ["-c", f"user.email={FALLBACK_IDENTITY[1]}"]
    return args


def is_work_tree(path: Path) -> bool:
    return git("rev-parse", "--is-inside-work-tree", cwd=path, check=False).strip() == "true"


def toplevel(path: Path) -> Path:
    return Path(git("rev-parse", "--show-toplevel", cwd=path).strip())


def dirty_paths(path: Path) -> list[str]:
    """Modified, staged and untracked (not ignored) paths under `path`."""
    out = git_bytes("status", "--porcelain=v1", "-z", "--untracked-files=all", "--", ".", cwd=path)
    return [entry[3:].decode("utf-8", "surrogateescape") for entry in out.split(b"\0") if entry]
