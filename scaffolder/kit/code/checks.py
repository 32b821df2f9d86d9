"""Structural checks of a proposal, for tests and benchmarks of the code assistant.

Why structural: whether a model's edit is *good* needs a person or a judge, but whether it is
*broken* can be checked mechanically, and those failures are the common ones: code that does
not parse, an answer cut off mid-function or with "rest of the code here" placeholders, a diff
that does not apply to the files it claims to change, and an edit that breaks the project's
tests. Each check returns a `Check` (name, ok, detail) rather than raising, so a benchmark can
count failures and a test can assert on all of them at once.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import tempfile
import tokenize
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from scaffolder.errors import UsageError
from scaffolder.kit.code.apply import apply_proposal
from scaffolder.kit.code.context import inside
from scaffolder.kit.code.proposals import EditProposal, apply_edits, fingerprint, unified_diff
from scaffolder.kit.symbols.source import is_python

#: Programs `suite_passes_after` may run (matched on the program's file name); no shell.
DEFAULT_ALLOWED = frozenset({"pytest", "python", "python3"})
_COPY_IGNORE = shutil.ignore_patterns(".git", "__pycache__", ".venv", "node_modules", ".copilot")
_PLACEHOLDER = re.compile(
    r"(rest of (the )?(code|file|implementation|function|class)"
    r"|(existing|remaining|previous|same|other) code"
    r"|^\s*(#|//)\s*(\.\.\.|…)\s*$"
    r"|^\s*(\.\.\.|…)\s*$)",
    re.IGNORECASE | re.MULTILINE,
)
_PAIRS = {")": "(", "]": "[", "}": "{"}
_BRACKETS = frozenset("()[]{}")


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str = ""


def parses(code: str, name: str = "code") -> Check:
    """`code` is valid Python."""
    try:
        compile(code, name, "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as error:
        return Check("parses", False, f"{name}: {error}")
    return Check("parses", True)


def not_truncated(code: str, name: str = "code", *, python: bool = True) -> Check:
    """No unbalanced brackets (outside strings and comments, for Python) and no placeholder
    lines such as `# ...`, a bare `...` line or "rest of the code"."""
    placeholder = _PLACEHOLDER.search(code)
    if placeholder:
        line = code.count("\n", 0, placeholder.start()) + 1
        return Check(
            "not_truncated",
            False,
            f"{name}: placeholder at line {line}: {placeholder.group(0).strip()!r}",
        )
    stack: list[str] = []
    try:
        for bracket in _python_brackets(code) if python else (c for c in code if c in _BRACKETS):
            if bracket in "([{":
                stack.append(bracket)
            elif not stack or stack.pop() != _PAIRS[bracket]:
                return Check("not_truncated", False, f"{name}: unmatched {bracket!r}")
    except (tokenize.TokenError, IndentationError, SyntaxError) as error:
        if not stack:
            return Check("not_truncated", False, f"{name}: ends inside a string ({error})")
    if stack:
        return Check("not_truncated", False, f"{name}: {len(stack)} bracket(s) never closed")
    return Check("not_truncated", True)


def proposed_code(proposal: EditProposal, root: Path) -> list[Check]:
    """`parses` on every Python file as it would be after the proposal, and `not_truncated` on
    every edit's new text."""
    after = files_after(proposal, root)
    checks = [parses(text, file) for file, text in sorted(after.items()) if is_python(file)]
    for edit in proposal.edits:
        checks.append(not_truncated(edit.new_text, edit.file, python=is_python(edit.file)))
    return checks


def diff_applies(proposal: EditProposal, root: Path) -> list[Check]:
    """The proposal's diff applies to its base with real `git apply`, the result equals the
    structured edits applied by `apply_edits`, and the diff is the one those edits produce."""
    before = _base_texts(proposal, root)
    after = apply_edits(before, proposal.edits, proposal.base)
    checks = [
        Check(
            "diff_matches_edits",
            unified_diff(before, after, proposal.base) == proposal.diff,
            "the stored diff is the one the structured edits produce",
        )
    ]
    with tempfile.TemporaryDirectory(prefix="copilot-diff-") as scratch:
        work = Path(scratch)
        for file, text in before.items():
            if proposal.base[file] is not None:
                (work / file).parent.mkdir(parents=True, exist_ok=True)
                (work / file).write_bytes(text.encode("utf-8"))
        for argv in (["git", "apply", "--check", "-"], ["git", "apply", "-"]):
            done = subprocess.run(
                argv,
                cwd=work,
                input=proposal.diff.encode("utf-8"),
                capture_output=True,
                check=False,
            )
            if done.returncode != 0:
                detail = done.stderr.decode("utf-8", "replace").strip()
                checks.append(Check("git_apply", False, detail))
                return checks
        checks.append(Check("git_apply", True))
        mismatched = [
            file
            for file, text in after.items()
            if (work / file).read_bytes() != text.encode("utf-8")
        ]
        checks.append(
            Check(
                "git_matches_edits",
                not mismatched,
                f"differs: {', '.join(mismatched)}" if mismatched else "",
            )
        )
    return checks


def suite_passes_after(
    proposal: EditProposal,
    root: Path,
    argv: Sequence[str],
    *,
    allowed: frozenset[str] = DEFAULT_ALLOWED,
    env: Mapping[str, str] | None = None,
    timeout_s: float = 300.0,
) -> Check:
    """Copy `root` to a temporary folder, apply the proposal there, run `argv` in it.

    `argv` is a list (no shell) whose program must be in `allowed`; the string `{root}` in
    `argv` or in `env` values is replaced by the copy's path (e.g. `PYTHONPATH={root}`).
    Raises `UsageError` for a program not allowed; the original tree is never touched.
    """
    if not argv or Path(argv[0]).name not in allowed:
        program = argv[0] if argv else "(empty)"
        raise UsageError(
            f"command {program!r} is not allowed (allowed: {', '.join(sorted(allowed))})"
        )
    with tempfile.TemporaryDirectory(prefix="copilot-tests-") as scratch:
        copy = Path(scratch) / "project"
        shutil.copytree(root, copy, ignore=_COPY_IGNORE, symlinks=True)
        apply_proposal(proposal, copy, approved=True)
        command = [part.replace("{root}", str(copy)) for part in argv]
        environment = {
            **os.environ,
            **{k: v.replace("{root}", str(copy)) for k, v in (env or {}).items()},
        }
        try:
            done = subprocess.run(
                command,
                cwd=copy,
                env=environment,
                capture_output=True,
                text=True,
                timeout=timeout_s,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return Check("suite_passes_after", False, f"{' '.join(argv)} took over {timeout_s:g} s")
        except FileNotFoundError:
            return Check("suite_passes_after", False, f"{argv[0]!r} was not found")
        output = (done.stdout + done.stderr)[-2000:]
        return Check("suite_passes_after", done.returncode == 0, output)


def files_after(proposal: EditProposal, root: Path) -> dict[str, str]:
    """Every touched file's text as it would be after applying the proposal now."""
    return apply_edits(_base_texts(proposal, root), proposal.edits, proposal.base)


def _base_texts(proposal: EditProposal, root: Path) -> dict[str, str]:
    """The touched files' texts, refusing (`UsageError`) any that changed since proposed."""
    texts: dict[str, str] = {}
    for file, expected in proposal.base.items():
        if expected is None:
            texts[file] = ""
            continue
        data = inside(root, file).read_bytes()
        if fingerprint(data) != expected:
            raise UsageError(f"{file} changed since proposal {proposal.id} was made")
        texts[file] = data.decode("utf-8")
    return texts


def _python_brackets(code: str) -> Iterator[str]:
    """The brackets of `code` outside strings and comments, as the tokenizer meets them."""
    for token in tokenize.generate_tokens(io.StringIO(code).readline):
        if token.type == tokenize.OP and token.string in _BRACKETS:
            yield token.string
