from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.cli.conftest import Invoke
from tests.conftest import ChangeDir, HistoryBuilder, UseHistory

pytestmark = pytest.mark.usefixtures("installed")


def test_new_with_defaults(copilot: Invoke, tmp_path: Path, chdir: ChangeDir) -> None:
    chdir(tmp_path)
    result = copilot("new", "qa-rag", "mybot", "--defaults")
    assert result.exit_code == 0, result.output
    assert "Created" in result.stdout and "v1.0.0" in result.stdout
    assert "Next steps" in result.stdout and "cd mybot" in result.stdout
    assert (tmp_path / "mybot" / "src" / "mybot" / "config.py").is_file()
    assert (tmp_path / "mybot" / ".git").is_dir()


def test_new_takes_data_and_an_answers_file(copilot: Invoke, tmp_path: Path) -> None:
    answers = tmp_path / "answers.yml"
    answers.write_text("hosting: kubernetes\nci: none\nauthor: Answers File\n")
    result = copilot(
        "new",
        "code_assistant",
        str(tmp_path / "x"),
        "--defaults",
        "--answers-file",
        str(answers),
        "-d",
        "author=Data Flag",
        "--data",
        "project_name=helper",
    )
    assert result.exit_code == 0, result.output
    recorded = yaml.safe_load((tmp_path / "x" / ".copier-answers.yml").read_text())
    assert recorded["hosting"] == "kubernetes"
    assert recorded["author"] == "Data Flag"
    assert recorded["project_name"] == "helper"
    assert recorded["template"] == "code_assistant"


def test_destination_defaults_to_the_project_name(
    copilot: Invoke, tmp_path: Path, chdir: ChangeDir
) -> None:
    chdir(tmp_path)
    result = copilot("new", "qa-rag", "--defaults", "-d", "project_name=Support_Bot")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "support-bot" / "src" / "support_bot").is_dir()


def test_no_git(copilot: Invoke, tmp_path: Path) -> None:
    result = copilot("new", "qa-rag", str(tmp_path / "bot"), "--defaults", "--no-git")
    assert result.exit_code == 0
    assert not (tmp_path / "bot" / ".git").exists()
    assert "git init" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["new", "qa-rag", "bot"], "no terminal for the wizard"),
        (["new", "nope", "bot", "--defaults"], "unknown template 'nope'"),
        (["new", "qa-rag", "--defaults"], "name the new directory"),
        (["new", "qa-rag", "bot", "--defaults", "-d", "project_name=my bot"], "no spaces"),
        (["new", "qa-rag", "bot", "--defaults", "-d", "project_name="], "empty"),
        (["new", "qa-rag", "bot", "--defaults", "-d", "project_name=9lives"], "invalid"),
        (["new", "qa-rag", "bot", "--defaults", "-d", "project_name=def"], "keyword"),
        (["new", "qa-rag", "bot", "--defaults", "-d", "project_name=../x"], "is a path"),
        (["new", "qa-rag", "bot", "--defaults", "-d", "project_name=/tmp/x"], "is a path"),
        (["new", "qa-rag", "bot", "--defaults", "-d", "_src_path=/x"], "copier's own"),
        (["new", "qa-rag", "bot", "--defaults", "-d", "ci=travis"], "Invalid choice"),
        (["new", "qa-rag", "bot", "--defaults", "-d", "openai_api_key=sk-1"], "asks no question"),
        (["new", "qa-rag", "bot", "--defaults", "--answers-file", "missing.yml"], "does not exist"),
    ],
)
def test_bad_input_exits_2_and_writes_nothing(
    copilot: Invoke,
    tmp_path: Path,
    chdir: ChangeDir,
    args: list[str],
    message: str,
) -> None:
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    chdir(workspace)
    result = copilot(*args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stderr.count("\n") == 1, "one line, no traceback"
    assert list(workspace.iterdir()) == []


def test_existing_project_is_not_overwritten(copilot: Invoke, tmp_path: Path) -> None:
    destination = tmp_path / "bot"
    assert copilot("new", "qa-rag", str(destination), "--defaults").exit_code == 0
    (destination / "README.md").write_text("my own readme")
    result = copilot("new", "qa-rag", str(destination), "--defaults", "-d", "ci=none")
    assert result.exit_code == 2
    assert "not empty" in result.stderr
    assert (destination / "README.md").read_text() == "my own readme"


def test_unreleased_templates_are_announced(
    copilot: Invoke,
    tmp_path: Path,
    histories: HistoryBuilder,
    use_history: UseHistory,
) -> None:
    from scaffolder.scaffold import TemplateHistory

    (histories.templates / "base" / ".gitignore.jinja").write_text("wip/\n")
    use_history(
        TemplateHistory(
            bundle=histories.bundle,
            lock=histories.lock,
            version="1.0.0",
            checkout=histories.templates,
        )
    )
    result = copilot("new", "qa-rag", str(tmp_path / "bot"), "--defaults")
    assert result.exit_code == 0
    assert "cannot be updated" in result.stderr
    assert "unreleased templates" in result.stdout
    assert (tmp_path / "bot" / ".gitignore").read_text() == "wip/\n"


@pytest.mark.parametrize("spelling", [".", "absolute"])
def test_new_fills_the_empty_folder_you_stand_in(
    copilot: Invoke, tmp_path: Path, chdir: ChangeDir, spelling: str
) -> None:
    here = tmp_path / "mybot"
    here.mkdir()
    inode = here.stat().st_ino
    chdir(here)
    result = copilot("new", "qa-rag", "." if spelling == "." else str(here), "--defaults")
    assert result.exit_code == 0, result.output
    assert Path.cwd() == here and here.stat().st_ino == inode, "the folder was replaced"
    assert (here / "src" / "mybot" / "config.py").is_file()
    assert "cd ." not in result.stdout
    log = subprocess.run(["git", "log", "--oneline"], cwd=here, capture_output=True, text=True)
    assert len(log.stdout.splitlines()) == 1
    assert sorted(p.name for p in here.iterdir() if p.name.startswith(".copilot")) == []


@pytest.mark.parametrize(
    ("name", "owner"),
    [("httpx", "httpx"), ("fastapi", "fastapi"), ("starlette", "starlette"), ("yaml", "PyYAML")],
)
def test_a_name_that_shadows_a_dependency_exits_2_naming_it(
    copilot: Invoke, tmp_path: Path, chdir: ChangeDir, name: str, owner: str
) -> None:
    chdir(tmp_path)
    result = copilot("new", "qa-rag", "--defaults", "-d", f"project_name={name}")
    assert result.exit_code == 2
    assert f"of {owner}" in result.stderr and result.stderr.count("\n") == 1
    assert not (tmp_path / name).exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"project_name: caf\xe9\n", "is not UTF-8"),
        (b"\xff\xfep\x00r\x00", "is not UTF-8"),
        (b"- one\n- two\n", "must hold a mapping"),
        (b"just words\n", "must hold a mapping"),
    ],
)
def test_a_bad_answers_file_is_one_line_exit_2_and_nothing_created(
    copilot: Invoke, tmp_path: Path, chdir: ChangeDir, content: bytes, message: str
) -> None:
    answers = tmp_path / "answers.yml"
    answers.write_bytes(content)
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    chdir(workspace)
    result = copilot("new", "qa-rag", "bot", "--defaults", "--answers-file", str(answers))
    assert result.exit_code == 2
    assert message in result.stderr and result.stderr.count("\n") == 1
    assert list(workspace.iterdir()) == []


def test_a_parent_that_is_a_file_is_one_line_exit_2(copilot: Invoke, tmp_path: Path) -> None:
    (tmp_path / "plain").write_text("x")
    result = copilot("new", "qa-rag", str(tmp_path / "plain" / "bot"), "--defaults")
    assert result.exit_code == 2
    assert "cannot write in" in result.stderr and result.stderr.count("\n") == 1
    assert (tmp_path / "plain").read_text() == "x"


FIXTURES = Path(__file__).resolve().parent.parent / "kit" / "adapt" / "fixtures"


def bakery_docs(folder: Path) -> Path:
    """The bakery documents, a nested one, and files `new --docs` must skip."""
    shutil.copytree(FIXTURES / "bakery", folder)
    (folder / "guides").mkdir()
    shutil.copy(FIXTURES / "cli" / "tidyfs.txt", folder / "guides" / "tidyfs.txt")
    (folder / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    (folder / "notes.txt").write_bytes(b"binary\x00\x01\x02 data")
    return folder


def test_new_with_docs_copies_indexes_and_adapts_before_the_first_commit(
    copilot: Invoke, tmp_path: Path, chdir: ChangeDir
) -> None:
    from scaffolder.kit.retrieval.store import open_store
    from scaffolder.kit.settings import CopilotSettings

    chdir(tmp_path)
    bakery_docs(tmp_path / "docs")
    result = copilot("new", "qa-rag", "bot", "--defaults", "--docs", "docs")
    assert result.exit_code == 0, result.output
    project = tmp_path / "bot"
    data = sorted(p.relative_to(project).as_posix() for p in (project / "data").rglob("*.*"))
    assert data == ["data/baking.md", "data/guides/tidyfs.txt", "data/starter.md"]
    assert "not copied" in result.stderr and "photo.png" in result.stderr
    assert "notes.txt" in result.stderr
    assert "Topic (derived)" in result.stdout
    for folder in ("skills", "benchmarks", "tests", "data"):
        for path in (project / folder).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts:
                assert "lumen" not in path.read_text(encoding="utf-8").lower(), path
    examples = (project / "skills/answer/examples.txt").read_text()
    assert "# from data/starter.md" in examples
    # One commit holding the documents and the derived files; the index is not in git.
    assert git_output(project, "log", "--format=%s").count("\n") == 1
    assert git_output(project, "status", "--porcelain") == ""
    tracked = git_output(project, "ls-files").splitlines()
    assert "data/guides/tidyfs.txt" in tracked and "adapt.lock.json" in tracked
    assert not [name for name in tracked if name.startswith(".copilot")]
    # The index was built before the commit, for the documents now in data/.
    settings = CopilotSettings.load(project, env_file=None)
    sources = open_store(settings, project).snapshot()
    assert sources.size > 0
    baseline = json.loads((project / "benchmarks/baseline.json").read_text())
    qa = [json.loads(line) for line in (project / "benchmarks/qa.jsonl").read_text().splitlines()]
    cases = [case["id"] for case in qa if "id" in case][:5]
    assert [case["case_id"] for case in baseline["cases"]] == cases
    assert all(case["passed"] for case in baseline["cases"])
    # Adapting again right away finds nothing to change (no second `# from` heading).
    assert examples.count("# from data/baking.md") == 1
    chdir(project)
    again = copilot("adapt")
    assert again.exit_code == 0, again.output
    assert "Nothing to change" in again.stdout
    assert (project / "skills/answer/examples.txt").read_text() == examples
    assert git_output(project, "status", "--porcelain") == ""


def test_several_docs_sources_keep_their_folder_names_and_a_topic_is_kept(
    copilot: Invoke, tmp_path: Path
) -> None:
    bakery_docs(tmp_path / "bakery")
    result = copilot(
        "new",
        "qa-rag",
        str(tmp_path / "bot"),
        "--defaults",
        "--docs",
        str(tmp_path / "bakery"),
        "--docs",
        str(FIXTURES / "cli" / "tidyfs-config.txt"),
        "--topic",
        "bread and file sorting",
    )
    assert result.exit_code == 0, result.output
    project = tmp_path / "bot"
    assert (project / "data" / "bakery" / "guides" / "tidyfs.txt").is_file()
    assert (project / "data" / "tidyfs-config.txt").is_file()
    assert "bread and file sorting" in (project / "skills/out_of_scope/reply.md").read_text()
    manifest = json.loads((project / "adapt.lock.json").read_text())
    assert (manifest["topic"], manifest["topic_given"]) == ("bread and file sorting", True)


@pytest.mark.parametrize(
    ("prepare", "args", "message"),
    [
        ("", ["--docs", "nowhere"], "no such file or folder"),
        ("empty", ["--docs", "empty"], "the folder is empty"),
        ("unsupported", ["--docs", "unsupported"], "none of the 2 file(s)"),
        ("inside", ["--docs", "bot/docs"], "overlaps the new project"),
        ("around", ["--docs", "."], "overlaps the new project"),
        ("docs", ["--topic", "bread"], "--topic needs --docs"),
        ("docs", ["--docs", "docs", "--topic", " "], "--topic is empty"),
        ("docs", ["--docs", "docs", "--template-swap"], "qa-rag only"),
    ],
)
def test_bad_docs_exit_2_in_one_line_and_nothing_is_created(
    copilot: Invoke,
    tmp_path: Path,
    chdir: ChangeDir,
    prepare: str,
    args: list[str],
    message: str,
) -> None:
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    chdir(workspace)
    if prepare == "empty":
        (workspace / "empty").mkdir()
    elif prepare == "unsupported":
        (workspace / "unsupported").mkdir()
        (workspace / "unsupported" / "a.png").write_bytes(b"\x89PNG\r\n\x1a\n")
        (workspace / "unsupported" / "b.txt").write_bytes(b"\x00\x01\x02")
    elif prepare == "inside":
        (workspace / "bot" / "docs").mkdir(parents=True)
        (workspace / "bot" / "docs" / "a.md").write_text("# A\n\nText.\n")
    elif prepare in ("docs", "around"):
        shutil.copytree(FIXTURES / "bakery", workspace / "docs")
    template = "code-assistant" if "--template-swap" in args else "qa-rag"
    args = [arg for arg in args if arg != "--template-swap"]
    before = sorted(p.relative_to(workspace) for p in workspace.rglob("*"))
    result = copilot("new", template, "bot", "--defaults", *args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert result.stderr.count("\n") == 1, "one line, no traceback"
    assert sorted(p.relative_to(workspace) for p in workspace.rglob("*")) == before


def git_output(project: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=project, check=True, capture_output=True, text=True
    ).stdout


def ci_smoke_script(project: Path) -> tuple[str, dict[str, str]]:
    """The generated CI's benchmark smoke step: its commands and its env, as CI runs them."""
    workflow = yaml.safe_load((project / ".github" / "workflows" / "ci.yml").read_text())
    step = next(s for s in workflow["jobs"]["test"]["steps"] if s.get("name") == "Benchmark smoke")
    return step["run"], {str(k): str(v) for k, v in step.get("env", {}).items()}


@pytest.mark.slow
def test_new_with_docs_then_the_projects_tests_bench_and_ci_smoke_pass(tmp_path: Path) -> None:
    """The acceptance run as a new user makes it, on documents that are not the sample."""
    from tests.test_generated_projects import (
        COPILOT,
        project_env,
        run_copilot,
        run_project_tests,
    )

    bakery_docs(tmp_path / "docs")
    shutil.copy(FIXTURES / "cli" / "tidyfs-config.txt", tmp_path / "docs" / "tidyfs-config.txt")
    # A team's documents may hold its old scripts; they are answered from, not linted.
    (tmp_path / "docs" / "tools").mkdir()
    (tmp_path / "docs" / "tools" / "proof.py").write_text(
        "#!/usr/bin/env python\nimport sys, os\nprint 'proofing dough for', sys.argv[1]\n"
    )
    made = subprocess.run(
        [str(COPILOT), "new", "qa-rag", "x", "--docs", "docs", "--defaults"],
        cwd=tmp_path,
        env=project_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert made.returncode == 0, made.stderr
    project = tmp_path / "x"
    found = subprocess.run(
        ["grep", "-ril", "lumen", "skills", "benchmarks", "tests", "data"],
        cwd=project,
        capture_output=True,
        text=True,
    )
    assert found.stdout == "" and found.returncode == 1
    tests = run_project_tests(project)
    assert tests.returncode == 0, tests.stdout[-3000:] + tests.stderr[-2000:]
    bench = run_copilot(project, "bench", "run", "qa")
    assert bench.returncode == 0, bench.stdout + bench.stderr
    script, env = ci_smoke_script(project)
    smoke = subprocess.run(
        ["bash", "-e", "-c", script],
        cwd=project,
        env=project_env(**env),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert smoke.returncode == 0, smoke.stdout[-3000:] + smoke.stderr[-2000:]
    assert "pass rate 100.0% -> 100.0%" in smoke.stdout
    assert (project / "data" / "tools" / "proof.py").is_file()
    lint = subprocess.run(  # the generated CI's lint step
        [str(COPILOT.with_name("ruff")), "check", "--no-cache", "."],
        cwd=project, capture_output=True, text=True,
    )  # fmt: skip
    assert lint.returncode == 0, lint.stdout
    safety = run_copilot(project, "bench", "run", "safety")
    assert safety.returncode == 0, safety.stdout + safety.stderr
