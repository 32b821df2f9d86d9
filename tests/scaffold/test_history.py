"""The template history: releases, the lock file, syncing to the per-user bundle."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

import scaffolder
from scaffolder.errors import TemplateHistoryError
from scaffolder.scaffold import TemplateHistory, release_templates
from scaffolder.scaffold._assembly import assemble, tree_hash
from scaffolder.scaffold._history import PACKAGED_BUNDLE, PACKAGED_LOCK, bundle_tags
from tests.conftest import TEMPLATES, HistoryBuilder, append_line

GITIGNORE = "base/.gitignore.jinja"


def git_tree_of(directory: Path, tmp_path: Path) -> str:
    """What git itself says the tree id of `directory` is."""
    repo = tmp_path / "hash-repo"
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    git = ["git", f"--git-dir={repo / '.git'}", f"--work-tree={directory}"]
    subprocess.run([*git, "add", "-A", "-f", "."], check=True, cwd=directory)
    return subprocess.run(
        [*git, "write-tree"], check=True, capture_output=True, text=True
    ).stdout.strip()


def test_tree_hash_matches_git(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    shutil.copytree(TEMPLATES, tree, ignore=shutil.ignore_patterns("__pycache__"))
    (tree / "script.sh").write_text("#!/bin/sh\n")
    (tree / "script.sh").chmod(0o755)
    assert tree_hash(tree) == git_tree_of(tree, tmp_path)


def test_tree_hash_ignores_bytecode(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    (tree / "pkg" / "__pycache__").mkdir(parents=True)
    (tree / "pkg" / "mod.py").write_text("x = 1\n")
    before = tree_hash(tree)
    (tree / "pkg" / "__pycache__" / "mod.cpython-311.pyc").write_bytes(b"\0")
    assert tree_hash(tree) == before


def test_release_tags_the_templates_and_records_the_tree(histories: HistoryBuilder) -> None:
    tags = bundle_tags(histories.bundle)
    lock = json.loads(histories.lock.read_text())
    assert list(tags) == ["v1.0.0"]
    assert lock["versions"]["1.0.0"]["commit"] == tags["v1.0.0"]
    assert lock["versions"]["1.0.0"]["tree"] == assemble(histories.templates).tree


def test_repeating_a_release_is_a_no_op(histories: HistoryBuilder) -> None:
    before = histories.bundle.read_bytes()
    release = release_templates(histories.templates, "1.0.0", histories.bundle, histories.lock)
    assert not release.created
    assert histories.bundle.read_bytes() == before


def test_a_released_version_never_changes(histories: HistoryBuilder) -> None:
    append_line(GITIGNORE, "extra/")(histories.templates)
    with pytest.raises(TemplateHistoryError, match="already released"):
        release_templates(histories.templates, "1.0.0", histories.bundle, histories.lock)


def test_a_release_must_be_newer(histories: HistoryBuilder) -> None:
    append_line(GITIGNORE, "extra/")(histories.templates)
    with pytest.raises(TemplateHistoryError, match="not newer"):
        release_templates(histories.templates, "0.9.0", histories.bundle, histories.lock)


def test_new_release_keeps_every_old_tag(histories: HistoryBuilder) -> None:
    histories.release("1.1.0", append_line(GITIGNORE, "extra/"))
    tags = bundle_tags(histories.bundle)
    assert set(tags) == {"v1.0.0", "v1.1.0"}
    parents = subprocess.run(
        ["git", "bundle", "list-heads", str(histories.bundle)], capture_output=True, text=True
    )
    assert parents.returncode == 0


def test_sync_copies_the_history_to_the_user_path(
    histories: HistoryBuilder, isolated_home: Path
) -> None:
    target = histories.history().sync()
    assert target == isolated_home / ".local/share/copilot/templates.bundle"
    assert bundle_tags(target) == bundle_tags(histories.bundle)


def test_sync_never_drops_tags_an_newer_copilot_added(histories: HistoryBuilder) -> None:
    old_bundle = histories.root / "old.bundle"
    shutil.copy(histories.bundle, old_bundle)
    newer = histories.release("1.1.0", append_line(GITIGNORE, "extra/"))
    newer.sync()
    older = TemplateHistory(bundle=old_bundle, lock=histories.lock, version="1.0.0")
    target = older.sync()
    assert set(bundle_tags(target)) == {"v1.0.0", "v1.1.0"}


def test_sync_merges_histories_that_each_lack_a_tag(
    histories: HistoryBuilder, tmp_path: Path
) -> None:
    base_bundle, base_lock = tmp_path / "base.bundle", tmp_path / "base.lock.json"
    shutil.copy(histories.bundle, base_bundle)
    shutil.copy(histories.lock, base_lock)
    histories.release("1.1.0", append_line(GITIGNORE, "extra/"))
    histories.history("1.1.0").sync()
    # Another build released 1.0.1 from the same 1.0.0 and never saw 1.1.0.
    release_templates(histories.templates, "1.0.1", base_bundle, base_lock)
    other = TemplateHistory(bundle=base_bundle, lock=base_lock, version="1.0.1")
    assert set(bundle_tags(other.sync())) == {"v1.0.0", "v1.0.1", "v1.1.0"}


def test_sync_refuses_a_tag_with_two_contents(histories: HistoryBuilder, tmp_path: Path) -> None:
    histories.history().sync()
    rebuilt = HistoryBuilder(tmp_path / "rebuilt")
    rebuilt.bundle.unlink()
    rebuilt.lock.unlink()
    rebuilt.release("1.0.0", append_line(GITIGNORE, "other/"))
    with pytest.raises(TemplateHistoryError, match="differs"):
        rebuilt.history().sync()


def test_source_of_a_release_is_the_user_bundle_at_its_tag(histories: HistoryBuilder) -> None:
    source = histories.history().source()
    assert source.src_path == "~/.local/share/copilot/templates.bundle"
    assert source.vcs_ref == "v1.0.0"
    assert source.updatable


def test_unreleased_edits_render_from_the_folder_and_say_so(histories: HistoryBuilder) -> None:
    history = TemplateHistory(
        bundle=histories.bundle, lock=histories.lock, version="1.0.0", checkout=histories.templates
    )
    assert history.source().updatable
    append_line(GITIGNORE, "wip/")(histories.templates)
    source = history.source()
    assert not source.updatable
    # The working folder, assembled: complete, with the edit.
    rendered = Path(source.src_path)
    assert "wip/" in (rendered / "qa_rag" / ".gitignore.jinja").read_text()
    assert not (rendered / "base").exists()
    assert source.note is not None and "cannot be updated" in source.note


def test_missing_history_is_a_clear_error(tmp_path: Path) -> None:
    history = TemplateHistory(bundle=tmp_path / "none.bundle", lock=tmp_path / "l", version="1.0.0")
    with pytest.raises(TemplateHistoryError, match="missing"):
        history.sync()


def test_the_shipped_history_holds_the_package_version() -> None:
    """Bumping the version without `python scripts/release_templates.py` fails here."""
    tags = bundle_tags(PACKAGED_BUNDLE)
    lock = json.loads(PACKAGED_LOCK.read_text())
    assert f"v{scaffolder.__version__}" in tags
    assert {f"v{v}" for v in lock["versions"]} == set(tags)
    for version, entry in lock["versions"].items():
        assert tags[f"v{version}"] == entry["commit"]
