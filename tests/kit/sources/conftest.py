"""A project beside a team's repository: a copy of the standard library's `json` package (real
code that is not the template's sample) as the repository outside the project."""

from __future__ import annotations

import shutil
import sysconfig
from pathlib import Path

import pytest

STDLIB = Path(sysconfig.get_paths()["stdlib"])


@pytest.fixture
def team(tmp_path: Path) -> tuple[Path, Path]:
    """(project, repository): the project has data/ and src/, the repository sits beside it
    with its own .gitignore."""
    project = tmp_path / "bot"
    (project / "data").mkdir(parents=True)
    (project / "src").mkdir()
    (project / "pyproject.toml").write_text(
        '[project]\nname = "bot"\n\n[tool.copilot]\ntemplate = "code-assistant"\n'
    )
    (project / "data" / "guide.md").write_text("# Guide\n\nHow the bot answers.\n")
    repo = tmp_path / "jsonlib"
    shutil.copytree(STDLIB / "json", repo, ignore=shutil.ignore_patterns("__pycache__"))
    (repo / ".gitignore").write_text("tool.py\nbuild/\n")
    (repo / "build").mkdir()
    (repo / "build" / "generated.py").write_text("GENERATED = True\n")
    return project, repo
