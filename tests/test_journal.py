"""The rollback journal: writes land all or none, under exceptions, signals and kill -9."""

from __future__ import annotations

import json
import os
import random
import signal
import stat
from pathlib import Path

import pytest

from scaffolder.errors import JournalError, UnsafePathError
from scaffolder.journal import (
    FileTransaction,
    Terminated,
    handle_termination,
    has_journal,
    recover,
)
from tests.faults_harness import (
    check_all_or_nothing,
    choose_cases,
    count_points,
    fresh_copy,
    run_killed,
    snapshot,
)

JOURNAL = ".journal"


def make_tree(root: Path, files: dict[str, bytes]) -> Path:
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    return root


def transact(root: Path, changes: dict[str, bytes | None], modes: dict[str, int]) -> None:
    with handle_termination(), FileTransaction(root, root / JOURNAL) as tx:
        for relative, content in changes.items():
            tx.write(relative, content, modes.get(relative))
        tx.commit()


def test_commit_writes_deletes_creates_folders_and_prunes_empty_ones(tmp_path: Path) -> None:
    root = make_tree(tmp_path / "p", {"a.txt": b"a", "old/only.txt": b"x", "keep/b.txt": b"b"})
    transact(
        root,
        {"a.txt": b"A", "new/deep/c.sh": b"#!/bin/sh\n", "old/only.txt": None},
        {"new/deep/c.sh": 0o755},
    )
    assert (root / "a.txt").read_bytes() == b"A"
    assert stat.S_IMODE((root / "new/deep/c.sh").stat().st_mode) == 0o755
    assert not (root / "old").exists()
    assert (root / "keep/b.txt").read_bytes() == b"b"
    assert not has_journal(root / JOURNAL)
    assert [path.name for path in (root / JOURNAL).iterdir()] == ["lock"]


def test_a_rewrite_keeps_the_files_mode(tmp_path: Path) -> None:
    root = make_tree(tmp_path / "p", {"run.sh": b"old"})
    (root / "run.sh").chmod(0o750)
    transact(root, {"run.sh": b"new"}, {})
    assert stat.S_IMODE((root / "run.sh").stat().st_mode) == 0o750


def test_nothing_is_written_without_commit_or_after_an_exception(tmp_path: Path) -> None:
    root = make_tree(tmp_path / "p", {"a.txt": b"a"})
    before = snapshot(root)
    with FileTransaction(root, root / JOURNAL) as tx:
        tx.write("a.txt", b"changed")

    class ChangedMind(Exception):
        pass

    def abandon() -> None:
        with FileTransaction(root, root / JOURNAL) as tx:
            tx.write("a.txt", b"changed")
            raise ChangedMind

    with pytest.raises(ChangedMind):
        abandon()
    assert snapshot(root) == before
    assert not (root / JOURNAL).exists()


@pytest.mark.parametrize("bad", ["/etc/passwd", "../outside", "a/../../b", "a//b", "./a", ""])
def test_paths_that_could_leave_the_root_are_refused(tmp_path: Path, bad: str) -> None:
    with pytest.raises(UnsafePathError), FileTransaction(tmp_path, tmp_path / JOURNAL) as tx:
        tx.write(bad, b"x")


def test_never_writes_through_a_symlinked_folder(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    root = tmp_path / "p"
    root.mkdir()
    (root / "linked").symlink_to(outside)
    with pytest.raises(UnsafePathError, match="symlink"):
        transact(root, {"linked/evil.txt": b"x"}, {})
    assert list(outside.iterdir()) == []


def test_a_symlink_target_is_replaced_not_written_through(tmp_path: Path) -> None:
    outside = tmp_path / "secret.txt"
    outside.write_bytes(b"secret")
    root = tmp_path / "p"
    root.mkdir()
    (root / "link.txt").symlink_to(outside)
    transact(root, {"link.txt": b"plain"}, {})
    assert not (root / "link.txt").is_symlink()
    assert (root / "link.txt").read_bytes() == b"plain"
    assert outside.read_bytes() == b"secret"


def test_a_failure_midway_rolls_every_file_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_tree(tmp_path / "p", {"a.txt": b"a", "b.txt": b"b", "c.txt": b"c"})
    before = snapshot(root, exclude=(JOURNAL,))
    real_replace = Path.replace
    calls = {"n": 0}

    def failing_replace(source: Path, target: Path) -> Path:
        calls["n"] += 1
        if calls["n"] == 3:  # 1: the journal marked complete, 2: a.txt, 3: b.txt
            raise OSError("disk full")
        return real_replace(source, target)

    monkeypatch.setattr(Path, "replace", failing_replace)
    with pytest.raises(OSError, match="disk full"):
        transact(root, {"a.txt": b"A", "b.txt": b"B", "new.txt": b"N", "c.txt": None}, {})
    assert snapshot(root, exclude=(JOURNAL,)) == before
    assert not has_journal(root / JOURNAL)


def test_sigterm_and_sighup_raise_like_ctrl_c_and_handlers_come_back(tmp_path: Path) -> None:
    previous = signal.getsignal(signal.SIGTERM)
    for number in (signal.SIGTERM, signal.SIGHUP):
        with pytest.raises(Terminated) as caught, handle_termination():
            os.kill(os.getpid(), number)
        assert isinstance(caught.value, KeyboardInterrupt)
        assert caught.value.signum == number
    assert signal.getsignal(signal.SIGTERM) == previous


def test_recover_without_a_journal_or_with_an_incomplete_one_touches_nothing(
    tmp_path: Path,
) -> None:
    root = make_tree(tmp_path / "p", {"a.txt": b"a"})
    assert recover(root, root / "no-journal") is None
    (root / JOURNAL / "pending").mkdir(parents=True)
    (root / JOURNAL / "pending" / "0").write_bytes(b"half")
    assert recover(root, root / JOURNAL) is None
    assert not (root / JOURNAL / "pending").exists()
    assert (root / "a.txt").read_bytes() == b"a"


def test_a_planted_journal_cannot_steer_writes_outside(tmp_path: Path) -> None:
    root = make_tree(tmp_path / "p", {"a.txt": b"a"})
    complete = root / JOURNAL / "complete"
    complete.mkdir(parents=True)
    manifest = {
        "format": 1,
        "txid": "0" * 16,
        "created_dirs": [],
        "images": [{"path": "../victim", "kind": "absent", "mode": 0, "blob": None,
                    "sha256": None, "link": None}],
    }  # fmt: skip
    (complete / "manifest.json").write_text(json.dumps(manifest))
    victim = tmp_path / "victim"
    victim.write_bytes(b"keep me")
    with pytest.raises(JournalError, match="damaged"):
        recover(root, root / JOURNAL)
    assert victim.read_bytes() == b"keep me"


def test_a_journal_blob_that_fails_its_checksum_is_not_restored(tmp_path: Path) -> None:
    root = make_tree(tmp_path / "p", {"a.txt": b"a", "b.txt": b"b"})
    kill_at = count_points(lambda: transact(fresh_copy(root, tmp_path / "t"), {"a.txt": b"A"}, {}))
    assert kill_at[1] == "journal: complete"
    target = fresh_copy(root, tmp_path / "k")
    run_killed(lambda: transact(target, {"a.txt": b"A"}, {}), 2)
    (target / JOURNAL / "complete" / "0").write_bytes(b"tampered")
    with pytest.raises(JournalError, match="checksum"):
        recover(target, target / JOURNAL)
    assert (target / "a.txt").read_bytes() == b"a"


def test_a_second_command_cannot_commit_over_a_hot_journal(tmp_path: Path) -> None:
    root = make_tree(tmp_path / "p", {"a.txt": b"a"})
    run_killed(lambda: transact(root, {"a.txt": b"A", "b.txt": b"B"}, {}), 4)
    assert has_journal(root / JOURNAL)
    with pytest.raises(JournalError, match="recover it"):
        transact(root, {"a.txt": b"other"}, {})
    recovery = recover(root, root / JOURNAL)
    assert recovery is not None and "restored" in recovery.summary
    assert (root / "a.txt").read_bytes() == b"a"
    assert not (root / "b.txt").exists()


def random_case(seed: int) -> tuple[dict[str, bytes], dict[str, bytes | None], dict[str, int]]:
    """A random tree and a random set of writes, deletions and new nested files."""
    chooser = random.Random(seed)
    names = [f"d{chooser.randint(0, 2)}/f{i}.txt" if chooser.random() < 0.5 else f"f{i}.txt"
             for i in range(chooser.randint(2, 7))]  # fmt: skip
    files = {name: chooser.randbytes(chooser.randint(0, 64)) for name in names}
    changes: dict[str, bytes | None] = {}
    for name in files:
        roll = chooser.random()
        if roll < 0.4:
            changes[name] = chooser.randbytes(chooser.randint(0, 64))
        elif roll < 0.6:
            changes[name] = None
    for extra in range(chooser.randint(1, 3)):
        changes[f"new{extra}/sub/n{extra}.bin"] = chooser.randbytes(8)
    modes = {name: chooser.choice([0o600, 0o644, 0o755]) for name in changes}
    return files, changes, modes


@pytest.mark.parametrize("seed", range(6))
def test_random_file_sets_are_all_or_nothing_at_every_kill_point(tmp_path: Path, seed: int) -> None:
    files, changes, modes = random_case(seed)
    source = make_tree(tmp_path / "source", files)

    def prepare() -> Path:
        return fresh_copy(source, tmp_path / "run")

    points = count_points(lambda: transact(prepare(), changes, modes))
    cases = [(point, name) for point in range(1, len(points) + 1) for name in ("KILL", "TERM")]
    report = check_all_or_nothing(
        prepare,
        lambda root: transact(root, changes, modes),
        lambda root: recover(root, root / JOURNAL),
        cases,
        points=len(points),
        exclude=(JOURNAL,),
    )
    assert report.runs == 2 * len(points)
    assert report.states["before"] > 0 and report.states["after"] > 0
    assert report.recovered > 0  # kill -9 after the journal was complete


def test_a_recovery_killed_halfway_is_finished_by_the_next_one(tmp_path: Path) -> None:
    files, changes, modes = random_case(99)
    source = make_tree(tmp_path / "source", files)
    before = snapshot(source)
    points = count_points(lambda: transact(fresh_copy(source, tmp_path / "t"), changes, modes))
    last_replace = max(i for i, label in enumerate(points, 1) if "replaced" in label)
    chooser = random.Random(5)
    for _ in range(4):
        root = fresh_copy(source, tmp_path / "run")
        run_killed(lambda: transact(root, changes, modes), last_replace)  # noqa: B023
        run_killed(lambda: recover(root, root / JOURNAL), chooser.randint(1, len(changes)))  # noqa: B023
        assert has_journal(root / JOURNAL)
        assert recover(root, root / JOURNAL) is not None
        assert snapshot(root, exclude=(JOURNAL,)) == before


def test_the_cases_are_seeded_and_cover_every_point_first() -> None:
    cases = choose_cases(10, 10, seed=3)
    assert sorted(point for point, _ in cases) == list(range(1, 11))
    assert cases == choose_cases(10, 10, seed=3)
    assert {name for _, name in choose_cases(50, 200, seed=1)} == {"KILL", "TERM", "HUP"}
