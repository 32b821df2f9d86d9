"""`copy_project`: the throwaway copy a project's tests run in."""

from __future__ import annotations

from pathlib import Path

from scaffolder.kit.testing.project import copy_project


def make_project(root: Path) -> Path:
    for relative, text in {
        "pyproject.toml": "[tool.copilot]\n",
        "data/guide.md": "# Guide\n",
        "src/bot/__init__.py": "",
        ".env": "OPENAI_API_KEY=sk-secret\n",
        ".copilot/index.bin": "state",
        ".git/HEAD": "ref: refs/heads/main\n",
        "src/bot/__pycache__/x.pyc": "",
    }.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def files(root: Path) -> set[str]:
    return {str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()}


def test_the_copy_leaves_out_state_secrets_and_caches(tmp_path: Path) -> None:
    source = make_project(tmp_path / "bot")
    copy = copy_project(source, tmp_path / "copy")
    assert files(copy) == {"pyproject.toml", "data/guide.md", "src/bot/__init__.py"}


def test_a_destination_inside_the_project_is_not_copied_into_itself(tmp_path: Path) -> None:
    """pytest's temporary folder may be inside the project (`--basetemp=.tmp`, pytester)."""
    source = make_project(tmp_path / "bot")
    (source / ".tmp" / "old-run.txt").parent.mkdir()
    (source / ".tmp" / "old-run.txt").write_text("x", encoding="utf-8")
    copy = copy_project(source, source / ".tmp" / "copy0" / "bot")
    assert files(copy) == {"pyproject.toml", "data/guide.md", "src/bot/__init__.py"}
