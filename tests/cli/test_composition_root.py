"""The commands build the copilot through the project's app: its settings class (a field it
adds changes what a skill does), from any folder of the project, whether or not the project
is installed; a project made before 0.5 (no app) still runs, with one line saying so."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scaffolder.kit.copilot import bench_target
from tests.cli.conftest import Invoke
from tests.conftest import ChangeDir

QUESTION = "How do I reset the lamp to factory settings?"
LEGACY_NOTE = "has no [tool.copilot] app"


def set_passages(project: Path, count: int) -> None:
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + f"answer_passages = {count}\n")


@pytest.mark.parametrize("count", [1, 3])
def test_ask_uses_the_projects_own_setting(
    copilot: Invoke, qa_project: Path, chdir: ChangeDir, count: int
) -> None:
    set_passages(qa_project, count)
    (qa_project / "src" / "deep").mkdir()
    chdir(qa_project / "src" / "deep")
    result = copilot("ask", "--json", QUESTION)
    assert result.exit_code == 0, result.stderr
    reply = json.loads(result.stdout)
    assert reply["skill"] == "answer"
    assert len(reply["sources"]) == count
    assert LEGACY_NOTE not in result.stderr


def test_bench_runs_the_apps_copilot(copilot: Invoke, qa_project: Path, chdir: ChangeDir) -> None:
    set_passages(qa_project, 1)
    pyproject = qa_project / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text()
        + '\n[tool.copilot.bench]\ntarget = "scaffolder.kit.copilot.bench_target:reply"\n'
    )
    shutil_copy_suite(qa_project)
    chdir(qa_project)
    result = copilot("bench", "run", "qa", "--limit", "2", "--format", "json")
    assert result.exit_code == 0, result.stderr
    saved = json.loads(Path(json.loads(result.stdout)["results"]).read_text())
    assert [case["passed"] for case in saved["cases"]] == [True, True]
    # The target ran the copilot of the project's app: its own settings class and value.
    app = bench_target.app()
    assert app.root == qa_project
    assert type(app.settings).__module__ == "lumenbot.config"
    assert app.settings.answer_passages == 1  # type: ignore[attr-defined]


def shutil_copy_suite(project: Path) -> None:
    from tests.conftest import TEMPLATES

    (project / "benchmarks").mkdir(exist_ok=True)
    suite = (TEMPLATES / "qa_rag" / "benchmarks" / "qa.jsonl").read_text()
    (project / "benchmarks" / "qa.jsonl").write_text(suite)


def test_a_project_without_app_runs_the_old_way_and_says_so_once(
    copilot: Invoke, tmp_path: Path, chdir: ChangeDir
) -> None:
    root = tmp_path / "old"
    (root / "skills" / "hello").mkdir(parents=True)
    (root / "skills" / "hello" / "skill.py").write_text(
        "from scaffolder.kit.routing import Skill, SkillReply\n"
        "SKILL = Skill(name='hello', description='d', handler=lambda r: SkillReply('hi there'),"
        " examples=('hello there',))\n"
    )
    (root / "pyproject.toml").write_text('[tool.copilot]\ntemplate = "qa-rag"\n')
    chdir(root)
    result = copilot("ask", "hello there")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == "hi there"
    assert result.stderr.count(LEGACY_NOTE) == 1


def test_a_broken_app_is_one_line(copilot: Invoke, qa_project: Path, chdir: ChangeDir) -> None:
    (qa_project / "src" / "lumenbot" / "app.py").write_text("import no_such_module\n")
    chdir(qa_project)
    result = copilot("ask", QUESTION)
    assert result.exit_code == 2
    assert (
        result.stderr.strip()
        .splitlines()[-1]
        .endswith(
            "cannot import lumenbot.app: ModuleNotFoundError: No module named 'no_such_module'"
        )
    )
    assert "Traceback" not in result.stderr
