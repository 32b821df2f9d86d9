"""`create_project`: what each answer renders, and that failures write nothing."""

from __future__ import annotations

import itertools
import os
import signal
import stat
import subprocess
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pytest
import yaml

from scaffolder import faults
from scaffolder.errors import Interrupted, UsageError
from scaffolder.scaffold import NewProjectRequest, create_project
from scaffolder.scaffold._assembly import assemble
from tests.conftest import TEMPLATES, ChangeDir, HistoryBuilder

ReadOnly = Callable[[Path], AbstractContextManager[None]]

COMMON_FILES = {
    ".copier-answers.yml",
    ".devcontainer/devcontainer.json",
    ".dockerignore",
    ".env.example",
    ".gitignore",
    "Dockerfile",
    "Makefile",
    "README.md",
    "prompts.lock",
    "pyproject.toml",
    "tests/test_prompts.py",
}
#: Folders a template owns whole (copied as they are, whatever the answers).
CONTENT_FOLDERS = ("skills", "prompts", "data", "benchmarks", "tests", "src")
# Every answer that changes the set of files, in every combination.
FILE_SET_ANSWERS = list(
    itertools.product(
        ["qa-rag", "code-assistant"],
        ["docker-compose", "kubernetes"],
        ["github-actions", "none"],
        ["embedded", "server"],
    )
)


def content_files(template: str) -> set[str]:
    """The files of a template's own folders (base and overlay assembled), as rendered into a
    project named `bot`."""
    folder = template.replace("-", "_")
    found = set()
    for path in assemble(TEMPLATES).files:
        if path.parts[0] == folder and path.parts[1] in CONTENT_FOLDERS:
            relative = str(path.relative_to(folder)).removesuffix(".jinja")
            found.add(relative.replace("{{ package_name }}", "bot"))
    return found


def git_lines(project: Path, *args: str) -> list[str]:
    return subprocess.run(
        ["git", *args], cwd=project, capture_output=True, text=True, check=True
    ).stdout.splitlines()


@pytest.fixture
def read_only() -> ReadOnly:
    """Make a folder unwritable for real: its mode for a normal user; root ignores modes, so
    there the immutable attribute (ext4 and most Linux file systems), or skip."""

    @contextmanager
    def locked(folder: Path) -> Iterator[None]:
        if os.geteuid() != 0:
            folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
            try:
                yield
            finally:
                folder.chmod(stat.S_IRWXU)
            return
        if subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode != 0:
            pytest.skip("running as root on a file system without chattr +i")
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", str(folder)], check=True)

    return locked


def files_of(project: Path) -> set[str]:
    return {
        str(p.relative_to(project))
        for p in project.rglob("*")
        if p.is_file() and ".git" not in p.relative_to(project).parts
    }


@pytest.mark.parametrize(("template", "hosting", "ci", "vector_db"), FILE_SET_ANSWERS)
def test_file_set_follows_the_answers(
    histories: HistoryBuilder, tmp_path: Path, template: str, hosting: str, ci: str, vector_db: str
) -> None:
    result = create_project(
        NewProjectRequest(
            template,
            tmp_path / "bot",
            data={"hosting": hosting, "ci": ci, "vector_db": vector_db},
            init_git=False,
        ),
        histories.history(),
    )
    files = files_of(result.destination)
    expected = set(COMMON_FILES) | content_files(template)
    if template == "qa-rag":
        expected.add("adapt.lock.json")  # what `copilot adapt` derived from data/, merged later
    if hosting == "docker-compose":
        expected |= {"compose.yaml", "otel-collector.yaml"}
    else:
        expected |= {"k8s/app.yaml", "k8s/config.yaml", "k8s/secret.yaml", "k8s/kustomization.yaml"}
        if vector_db == "server":
            expected.add("k8s/chroma.yaml")
    if ci == "github-actions":
        expected.add(".github/workflows/ci.yml")
    assert files == expected
    pyproject = (result.destination / "pyproject.toml").read_text()
    assert f'vector_db = "{vector_db}"' in pyproject
    assert ('chroma_url = "http://localhost:8000"' in pyproject) == (vector_db == "server")


def test_answers_file_records_the_release_with_a_portable_path(
    histories: HistoryBuilder, tmp_path: Path
) -> None:
    result = create_project(NewProjectRequest("qa_rag", tmp_path / "bot"), histories.history())
    answers = yaml.safe_load((result.destination / ".copier-answers.yml").read_text())
    assert answers["_src_path"] == "~/.local/share/copilot/templates.bundle"
    assert answers["_commit"] == "v1.0.0"
    assert answers["template"] == "qa_rag"
    assert result.updatable


@pytest.mark.parametrize(
    ("provider", "extra", "expected"),
    [
        ("openai", {}, ["OPENAI_API_KEY="]),
        (
            "azure-openai",
            {"llm_base_url": "https://acme.openai.azure.com"},
            ["AZURE_OPENAI_API_KEY=", "AZURE_OPENAI_ENDPOINT=https://acme.openai.azure.com"],
        ),
        (
            "openai-compatible",
            {"llm_base_url": "http://localhost:8001/v1"},
            ["OPENAI_BASE_URL=http://localhost:8001/v1"],
        ),
    ],
)
def test_provider_answers_reach_env_example_but_keys_are_never_asked(
    histories: HistoryBuilder,
    tmp_path: Path,
    provider: str,
    extra: dict[str, str],
    expected: list[str],
) -> None:
    result = create_project(
        NewProjectRequest("qa-rag", tmp_path / "bot", data={"llm_provider": provider, **extra}),
        histories.history(),
    )
    env_lines = (result.destination / ".env.example").read_text().splitlines()
    for line in expected:
        assert line in env_lines
    answers = (result.destination / ".copier-answers.yml").read_text()
    assert "key" not in answers.lower()
    assert ".env\n" in (result.destination / ".gitignore").read_text()


def test_project_is_committed_even_without_a_git_identity(
    histories: HistoryBuilder, tmp_path: Path
) -> None:
    result = create_project(NewProjectRequest("qa-rag", tmp_path / "bot"), histories.history())
    log = subprocess.run(
        ["git", "log", "--format=%an|%s"], cwd=result.destination, capture_output=True, text=True
    ).stdout.strip()
    assert log == "Your Team|Generate project from copilot template qa-rag v1.0.0"
    status = subprocess.run(
        ["git", "status", "--porcelain"], cwd=result.destination, capture_output=True, text=True
    ).stdout
    assert status == ""


def test_an_existing_empty_directory_is_used(histories: HistoryBuilder, tmp_path: Path) -> None:
    (tmp_path / "bot").mkdir()
    result = create_project(NewProjectRequest("qa-rag", tmp_path / "bot"), histories.history())
    assert (result.destination / "pyproject.toml").is_file()


def test_missing_parents_are_created(histories: HistoryBuilder, tmp_path: Path) -> None:
    result = create_project(
        NewProjectRequest("qa-rag", tmp_path / "a" / "b" / "bot"), histories.history()
    )
    assert (result.destination / "pyproject.toml").is_file()


def test_a_non_empty_destination_is_left_alone(histories: HistoryBuilder, tmp_path: Path) -> None:
    destination = tmp_path / "bot"
    destination.mkdir()
    (destination / "notes.txt").write_text("mine")
    with pytest.raises(UsageError, match="not empty"):
        create_project(NewProjectRequest("qa-rag", destination), histories.history())
    assert [p.name for p in destination.iterdir()] == ["notes.txt"]


def test_a_file_as_destination_is_refused(histories: HistoryBuilder, tmp_path: Path) -> None:
    (tmp_path / "bot").write_text("x")
    with pytest.raises(UsageError, match="not a directory"):
        create_project(NewProjectRequest("qa-rag", tmp_path / "bot"), histories.history())


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ({"project_name": "my bot"}, "invalid"),
        ({"project_name": "../x"}, "is a path"),
        ({"project_name": "/etc/bot"}, "is a path"),
        ({"project_name": "import"}, "keyword"),
        ({"llm_provider": "bogus"}, "Invalid choice"),
        ({"llm_provider": "openai-compatible", "llm_base_url": "localhost"}, "URL"),
        ({"no_such_question": "1"}, "asks no question"),
        ({"template": "code_assistant"}, "contradicts"),
    ],
)
def test_bad_answers_write_nothing(
    histories: HistoryBuilder, tmp_path: Path, data: dict[str, str], reason: str
) -> None:
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    with pytest.raises(UsageError, match=reason):
        create_project(
            NewProjectRequest("qa-rag", workspace / "bot", data=data), histories.history()
        )
    assert list(workspace.iterdir()) == []


def test_a_bad_name_from_the_destination_says_how_to_fix_it(
    histories: HistoryBuilder, tmp_path: Path
) -> None:
    with pytest.raises(UsageError, match="--data project_name="):
        create_project(NewProjectRequest("qa-rag", tmp_path / "2bot"), histories.history())
    assert not (tmp_path / "2bot").exists()


def test_unknown_template(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="unknown template 'qa-ragg'"):
        create_project(NewProjectRequest("qa-ragg", tmp_path / "bot"))
    assert not (tmp_path / "bot").exists()


def make_template_repo(root: Path, copier_yml: str, files: dict[str, str]) -> Path:
    root.mkdir(parents=True)
    (root / "copier.yml").write_text(copier_yml)
    (root / "{{ _copier_conf.answers_file }}.jinja").write_text(
        "{{ _copier_answers | to_nice_yaml }}"
    )
    for name, content in files.items():
        (root / name).write_text(content)
    env = {
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@t",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@t",
        "PATH": "/usr/bin:/bin",
    }
    for command in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "v1"], ["tag", "v1.0.0"]):
        subprocess.run(["git", *command], cwd=root, check=True, env=env)
    return root


def test_third_party_template_from_a_local_git_repo(tmp_path: Path) -> None:
    source = make_template_repo(
        tmp_path / "tpl",
        "greeting:\n  type: str\n  default: hi\n",
        {"hello.txt.jinja": "{{ greeting }} world\n"},
    )
    result = create_project(
        NewProjectRequest(str(source), tmp_path / "out", data={"greeting": "hello"})
    )
    assert (result.destination / "hello.txt").read_text() == "hello world\n"
    assert result.updatable


def test_third_party_tasks_need_trust(tmp_path: Path) -> None:
    source = make_template_repo(
        tmp_path / "tpl", "_tasks:\n  - touch ran-a-task\n", {"a.txt": "a\n"}
    )
    with pytest.raises(UsageError, match="--trust"):
        create_project(NewProjectRequest(str(source), tmp_path / "out"))
    assert not (tmp_path / "out").exists()
    result = create_project(NewProjectRequest(str(source), tmp_path / "out", trust=True))
    assert (result.destination / "a.txt").is_file()


def test_the_folder_you_stand_in_is_filled_not_replaced(
    histories: HistoryBuilder, tmp_path: Path, chdir: ChangeDir
) -> None:
    here = tmp_path / "bot"
    here.mkdir()
    inode = here.stat().st_ino
    chdir(here)
    result = create_project(NewProjectRequest("qa-rag", Path()), histories.history())  # "."
    assert result.destination == here
    assert Path.cwd() == here and here.stat().st_ino == inode
    assert (here / "src" / "bot" / "config.py").is_file()
    assert git_lines(here, "log", "--format=%s") == [
        "Generate project from copilot template qa-rag v1.0.0"
    ]
    assert git_lines(here, "status", "--porcelain") == []
    assert not [p for p in here.iterdir() if p.name.startswith(".copilot-new")]


@pytest.fixture
def ctrl_c_raises() -> Iterator[None]:
    """Ctrl-C as a user's `copilot` process gets it: the default handler, not blocked.

    These tests send SIGINT to their own process at a crash point. A pytest-xdist worker runs
    hundreds of tests before them, and a handler left behind by one of them or by a native
    library (a Ctrl-C handler installed with sigaction, which `signal.getsignal` does not see)
    swallowed the signal: once in CI all four cases failed with "DID NOT RAISE" together. The
    default is set for the test and what was there is put back."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    mask = signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        signal.signal(signal.SIGINT, previous if previous is not None else signal.SIG_DFL)


def test_an_interruption_during_the_first_commit_leaves_nothing(
    histories: HistoryBuilder,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    ctrl_c_raises: None,
) -> None:
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    history = histories.history()
    trace = tmp_path / "trace"
    monkeypatch.setenv(faults.CRASH_TRACE_VARIABLE, str(trace))
    faults.reset_crash_points()
    create_project(NewProjectRequest("qa-rag", tmp_path / "probe"), history)
    labels = [line.split("\t")[1] for line in trace.read_text().splitlines()]
    point = labels.index("new: committing") + 1
    monkeypatch.setenv(faults.CRASH_AT_VARIABLE, f"{point}:INT")
    faults.reset_crash_points()
    with pytest.raises(KeyboardInterrupt):
        create_project(NewProjectRequest("qa-rag", workspace / "bot"), history)
    assert list(workspace.iterdir()) == []


@pytest.mark.parametrize("where", ["new folder", "existing folder"])
def test_an_unwritable_parent_is_one_line_and_writes_nothing(
    histories: HistoryBuilder, tmp_path: Path, read_only: ReadOnly, where: str
) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    destination = locked if where == "existing folder" else locked / "bot"
    with read_only(locked), pytest.raises(UsageError, match="cannot write") as raised:
        create_project(NewProjectRequest("qa-rag", destination), histories.history())
    assert "\n" not in str(raised.value) and "nothing was written" in str(raised.value)
    assert list(locked.iterdir()) == []


def test_a_file_on_the_way_is_one_line_and_writes_nothing(
    histories: HistoryBuilder, tmp_path: Path
) -> None:
    (tmp_path / "plain").write_text("x")
    with pytest.raises(UsageError, match="cannot write"):
        create_project(NewProjectRequest("qa-rag", tmp_path / "plain" / "bot"), histories.history())
    assert (tmp_path / "plain").read_text() == "x"


@pytest.mark.parametrize(("name", "owner"), [("httpx", "httpx"), ("fastapi", "fastapi")])
def test_a_name_that_shadows_a_dependency_is_refused_before_rendering(
    histories: HistoryBuilder, tmp_path: Path, name: str, owner: str
) -> None:
    with pytest.raises(UsageError, match=f"shadow the module '{name}' of {owner}"):
        create_project(NewProjectRequest("qa-rag", tmp_path / name), histories.history())
    assert not (tmp_path / name).exists()


def plant_staging(folder: Path, listing: object, staged: list[str]) -> Path:
    """A staging folder as a killed `new` would leave it, with whatever list we like."""
    import json

    staging = folder / ".copilot-new.999999.planted"
    (staging / "project").mkdir(parents=True)
    (staging / "lock").touch()
    for name in staged:
        (staging / "project" / name).write_text("staged")
    (staging / "placing.json").write_text(json.dumps(listing))
    return staging


def test_a_planted_list_cannot_remove_a_users_file(tmp_path: Path) -> None:
    from scaffolder.scaffold._staging import clean_leftovers

    folder = tmp_path / "bot"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")
    listed = [
        {"name": "notes.txt", "device": 1, "inode": 1},  # same name, not the file moved
        {"name": "README.md", "device": 1, "inode": 2},
    ]
    plant_staging(folder, {"format": 1, "entries": listed}, ["README.md"])
    messages = clean_leftovers(folder)
    assert len(messages) == 1 and "the 0 entries" in messages[0]
    assert [p.name for p in folder.iterdir()] == ["notes.txt"]
    assert (folder / "notes.txt").read_text() == "mine"


@pytest.mark.parametrize(
    "listing",
    [
        {"format": 1, "entries": [{"name": "../outside", "device": 1, "inode": 1}]},
        {"format": 1, "entries": [{"name": "a/b", "device": 1, "inode": 1}]},
        {"format": 1, "entries": ["notes.txt"]},
        {"format": 2, "entries": []},
        "not a mapping",
    ],
)
def test_a_damaged_list_removes_nothing_and_says_so_in_one_line(
    tmp_path: Path, listing: object
) -> None:
    from scaffolder.scaffold._staging import clean_leftovers

    folder = tmp_path / "bot"
    folder.mkdir()
    (tmp_path / "outside").write_text("keep")
    staging = plant_staging(folder, listing, ["README.md"])
    with pytest.raises(UsageError, match="list of placed entries is damaged") as raised:
        clean_leftovers(folder)
    assert "\n" not in str(raised.value)
    assert staging.is_dir() and (tmp_path / "outside").read_text() == "keep"


def test_a_staging_folder_that_is_still_locked_is_left_alone(
    histories: HistoryBuilder, tmp_path: Path
) -> None:
    import fcntl

    from scaffolder.scaffold._staging import clean_leftovers

    folder = tmp_path / "bot"
    folder.mkdir()
    staging = plant_staging(folder, {"format": 1, "entries": []}, [])
    with (staging / "lock").open("r+") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        assert clean_leftovers(folder) == []
        with pytest.raises(UsageError, match="another `copilot new` is writing"):
            create_project(NewProjectRequest("qa-rag", folder), histories.history())
    assert staging.is_dir()
    assert clean_leftovers(folder) != [] and list(folder.iterdir()) == []


@pytest.mark.parametrize("existing", [False, True])
def test_a_disk_error_while_building_is_one_line_and_leaves_nothing(
    tmp_path: Path, existing: bool
) -> None:
    import errno

    from scaffolder.errors import CopilotError
    from scaffolder.scaffold._staging import build_and_place

    destination = tmp_path / "bot"
    if existing:
        destination.mkdir()

    def build(project: Path) -> None:
        project.mkdir()
        (project / "half.txt").write_text("x")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    with pytest.raises(CopilotError, match="No space left on device") as raised:
        build_and_place(destination, build, lambda message: None)
    assert raised.value.exit_code == 1 and "nothing was written" in str(raised.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == (["bot", "home"] if existing else ["home"])
    assert not existing or list(destination.iterdir()) == []


ADAPT_FIXTURES = Path(__file__).resolve().parent.parent / "kit" / "adapt" / "fixtures"


@pytest.mark.parametrize("stop", ["ingest:", "adapt:", "new: adapted"])
def test_an_interruption_while_documents_are_indexed_or_adapted_leaves_nothing(
    histories: HistoryBuilder,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    stop: str,
    ctrl_c_raises: None,
) -> None:
    from scaffolder.kit.adapt import plan_docs

    workspace = tmp_path / "workspace"
    workspace.mkdir()
    history = histories.history()
    docs = plan_docs([ADAPT_FIXTURES / "bakery"], tmp_path / "probe")
    trace = tmp_path / "trace"
    monkeypatch.setenv(faults.CRASH_TRACE_VARIABLE, str(trace))
    faults.reset_crash_points()
    create_project(NewProjectRequest("qa-rag", tmp_path / "probe", docs=docs), history)
    labels = [line.split("\t")[1] for line in trace.read_text().splitlines()]
    point = next(i for i, label in enumerate(labels) if label.startswith(stop)) + 1
    monkeypatch.setenv(faults.CRASH_AT_VARIABLE, f"{point}:INT")
    faults.reset_crash_points()
    with pytest.raises((KeyboardInterrupt, Interrupted)) as raised:
        create_project(NewProjectRequest("qa-rag", workspace / "bot", docs=docs), history)
    if isinstance(raised.value, Interrupted):
        assert str(raised.value) == "interrupted; nothing was written"
    assert list(workspace.iterdir()) == []


def test_docs_are_refused_for_templates_other_than_qa_rag(
    histories: HistoryBuilder, tmp_path: Path
) -> None:
    from scaffolder.kit.adapt import plan_docs

    docs = plan_docs([ADAPT_FIXTURES / "bakery"], tmp_path / "bot")
    with pytest.raises(UsageError, match="qa-rag only"):
        create_project(
            NewProjectRequest("code-assistant", tmp_path / "bot", docs=docs), histories.history()
        )
    assert not (tmp_path / "bot").exists()
