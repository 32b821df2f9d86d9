"""Edit proposals for files of a configured source: applied to that file only, with the same
fingerprint check, recomputed diff and path rules as the project's own files."""

from __future__ import annotations

import json
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from scaffolder.errors import ActionError, UnsafePathError, UsageError
from scaffolder.kit.code.apply import JOURNAL_DIR, apply_proposal
from scaffolder.kit.code.apply_roots import ROOTS_JOURNAL
from scaffolder.kit.code.proposals import PROPOSALS_DIR, Edit, propose, save_proposal
from scaffolder.kit.sources import Source, SourceMap
from tests.cli.conftest import Invoke
from tests.faults_harness import snapshot

DOCSTRING = '        """Return the Python representation of ``s``, added by the team."""\n'


def sources(project: Path) -> tuple[Source, ...]:
    return SourceMap.of(project, ["../jsonlib"]).sources


def line_of(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text().split("\n"), 1) if text in line)


def docstring_edit(repo: Path) -> Edit:
    line = line_of(repo / "decoder.py", "def decode(self, s, _w=WHITESPACE.match):")
    return Edit("jsonlib/decoder.py", "replace_selection", DOCSTRING, line + 1, line + 4)


def test_a_proposal_for_a_source_file_changes_that_file_only(
    team: tuple[Path, Path], tmp_path: Path
) -> None:
    project, repo = team
    before = snapshot(tmp_path, exclude=())
    proposal = propose(project, [docstring_edit(repo)], rationale="doc", sources=sources(project))
    assert proposal.diff.startswith("diff --git a/jsonlib/decoder.py b/jsonlib/decoder.py")
    save_proposal(proposal, project)
    applied = apply_proposal(
        proposal, project, approved=True, sources=sources(project), record=True
    )
    assert applied.written == ("jsonlib/decoder.py",)
    after = snapshot(tmp_path, exclude=())
    changed = {p for p in set(before) | set(after) if before.get(p) != after.get(p)}
    changed = {p for p in changed if not p.startswith("bot/.copilot/journal")}
    saved_file = f"bot/{PROPOSALS_DIR}/{proposal.id}.json"
    assert changed == {"jsonlib/decoder.py", "bot/.copilot/", f"bot/{PROPOSALS_DIR}/", saved_file}
    assert DOCSTRING in (repo / "decoder.py").read_text()
    compile((repo / "decoder.py").read_text(), "decoder.py", "exec")  # still valid Python
    saved = json.loads((project / PROPOSALS_DIR / f"{proposal.id}.json").read_text())
    assert saved["status"] == "applied"
    assert not (project / ROOTS_JOURNAL / "complete").exists()
    assert not (repo / ".copilot").exists()  # the team's repository gets no copilot folder


def test_a_source_file_edited_since_the_proposal_is_refused(team: tuple[Path, Path]) -> None:
    project, repo = team
    proposal = propose(project, [docstring_edit(repo)], rationale="doc", sources=sources(project))
    with (repo / "decoder.py").open("a") as handle:
        handle.write("# someone kept typing\n")
    edited = (repo / "decoder.py").read_bytes()
    with pytest.raises(ActionError, match=r"jsonlib/decoder\.py changed since it was proposed"):
        apply_proposal(proposal, project, approved=True, sources=sources(project))
    assert (repo / "decoder.py").read_bytes() == edited


def test_without_the_source_configured_the_name_is_a_project_path(team: tuple[Path, Path]) -> None:
    project, repo = team
    proposal = propose(project, [docstring_edit(repo)], rationale="doc", sources=sources(project))
    original = (repo / "decoder.py").read_bytes()
    with pytest.raises(ActionError, match=r"jsonlib/decoder\.py no longer exists"):
        apply_proposal(proposal, project, approved=True)  # no sources: not a known root
    assert (repo / "decoder.py").read_bytes() == original


@pytest.mark.parametrize(
    ("file", "message"),
    [
        ("jsonlib/.git/config", r"inside \.git/"),
        ("jsonlib/../bot/pyproject.toml", r"uses '\.\.'"),
        ("jsonlib/link.py", r"is a symbolic link"),
        ("jsonlib/linked/x.py", r"goes through the symbolic link 'linked'"),
        ("/etc/passwd", r"absolute path"),
    ],
)
def test_the_trust_rules_cover_sources(
    team: tuple[Path, Path], tmp_path: Path, file: str, message: str
) -> None:
    project, repo = team
    (repo / ".git").mkdir()
    (repo / ".git" / "config").write_text("[core]\n")
    (repo / "link.py").symlink_to(repo / "scanner.py")
    (repo / "linked").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "x.py").write_text("x = 1\n")
    with pytest.raises((UnsafePathError, UsageError), match=message):
        propose(project, [Edit(file, "insert_below", "# x\n", 1, 1)], rationale="x",
                sources=sources(project))  # fmt: skip
    # A forged saved proposal gets the same refusal from apply.
    good = propose(project, [docstring_edit(repo)], rationale="doc", sources=sources(project))
    forged = replace(good, base={file: "0" * 64}, edits=(replace(good.edits[0], file=file),))
    with pytest.raises((UnsafePathError, UsageError), match=message):
        apply_proposal(forged, project, approved=True, sources=sources(project))
    assert (tmp_path / "elsewhere" / "x.py").read_text() == "x = 1\n"


def test_copilot_apply_changes_the_outside_file(
    team: tuple[Path, Path], git_identity: None
) -> None:
    project, repo = team
    (project / "pyproject.toml").write_text(
        '[tool.copilot]\ntemplate = "code-assistant"\nsources = ["../jsonlib"]\n'
    )
    for argv in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "team"]):
        subprocess.run(["git", *argv], cwd=repo, check=True, capture_output=True)
    proposal = propose(project, [docstring_edit(repo)], rationale="doc", sources=sources(project))
    save_proposal(proposal, project)
    result = Invoke()("apply", proposal.id, "--yes", "--root", str(project))
    assert result.exit_code == 0, result.output
    assert f"Applied {proposal.id}: edited jsonlib/decoder.py." in result.stdout
    compile((repo / "decoder.py").read_text(), "decoder.py", "exec")  # still valid Python
    status = subprocess.run(["git", "status", "--porcelain"], cwd=repo, text=True,
                            capture_output=True, check=True).stdout  # fmt: skip
    assert status == " M decoder.py\n"  # that file and nothing else in the team's repository


def test_copilot_apply_with_a_vanished_source_is_one_line(
    team: tuple[Path, Path], tmp_path: Path
) -> None:
    project, repo = team
    (project / "pyproject.toml").write_text(
        '[tool.copilot]\ntemplate = "code-assistant"\nsources = ["../jsonlib"]\n'
    )
    proposal = propose(project, [docstring_edit(repo)], rationale="doc", sources=sources(project))
    save_proposal(proposal, project)
    repo.rename(tmp_path / "moved")
    result = Invoke()("apply", proposal.id, "--yes", "--root", str(project))
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"error: source '../jsonlib' ({tmp_path}/jsonlib) does not exist"
    ]
    assert not (project / JOURNAL_DIR).exists()
