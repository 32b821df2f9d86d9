"""Recording the current `templates/` folder as a released template version.

A release is a commit whose tree is exactly the assembled `templates/` (the base layer merged
into each template's overlay, see `_assembly`), tagged `v<version>` on top of all earlier
releases, written back into the packaged bundle, and noted in the lock file with its tree id
(which `copilot doctor` and unreleased-edit detection compare against). Every released tree is
complete, so copier renders any old version from the bundle alone.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path

from packaging.version import Version

from scaffolder.errors import TemplateHistoryError
from scaffolder.scaffold._assembly import Assembly, assemble
from scaffolder.scaffold._git import git
from scaffolder.scaffold._history import _copy_atomically, tag_for

#: Releases are authored by the tool, not by whoever runs the script.
RELEASE_IDENTITY = ["-c", "user.name=copilot release", "-c", "user.email=release@copilot.invalid"]


@dataclass(frozen=True)
class Release:
    version: str
    tree: str
    commit: str
    created: bool


def release_templates(templates: Path, version: str, bundle: Path, lock: Path) -> Release:
    """Tag the assembled `templates/` as `v<version>` in `bundle`; a repeat with identical
    content is a no-op."""
    assembly = assemble(templates)
    tree = assembly.tree
    versions = _read_lock(lock)
    if version in versions:
        if versions[version]["tree"] == tree:
            return Release(version, tree, versions[version]["commit"], created=False)
        raise TemplateHistoryError(
            f"{tag_for(version)} was already released with other content; bump the version "
            "in pyproject.toml (released versions never change)"
        )
    newest = max(versions, key=Version, default=None)
    if newest is not None and Version(version) <= Version(newest):
        raise TemplateHistoryError(
            f"cannot release {version}: it is not newer than the released {newest}"
        )
    with tempfile.TemporaryDirectory(prefix="copilot-release-") as scratch:
        commit = _commit_release(assembly, version, bundle, Path(scratch))
    versions[version] = {"tree": tree, "commit": commit}
    ordered = dict(sorted(versions.items(), key=lambda item: Version(item[0])))
    lock.parent.mkdir(parents=True, exist_ok=True)
    lock.write_text(json.dumps({"versions": ordered}, indent=2) + "\n", encoding="utf-8")
    return Release(version, tree, commit, created=True)


def _read_lock(lock: Path) -> dict[str, dict[str, str]]:
    if not lock.is_file():
        return {}
    versions: dict[str, dict[str, str]] = json.loads(lock.read_text(encoding="utf-8"))["versions"]
    return versions


def _commit_release(assembly: Assembly, version: str, bundle: Path, scratch: Path) -> str:
    repo = scratch / "repo"
    work = scratch / "work"
    git("init", "--quiet", "--bare", str(repo))
    parent: list[str] = []
    if bundle.is_file():
        git("fetch", "--quiet", str(bundle), "refs/*:refs/*", cwd=repo)
        head = git("rev-parse", "--verify", "--quiet", "refs/heads/main", cwd=repo, check=False)
        if head.strip():
            parent = ["-p", head.strip()]
    assembly.write(work)
    git("--git-dir", str(repo), "--work-tree", str(work), "add", "--all", "--force", ".", cwd=work)
    written = git("--git-dir", str(repo), "write-tree", cwd=work).strip()
    if written != assembly.tree:
        raise TemplateHistoryError(
            f"git recorded tree {written}, expected {assembly.tree}; release aborted"
        )
    commit = git(
        *RELEASE_IDENTITY,
        "--git-dir",
        str(repo),
        "commit-tree",
        written,
        *parent,
        "-m",
        f"Release templates {tag_for(version)}",
        cwd=work,
    ).strip()
    git("--git-dir", str(repo), "update-ref", "refs/heads/main", commit, cwd=work)
    git("--git-dir", str(repo), "symbolic-ref", "HEAD", "refs/heads/main", cwd=work)
    git("--git-dir", str(repo), "tag", tag_for(version), commit, cwd=work)
    created = scratch / "templates.bundle"
    git("--git-dir", str(repo), "bundle", "create", "--quiet", str(created), "--all", cwd=work)
    _copy_atomically(created, bundle)
    return commit
