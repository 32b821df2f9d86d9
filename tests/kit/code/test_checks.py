from __future__ import annotations

from pathlib import Path

import pytest

from scaffolder.errors import UsageError
from scaffolder.kit.code.checks import diff_applies, not_truncated, parses, suite_passes_after
from scaffolder.kit.code.proposals import Edit, propose
from tests.kit.code.conftest import SIX_TESTS


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("def f(x):\n    return g(x,\n", "never closed"),
        ("def f():\n    # ... rest of the code here\n", "placeholder at line 2"),
        ("def f():\n    ...\n", "placeholder at line 2: '...'"),
        ("class A:\n    # existing code\n", "placeholder"),
        ("x = ]\n", "unmatched ']'"),
        ('s = """never ends\n', "ends inside a string"),
    ],
)
def test_truncated_code_is_caught(code: str, reason: str) -> None:
    check = not_truncated(code)
    assert not check.ok
    assert reason in check.detail


def test_whole_code_passes_and_brackets_in_strings_do_not_count() -> None:
    assert not_truncated("s = '(['\nd = {1: [2, (3)]}  # )\n").ok
    assert parses("def f(x: int) -> int:\n    return x\n").ok
    bad = parses("def f(:\n", "x.py")
    assert not bad.ok and bad.detail.startswith("x.py: ")


def test_a_diff_that_does_not_apply_is_reported(six_repo: Path) -> None:
    proposal = propose(six_repo, [Edit("six.py", "replace_selection", "# x\n", 3, 4)], rationale="")
    assert [c.name for c in diff_applies(proposal, six_repo)] == [
        "diff_matches_edits", "git_apply", "git_matches_edits",
    ]  # fmt: skip
    broken = type(proposal)(**{**proposal.__dict__, "diff": proposal.diff.replace("-", "-zz", 3)})
    checks = {c.name: c for c in diff_applies(broken, six_repo)}
    assert not checks["diff_matches_edits"].ok
    assert not checks["git_apply"].ok


def test_suite_runs_only_allowed_programs_on_a_copy(six_repo: Path) -> None:
    proposal = propose(
        six_repo, [Edit("six.py", "insert_below", "raise ImportError('broken')\n", 998, 998)],
        rationale="",
    )  # fmt: skip
    with pytest.raises(UsageError, match="command 'rm' is not allowed"):
        suite_passes_after(proposal, six_repo, ["rm", "-rf", "."])
    failed = suite_passes_after(proposal, six_repo, SIX_TESTS)
    assert not failed.ok
    assert "broken" in failed.detail
    assert "ImportError('broken')" not in (six_repo / "six.py").read_text()
