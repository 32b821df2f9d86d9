"""`copilot adapt` in a code-assistant project: routing examples from the symbol index, merged
by the manifest so the team's edits survive and names that are gone are retired."""

from __future__ import annotations

from pathlib import Path

from scaffolder.kit.adapt import apply_plan
from scaffolder.kit.adapt.code import plan_code_adaptation
from scaffolder.kit.symbols.index import SymbolIndex, build

CODE = {
    "repo/parser.py": "def parse_headers(fp):\n    pass\n\n\nclass FeedParser:\n    pass\n",
    "repo/cli.js": "function splitFlags(flags) {\n  return flags;\n}\n",
}


def index(files: dict[str, str]) -> SymbolIndex:
    return build("g", {name: str(hash(text)) for name, text in files.items()}, files.get)


def examples(root: Path, skill: str) -> list[str]:
    return (root / "skills" / skill / "examples.txt").read_text().splitlines()


def test_examples_name_the_teams_code_and_a_hand_edit_survives(tmp_path: Path) -> None:
    (tmp_path / "skills" / "explain").mkdir(parents=True)
    (tmp_path / "skills" / "explain" / "examples.txt").write_text("# header\nexplain this\n")
    apply_plan(plan_code_adaptation(tmp_path, index(CODE)))
    assert "where is parse_headers defined?" in examples(tmp_path, "ask_codebase")
    assert "add a test for splitFlags" in examples(tmp_path, "add_test")
    explain = examples(tmp_path, "explain")
    assert explain[:2] == ["# header", "explain this"]  # the team's lines first, kept
    assert "explain FeedParser" in explain
    # The team rewrites a derived line; the code loses a function: the edit stays, the
    # derived lines of the vanished function go.
    path = tmp_path / "skills" / "explain" / "examples.txt"
    path.write_text(path.read_text().replace("explain FeedParser", "explain the FeedParser"))
    smaller = dict(CODE)
    smaller["repo/cli.js"] = "// nothing left\n"
    plan = plan_code_adaptation(tmp_path, index(smaller))
    apply_plan(plan)
    assert "explain the FeedParser" in examples(tmp_path, "explain")
    assert "explain FeedParser" not in examples(tmp_path, "explain")
    assert not any("splitFlags" in line for line in examples(tmp_path, "add_test"))
    assert any("explain FeedParser" in edit for edit in plan.kept_edits)
    assert plan_code_adaptation(tmp_path, index(smaller)).writes == {}  # settled
