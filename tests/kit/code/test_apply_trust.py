"""Hostile proposals: what a proposal file claims about itself is never trusted.

A proposal file is input that anyone (a model, a tool, a teammate's branch) can write. These
tests forge such files the way an attacker would, bypassing `propose()`'s checks, and check
that `apply` recomputes what it shows, refuses every path outside the project's ordinary
files (version-control folders, copilot's own state, symlinks, traversal, look-alike names),
and reports every failure in one line with nothing written.
"""

from __future__ import annotations

import errno
import json
import os
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

import httpx
import pytest

from scaffolder.errors import ActionError, UsageError
from scaffolder.kit.code.api import code_router
from scaffolder.kit.code.apply import apply_proposal
from scaffolder.kit.code.proposals import (
    Edit,
    EditProposal,
    apply_edits,
    content_id,
    fingerprint,
    propose,
    save_proposal,
    unified_diff,
)
from scaffolder.kit.server import create_app
from tests.cli.conftest import Invoke
from tests.conftest import project_copilot
from tests.kit.code.test_template_skills import build_project, selecting
from tests.kit.server.conftest import serving

DOCSTRING = '    """Return one."""\n'
FSMONITOR = '[core]\n\tfsmonitor = "touch PWNED; false"\n'


@pytest.fixture
def repo(tmp_path: Path, git_identity: None) -> Path:
    """A real git repository holding a copilot project with one committed module."""
    root = tmp_path / "project"
    root.mkdir()
    (root / "pyproject.toml").write_text('[tool.copilot]\ntemplate = "code-assistant"\n')
    (root / "mod.py").write_text("def one() -> int:\n    return 1\n")
    (root / "two.py").write_text("def two() -> int:\n    return 2\n")
    (root / "src").mkdir()
    (root / "src" / "a.py").write_text("A = 1\n")
    for argv in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "start"]):
        subprocess.run(["git", *argv], cwd=root, check=True, capture_output=True)
    return root


def forge(
    root: Path,
    edits: Sequence[Edit],
    *,
    diff: str | None = None,
    base: Mapping[str, str | None] | None = None,
    proposal_id: str = "eforged00001",
) -> EditProposal:
    """A proposal built as a hostile file would be: any paths, any diff, none of propose()'s
    checks. Without `diff`, the diff honestly matches the edits."""
    if base is None:
        base = {
            e.file: None if e.mode == "create_file" else fingerprint((root / e.file).read_bytes())
            for e in edits
        }
    if diff is None:
        before = {f: "" if sha is None else (root / f).read_text() for f, sha in base.items()}
        diff = unified_diff(before, apply_edits(before, edits, base), base)
    return EditProposal(proposal_id, tuple(edits), "forged", dict(base), diff, "test")


def snapshot(*folders: Path) -> dict[str, bytes | str]:
    """Every entry under `folders` (following nothing): file bytes, or a link's target. The
    journal folder is left out: its lock file stays by design."""
    seen: dict[str, bytes | str] = {}
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if ".copilot/journal" in path.as_posix():
                continue
            if path.is_symlink():
                seen[str(path)] = f"-> {path.readlink()}"
            elif path.is_file():
                seen[str(path)] = path.read_bytes()
            else:
                seen[str(path)] = "dir"
    return seen


def honest_docstring(root: Path) -> EditProposal:
    return propose(
        root, [Edit("mod.py", "insert_below", DOCSTRING, 1, 1)], rationale="document one"
    )


def run_apply(root: Path, reference: str, *extra: str) -> tuple[int, str, str]:
    cwd = Path.cwd()
    os.chdir(root)
    try:
        result = Invoke()("apply", reference, *extra)
    finally:
        os.chdir(cwd)
    return result.exit_code, result.stdout, result.stderr


# --- the reported hole: a docstring shown, .git/config written ------------------------------


def test_the_fsmonitor_proposal_is_refused_and_git_status_runs_nothing(repo: Path) -> None:
    shown = honest_docstring(repo)
    config = (repo / ".git" / "config").read_text()
    end = len(config.splitlines())
    data = shown.to_dict()
    data["base"] = {".git/config": fingerprint((repo / ".git" / "config").read_bytes())}
    data["edits"] = [Edit(".git/config", "insert_below", FSMONITOR, 0, end).to_dict()]
    folder = repo / ".copilot" / "proposals"
    folder.mkdir(parents=True)
    (folder / f"{shown.id}.json").write_text(json.dumps(data))
    before = snapshot(repo / ".git")

    code, out, err = run_apply(repo, shown.id, "--yes")

    assert code == 2, (out, err)
    assert len(err.strip().splitlines()) == 1 and err.startswith("error: "), err
    assert "Return one" not in out  # the stored (lying) diff is never displayed
    assert snapshot(repo / ".git") == before
    subprocess.run(["git", "status", "--short"], cwd=repo, check=True, capture_output=True)
    assert not (repo / "PWNED").exists()


def test_an_honest_diff_of_git_config_is_refused_too(repo: Path) -> None:
    end = len((repo / ".git" / "config").read_text().splitlines())
    proposal = forge(repo, [Edit(".git/config", "insert_below", FSMONITOR, 0, end)])
    before = snapshot(repo)
    with pytest.raises(UsageError, match=r"refusing proposal eforged00001: '\.git/config'"):
        apply_proposal(proposal, repo, approved=True)
    assert snapshot(repo) == before


# --- paths ------------------------------------------------------------------------------------

CREATED = [
    "../evil.py",
    "/tmp/evil.py",
    "src/../../evil.py",
    ".GIT/config",
    ".Git/hooks/pre-commit",
    ".git./config",
    ".git /config",
    "sub/.git/config",
    "sub/.git",
    ".hg/hgrc",
    ".svn/entries",
    ".bzr/branch.conf",
    ".copilot/proposals/eother.json",
    ".copilot/journal/apply/x",
    "GIT~1/config",
    "a\x00b.py",
    ".g\u200cit/config",
    "\uff0egit/config",
    "docs\\..\\..\\evil.py",
    "C:evil.py",
    "x\n+++ b/harmless.py",
    "evil.py\u202e",
    "",
    "src//b.py",
    "new.py. ",
]


@pytest.mark.parametrize("path", CREATED, ids=[repr(p) for p in CREATED])
def test_forbidden_or_ambiguous_paths_are_refused(repo: Path, path: str) -> None:
    (repo / ".git" / "hooks").mkdir(exist_ok=True)
    proposal = forge(repo, [Edit(path, "create_file", "import os; os.system('id')\n")])
    before = snapshot(repo, repo.parent / "home")
    with pytest.raises(UsageError, match=r"^refusing proposal eforged00001: "):
        apply_proposal(proposal, repo, approved=True)
    assert snapshot(repo, repo.parent / "home") == before
    assert not (repo.parent / "evil.py").exists() and not Path("/tmp/evil.py").exists()


def test_a_traversal_back_into_git_is_refused(repo: Path) -> None:
    path = "src/../.git/config"
    end = len((repo / ".git" / "config").read_text().splitlines())
    proposal = forge(repo, [Edit(path, "insert_below", FSMONITOR, 0, end)])
    before = snapshot(repo)
    with pytest.raises(UsageError, match=r"refusing proposal eforged00001: 'src/\.\./\.git"):
        apply_proposal(proposal, repo, approved=True)
    assert snapshot(repo) == before


def test_a_symlinked_parent_folder_is_refused(repo: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (repo / "lib").symlink_to(outside)
    (repo / "hooks").symlink_to(repo / ".git" / "hooks")
    before = snapshot(repo, outside)
    for path in ("lib/evil.py", "hooks/post-checkout"):
        proposal = forge(repo, [Edit(path, "create_file", "#!/bin/sh\ntouch PWNED\n")])
        with pytest.raises(UsageError, match=r"through the symbolic link"):
            apply_proposal(proposal, repo, approved=True)
    assert snapshot(repo, outside) == before


def test_a_symlinked_file_is_refused(repo: Path) -> None:
    (repo / "alias.py").symlink_to(repo / ".git" / "config")
    end = len((repo / ".git" / "config").read_text().splitlines())
    proposal = forge(repo, [Edit("alias.py", "insert_below", FSMONITOR, 0, end)])
    before = snapshot(repo)
    with pytest.raises(UsageError, match=r"'alias\.py' is a symbolic link"):
        apply_proposal(proposal, repo, approved=True)
    assert snapshot(repo) == before


def test_a_hard_link_into_git_is_replaced_not_written_through(repo: Path) -> None:
    config = repo / ".git" / "config"
    (repo / "innocent.cfg").hardlink_to(config)
    before = config.read_bytes()
    end = len(before.decode().splitlines())
    proposal = propose(
        repo, [Edit("innocent.cfg", "insert_below", FSMONITOR, 0, end)], rationale=""
    )
    apply_proposal(proposal, repo, approved=True)
    assert (repo / "innocent.cfg").read_text().endswith(FSMONITOR)
    assert config.read_bytes() == before


def test_one_file_named_twice_or_oddly_is_refused(repo: Path) -> None:
    edits = [Edit("mod.py", "insert_below", "# a\n", 0, 0), Edit("MOD.py", "create_file", "b\n")]
    with pytest.raises(UsageError, match=r"mod\.py and MOD\.py may be one file"):
        apply_proposal(forge(repo, edits), repo, approved=True)
    with pytest.raises(UsageError, match=r"'\./mod\.py' is not in canonical form"):
        apply_proposal(
            forge(repo, [Edit("./mod.py", "insert_below", "# a\n", 0, 0)]), repo, approved=True
        )
    assert "# a" not in (repo / "mod.py").read_text() and not (repo / "MOD.py").exists()


# --- the diff shown is the one written --------------------------------------------------------


def test_a_diff_that_disagrees_with_the_edits_is_refused(repo: Path) -> None:
    lie = honest_docstring(repo).diff
    edits = [Edit("mod.py", "replace_selection", "import os; os.system('id')\n", 2, 2)]
    proposal = forge(repo, edits, diff=lie)
    save_proposal(proposal, repo)
    before = snapshot(repo)
    with pytest.raises(UsageError, match="its recorded diff does not match its edits"):
        apply_proposal(proposal, repo, approved=True)
    assert snapshot(repo) == before

    code, out, err = run_apply(repo, proposal.id, "--yes")
    assert code == 2
    assert err.strip().splitlines() == [
        f"error: refusing proposal {proposal.id}: its recorded diff does not match its edits; "
        "nothing was written"
    ]
    assert "Return one" not in out and "os.system" not in out
    assert snapshot(repo) == before


def test_an_edit_of_a_file_missing_from_the_base_is_refused(repo: Path) -> None:
    edits = [
        Edit("mod.py", "insert_below", "# fine\n", 0, 0),
        Edit("two.py", "insert_below", "import os\n", 0, 0),
    ]
    proposal = forge(repo, edits, base={"mod.py": fingerprint((repo / "mod.py").read_bytes())})
    before = snapshot(repo)
    with pytest.raises(UsageError, match=r"edits two\.py, which its base does not list"):
        apply_proposal(proposal, repo, approved=True)
    assert snapshot(repo) == before


def test_control_characters_are_shown_escaped(repo: Path) -> None:
    hidden = "x = 1  # \x1b[1A\x1b[2Khidden\rshown\n"
    proposal = propose(repo, [Edit("mod.py", "insert_below", hidden, 2, 2)], rationale="\x1b[2J")
    save_proposal(proposal, repo)
    code, out, err = run_apply(repo, proposal.id)  # not a terminal: shown, then refused
    assert code == 2, err
    assert "\r" not in out and "\x1b" not in out
    assert "+x = 1  # \\x1b[1A\\x1b[2Khidden\\rshown" in out
    assert "why: \\x1b[2J" in out


# --- failures are one line, and leave the old files ---------------------------------------------


@pytest.fixture
def failing_second_move(monkeypatch: pytest.MonkeyPatch, repo: Path) -> None:
    """The disk fails when the second file (`two.py`) is moved into place: no real disk can
    be made to fail on demand here, so `os.replace` raises EIO for that one destination."""
    real = os.replace

    def replace(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        if Path(dst) == repo / "two.py":
            raise OSError(errno.EIO, os.strerror(errno.EIO), os.fspath(src), None, os.fspath(dst))
        real(src, dst)

    monkeypatch.setattr(os, "replace", replace)


def _two_files(repo: Path) -> EditProposal:
    edits = [
        Edit("mod.py", "insert_below", "# one\n", 0, 0),
        Edit("two.py", "insert_below", "# two\n", 0, 0),
        Edit("new/three.py", "create_file", "THREE = 3\n"),
    ]
    return propose(repo, edits, rationale="three files")


def test_a_partial_failure_is_rolled_back_and_reported_in_one_line(
    repo: Path, failing_second_move: None
) -> None:
    proposal = _two_files(repo)
    save_proposal(proposal, repo)
    before = snapshot(repo)
    with pytest.raises(ActionError, match=r"cannot write two\.py"):
        apply_proposal(proposal, repo, approved=True)
    assert snapshot(repo) == before

    code, out, err = run_apply(repo, proposal.id, "--yes")
    assert code == 1, (out, err)
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith(f"error: cannot apply proposal {proposal.id}: cannot write two.py")
    assert snapshot(repo) == before


def test_an_unreadable_base_is_one_line(repo: Path) -> None:
    (repo / "bin.dat").write_bytes(b"\xff\xfe\x00")
    proposal = forge(
        repo,
        [Edit("bin.dat", "insert_below", "x\n", 0, 0)],
        base={"bin.dat": fingerprint(b"\xff\xfe\x00")},
        diff="",
    )
    with pytest.raises(UsageError, match=r"bin\.dat is not UTF-8 text"):
        apply_proposal(proposal, repo, approved=True)


# --- the editor API: what the editor showed is what is written ----------------------------------


def test_the_api_refuses_a_proposal_changed_after_it_was_shown(tmp_path: Path) -> None:
    project = build_project(tmp_path)
    subprocess.run(["git", "init", "-q"], cwd=project, check=True)
    copilot = project_copilot(project)
    app = create_app(copilot, copilot.services.settings, routers=[code_router(copilot)])
    with serving(app) as url:
        body = {"request": "document this", "context": selecting(project, "assertRegex")}
        shown = httpx.post(f"{url}/v1/code/propose", json=body, timeout=30).json()
        proposal_id = shown["data"]["proposal"]["id"]
        saved = project / ".copilot" / "proposals" / f"{proposal_id}.json"
        data = json.loads(saved.read_text())
        data["edits"][0]["new_text"] = "import os; os.system('id')\n"
        saved.write_text(json.dumps(data))
        before = snapshot(project)

        tampered = httpx.post(
            f"{url}/v1/code/apply", json={"proposal_id": proposal_id, "approve": True}
        )
        assert tampered.status_code == 422, tampered.text
        assert tampered.json()["error"]["message"] == (
            f"refusing proposal {proposal_id}: its file was changed after it was proposed; "
            "nothing was written"
        )

        # A forger who recomputes the id still meets the path and diff checks.
        config = project / ".git" / "config"
        end = len(config.read_text().splitlines())
        edits = [Edit(".git/config", "insert_below", FSMONITOR, 0, end)]
        base = {".git/config": fingerprint(config.read_bytes())}
        forged_id = content_id(base, edits)
        forged = forge(project, edits, base=base, proposal_id=forged_id)
        save_proposal(forged, project)
        before = snapshot(project)
        refused = httpx.post(
            f"{url}/v1/code/apply", json={"proposal_id": forged_id, "approve": True}
        )
        assert refused.status_code == 422, refused.text
        assert refused.json()["error"]["message"].startswith(
            f"refusing proposal {forged_id}: '.git/config' is inside .git/"
        )
        assert snapshot(project) == before
