"""gitignore(5) patterns as IgnoreRules matches them, one pattern at a time."""

from __future__ import annotations

from pathlib import Path

import pytest

from scaffolder.kit.retrieval.gitignore import IgnoreRules, parse_rules

BASE = Path("/repo")


def ignored(patterns: str, relative: str, *, is_dir: bool = False) -> bool:
    return IgnoreRules(tuple(parse_rules(patterns, BASE))).ignored(BASE / relative, is_dir=is_dir)


@pytest.mark.parametrize(
    ("patterns", "relative", "is_dir", "expected"),
    [
        ("notes.md", "notes.md", False, True),
        ("notes.md", "a/b/notes.md", False, True),
        ("notes.md", "notes.md.bak", False, False),
        ("*.log", "deep/x.log", False, True),
        ("*.log", "x.log/inner", False, False),
        ("/build", "build", True, True),
        ("/build", "src/build", True, False),
        ("out/", "out", True, True),
        ("out/", "out", False, False),
        ("out/", "a/out", True, True),
        ("docs/*.html", "docs/a.html", False, True),
        ("docs/*.html", "docs/sub/a.html", False, False),
        ("docs/*.html", "x/docs/a.html", False, False),
        ("**/gen", "a/b/gen", True, True),
        ("**/gen", "gen", True, True),
        ("logs/**", "logs/a/b.txt", False, True),
        ("logs/**", "logs", True, False),
        ("a/**/b", "a/b", False, True),
        ("a/**/b", "a/x/y/b", False, True),
        ("a/**/b", "a/xb", False, False),
        ("file?.txt", "file1.txt", False, True),
        ("file?.txt", "file12.txt", False, False),
        ("[ab].md", "b.md", False, True),
        ("[!ab].md", "b.md", False, False),
        ("[!ab].md", "c.md", False, True),
        ("*.txt\n!keep.txt", "keep.txt", False, False),
        ("*.txt\n!keep.txt", "other.txt", False, True),
        ("!keep.txt\n*.txt", "keep.txt", False, True),
        ("# comment\n\n", "# comment", False, False),
        ("\\#hash.md", "#hash.md", False, True),
        ("\\!bang.md", "!bang.md", False, True),
        ("trailing.md   ", "trailing.md", False, True),
        ("weird\\ ", "weird ", False, True),
    ],
)
def test_pattern(patterns: str, relative: str, is_dir: bool, expected: bool) -> None:
    assert ignored(patterns, relative, is_dir=is_dir) is expected


def test_deeper_files_override_shallower_ones_and_apply_only_below(tmp_path: Path) -> None:
    (tmp_path / ".gitignore").write_text("*.md\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / ".gitignore").write_text("!readme.md\n/local.txt\n")
    rules = IgnoreRules().descend(tmp_path)
    assert rules.ignored(tmp_path / "sub" / "readme.md", is_dir=False)
    inner = rules.descend(tmp_path / "sub")
    assert not inner.ignored(tmp_path / "sub" / "readme.md", is_dir=False)
    assert inner.ignored(tmp_path / "sub" / "other.md", is_dir=False)
    assert inner.ignored(tmp_path / "sub" / "local.txt", is_dir=False)
    assert not inner.ignored(tmp_path / "local.txt", is_dir=False)
    assert inner.descend(tmp_path / "sub" / "missing") is inner
