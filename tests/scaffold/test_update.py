"""`update_project` between synthetic template versions, as a team would live through them."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import pytest
import yaml

from scaffolder.errors import (
    TemplateHistoryError,
    UpdateFailedError,
    UpdateRefusedError,
)
from scaffolder.journal import has_journal
from scaffolder.scaffold import (
    NewProjectRequest,
    TemplateHistory,
    UpdateRequest,
    create_project,
    update_project,
)
from scaffolder.scaffold._update import update_journal_dir
from tests.conftest import (
    HistoryBuilder,
    Modifier,
    append_line,
    combine,
    replace_text,
    snapshot,
)

pytestmark = pytest.mark.usefixtures("git_identity")

README = "base/README.md.jinja"
GITIGNORE = "base/.gitignore.jinja"
COMPOSE = "base/{% if hosting == 'docker-compose' %}compose.yaml{% endif %}.jinja"


def git(project: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=project, check=True, capture_output=True, text=True
    ).stdout


def commit_all(project: Path, message: str = "my work") -> None:
    git(project, "add", "-A")
    git(project, "commit", "-qm", message)


@pytest.fixture
def project(histories: HistoryBuilder, tmp_path: Path) -> Path:
    return create_project(
        NewProjectRequest("qa-rag", tmp_path / "bot"), histories.history()
    ).destination


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_same_version_is_a_no_op(project: Path, histories: HistoryBuilder) -> None:
    before = snapshot(project)
    result = update_project(UpdateRequest(project), histories.history())
    assert result.up_to_date
    assert result.changes == []
    assert snapshot(project) == before


def test_new_version_without_template_changes_to_this_file_set_changes_only_the_version(
    project: Path, histories: HistoryBuilder
) -> None:
    newer = histories.release("1.1.0", append_line("code_assistant/overlay.yml", "# ca only"))
    before = snapshot(project)
    result = update_project(UpdateRequest(project), newer)
    assert [change.path for change in result.changes] == [".copier-answers.yml"]
    after = snapshot(project)
    assert {k for k in after if after[k] != before.get(k)} == {".copier-answers.yml"}
    assert yaml.safe_load(after[".copier-answers.yml"])["_commit"] == "v1.1.0"


def test_template_change_and_user_edit_in_the_same_file_merge(
    project: Path, histories: HistoryBuilder
) -> None:
    readme = project / "README.md"
    edit(readme, "## Updating", "## Updating (read this first)")
    commit_all(project)
    newer = histories.release(
        "1.1.0", replace_text(README, "## Where things live", "## Where the files live")
    )
    result = update_project(UpdateRequest(project), newer)
    text = readme.read_text()
    assert "## Updating (read this first)" in text
    assert "## Where the files live" in text
    assert "<<<<<<<" not in text
    assert result.conflicts == []
    assert {c.path for c in result.changes} == {".copier-answers.yml", "README.md"}


def test_conflicting_edits_give_markers_and_a_listing(
    project: Path, histories: HistoryBuilder
) -> None:
    readme = project / "README.md"
    edit(readme, "## Updating", "## Updating (ours)")
    commit_all(project)
    newer = histories.release("1.1.0", replace_text(README, "## Updating", "## Updating (theirs)"))
    result = update_project(UpdateRequest(project), newer)
    assert result.conflicts == ["README.md"]
    text = readme.read_text()
    assert "<<<<<<< before updating" in text
    assert "## Updating (ours)" in text and "## Updating (theirs)" in text
    assert ">>>>>>> after updating" in text
    unmerged = git(project, "ls-files", "-u")
    assert {line.split("\t")[1] for line in unmerged.splitlines()} == {"README.md"}
    assert {line.split()[2] for line in unmerged.splitlines()} == {"1", "2", "3"}


def test_update_on_another_machine_with_an_empty_cache(
    project: Path, histories: HistoryBuilder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A team member clones the project; their HOME has no template cache yet."""
    colleague = tmp_path / "colleague"
    git(tmp_path, "clone", "-q", str(project), str(colleague))
    other_home = tmp_path / "other-home"
    other_home.mkdir()
    monkeypatch.setenv("HOME", str(other_home))
    newer = histories.release("1.1.0", append_line(GITIGNORE, "# new in 1.1.0"))
    assert not (other_home / ".local/share/copilot/templates.bundle").exists()
    result = update_project(UpdateRequest(colleague), newer)
    assert result.to_version == "v1.1.0"
    assert "# new in 1.1.0" in (colleague / ".gitignore").read_text()
    assert (other_home / ".local/share/copilot/templates.bundle").is_file()


@pytest.mark.parametrize("dirt", ["modified", "untracked", "staged"])
def test_a_dirty_tree_is_refused(project: Path, histories: HistoryBuilder, dirt: str) -> None:
    newer = histories.release("1.1.0", append_line(GITIGNORE, "# new"))
    if dirt == "modified":
        (project / "README.md").write_text("changed")
    elif dirt == "untracked":
        (project / "notes.txt").write_text("todo")
    else:
        (project / "new.py").write_text("x = 1\n")
        git(project, "add", "new.py")
    before = snapshot(project)
    with pytest.raises(UpdateRefusedError, match="uncommitted changes"):
        update_project(UpdateRequest(project), newer)
    assert snapshot(project) == before


def test_a_failure_midway_leaves_every_file_byte_identical(
    project: Path, histories: HistoryBuilder
) -> None:
    edit(project / "README.md", "## Updating", "## Updating (mine)")
    commit_all(project)
    # 1.1.0 renders its first files fine, then hits an undefined variable.
    newer = histories.release(
        "1.1.0",
        combine(append_line(GITIGNORE, "# new"), append_line(README, "{{ no_such_variable }}")),
    )
    before = snapshot(project)
    head = git(project, "rev-parse", "HEAD")
    with pytest.raises(UpdateFailedError, match="project is unchanged"):
        update_project(UpdateRequest(project), newer)
    assert snapshot(project) == before
    assert git(project, "rev-parse", "HEAD") == head
    assert git(project, "status", "--porcelain") == ""


def test_a_failure_while_writing_restores_the_files_already_written(
    project: Path, histories: HistoryBuilder, monkeypatch: pytest.MonkeyPatch
) -> None:
    newer = histories.release(
        "1.1.0",
        combine(append_line(GITIGNORE, "# new"), append_line(README, "New section.")),
    )
    before = snapshot(project)
    real_replace = Path.replace
    calls = {"n": 0}

    def failing_replace(source: Path, target: Path) -> Path:
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError("disk full")
        return real_replace(source, target)

    monkeypatch.setattr(Path, "replace", failing_replace)
    with pytest.raises(UpdateFailedError, match="disk full"):
        update_project(UpdateRequest(project), newer)
    assert calls["n"] == 2
    assert snapshot(project) == before


def test_a_file_the_user_deleted_stays_deleted(project: Path, histories: HistoryBuilder) -> None:
    (project / "compose.yaml").unlink()
    (project / "data" / "lumen-overview.md").unlink()
    commit_all(project, "we do not use compose")
    newer = histories.release(
        "1.1.0",
        combine(
            append_line(COMPOSE, "# changed in 1.1.0"),
            append_line(GITIGNORE, "# new"),
        ),
    )
    update_project(UpdateRequest(project), newer)
    assert not (project / "compose.yaml").exists()
    assert not (project / "data" / "lumen-overview.md").exists()
    assert "# new" in (project / ".gitignore").read_text()


def test_changing_an_answer_re_renders(project: Path, histories: HistoryBuilder) -> None:
    result = update_project(
        UpdateRequest(project, data={"vector_db": "server", "hosting": "kubernetes"}),
        histories.history(),
    )
    assert not (project / "compose.yaml").exists()
    assert (project / "k8s" / "chroma.yaml").is_file()
    assert 'vector_db = "server"' in (project / "pyproject.toml").read_text()
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert answers["vector_db"] == "server"
    assert answers["_commit"] == "v1.0.0"
    kinds = {c.path: c.kind for c in result.changes}
    assert kinds["compose.yaml"] == "deleted"
    assert kinds["k8s/chroma.yaml"] == "added"


def test_pretend_reports_and_writes_nothing(project: Path, histories: HistoryBuilder) -> None:
    newer = histories.release("1.1.0", append_line(GITIGNORE, "# new"))
    before = snapshot(project)
    result = update_project(UpdateRequest(project, pretend=True), newer)
    assert {c.path for c in result.changes} == {".copier-answers.yml", ".gitignore"}
    assert snapshot(project) == before
    assert git(project, "status", "--porcelain") == ""


def test_a_project_from_a_newer_copilot_is_refused(
    project: Path, histories: HistoryBuilder
) -> None:
    histories.release("1.1.0", append_line(GITIGNORE, "# new"))
    update_project(UpdateRequest(project), histories.history("1.1.0"))
    commit_all(project, "update")
    with pytest.raises(UpdateRefusedError, match="upgrade copilot first"):
        update_project(UpdateRequest(project), histories.history("1.0.0"))


def test_not_a_generated_project(tmp_path: Path) -> None:
    with pytest.raises(UpdateRefusedError, match="not a generated project"):
        update_project(UpdateRequest(tmp_path))


def test_not_a_git_repository(histories: HistoryBuilder, tmp_path: Path) -> None:
    project = create_project(
        NewProjectRequest("qa-rag", tmp_path / "bot", init_git=False), histories.history()
    ).destination
    with pytest.raises(UpdateRefusedError, match="not in a git repository"):
        update_project(UpdateRequest(project), histories.history())


def test_unreleased_templates_cannot_update(histories: HistoryBuilder, tmp_path: Path) -> None:
    checkout = TemplateHistory(
        bundle=histories.bundle, lock=histories.lock, version="1.0.0", checkout=histories.templates
    )
    append_line(GITIGNORE, "# wip")(histories.templates)
    project = create_project(NewProjectRequest("qa-rag", tmp_path / "bot"), checkout).destination
    with pytest.raises(UpdateRefusedError, match="no template version was recorded"):
        update_project(UpdateRequest(project), checkout)


def test_a_history_that_lost_the_projects_version_is_an_error(
    project: Path, histories: HistoryBuilder, tmp_path: Path, isolated_home: Path
) -> None:
    fresh = HistoryBuilder(tmp_path / "fresh")  # has v1.0.0 under another commit id
    fresh.bundle.unlink()
    fresh.lock.unlink()
    fresh.release("2.0.0", append_line(GITIGNORE, "# 2.0"))
    (isolated_home / ".local/share/copilot/templates.bundle").unlink()
    with pytest.raises(TemplateHistoryError, match=r"lacks v1\.0\.0"):
        update_project(UpdateRequest(project), fresh.history("2.0.0"))


@pytest.mark.parametrize(
    ("data", "reason"),
    [({"nope": "1"}, "no answer 'nope'"), ({"template": "code_assistant"}, "cannot switch")],
)
def test_bad_answer_changes_are_refused(
    project: Path, histories: HistoryBuilder, data: dict[str, str], reason: str
) -> None:
    with pytest.raises(UpdateRefusedError, match=reason):
        update_project(UpdateRequest(project, data=data), histories.history())


def test_update_from_a_subdirectory_finds_the_project(
    project: Path, histories: HistoryBuilder
) -> None:
    newer = histories.release("1.1.0", append_line(GITIGNORE, "# new"))
    result = update_project(UpdateRequest(project / "src"), newer)
    assert result.project == project
    assert "# new" in (project / ".gitignore").read_text()


def test_project_inside_a_larger_repository(histories: HistoryBuilder, tmp_path: Path) -> None:
    monorepo = tmp_path / "mono"
    monorepo.mkdir()
    git(monorepo, "init", "-q")
    (monorepo / "other.txt").write_text("other team\n")
    project = create_project(
        NewProjectRequest("qa-rag", monorepo / "services" / "bot", init_git=False),
        histories.history(),
    ).destination
    commit_all(monorepo, "add bot")
    newer = histories.release("1.1.0", append_line(GITIGNORE, "# new"))
    result = update_project(UpdateRequest(project), newer)
    assert {c.path for c in result.changes} == {".copier-answers.yml", ".gitignore"}
    assert "# new" in (project / ".gitignore").read_text()
    assert (monorepo / "other.txt").read_text() == "other team\n"


def test_third_party_template_updates_to_its_newest_tag(tmp_path: Path) -> None:
    from tests.scaffold.test_new import make_template_repo

    source = make_template_repo(
        tmp_path / "tpl", "greeting:\n  type: str\n  default: hi\n",
        {"hello.txt.jinja": "{{ greeting }} world\n"},
    )  # fmt: skip
    project = create_project(NewProjectRequest(str(source), tmp_path / "out")).destination
    (project / "mine.txt").write_text("mine\n")
    commit_all(project)
    (source / "bye.txt").write_text("bye\n")
    git(source, "add", "-A")
    git(source, "commit", "-qm", "v2")
    git(source, "tag", "v2.0.0")
    result = update_project(UpdateRequest(project))
    assert result.from_version == "v1.0.0"
    assert result.to_version == "v2.0.0"
    assert (project / "bye.txt").read_text() == "bye\n"
    assert (project / "mine.txt").read_text() == "mine\n"


def test_plain_directory_template_is_not_updatable(tmp_path: Path) -> None:
    source = tmp_path / "plain"
    source.mkdir()
    (source / "copier.yml").write_text("name:\n  type: str\n  default: x\n")
    (source / "{{ _copier_conf.answers_file }}.jinja").write_text(
        "{{ _copier_answers | to_nice_yaml }}"
    )
    result = create_project(NewProjectRequest(str(source), tmp_path / "out"))
    assert not result.updatable
    assert "cannot be updated" in result.notes[0]
    with pytest.raises(UpdateRefusedError, match="no template version was recorded"):
        update_project(UpdateRequest(result.destination))


def remove_file(relative: str) -> Modifier:
    def modify(templates: Path) -> None:
        (templates / relative).unlink()

    return modify


def test_a_file_the_template_deleted_but_the_user_changed_is_kept_as_a_conflict(
    project: Path, histories: HistoryBuilder
) -> None:
    doc = project / "data" / "lumen-overview.md"
    doc.write_text(doc.read_text() + "\nOur own notes.\n")
    commit_all(project)
    newer = histories.release(
        "1.1.0",
        combine(remove_file("qa_rag/data/lumen-overview.md"), append_line(GITIGNORE, "# new")),
    )
    result = update_project(UpdateRequest(project), newer)
    assert doc.read_text().endswith("Our own notes.\n")
    assert result.conflicts == ["data/lumen-overview.md"]
    assert result.kept == ["data/lumen-overview.md"]
    assert "data/lumen-overview.md" not in {c.path for c in result.changes}
    assert "# new" in (project / ".gitignore").read_text()


def test_a_file_the_template_deleted_and_the_user_left_alone_is_deleted(
    project: Path, histories: HistoryBuilder
) -> None:
    newer = histories.release("1.1.0", remove_file("qa_rag/data/lumen-overview.md"))
    result = update_project(UpdateRequest(project), newer)
    assert not (project / "data" / "lumen-overview.md").exists()
    assert result.conflicts == []
    assert {c.path: c.kind for c in result.changes}["data/lumen-overview.md"] == "deleted"


def test_update_leaves_no_stray_files_and_no_journal(
    project: Path, histories: HistoryBuilder, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))
    tempfile.tempdir = None
    try:
        newer = histories.release("1.1.0", append_line(GITIGNORE, "# new"))
        update_project(UpdateRequest(project), newer)
    finally:
        tempfile.tempdir = None
    strays = (".copilot-update", ".copilot-tx")
    assert not [p for p in project.rglob("*") if p.name.endswith(strays)]
    assert not [p for p in (project / ".git" / "copilot").iterdir() if p.name != "update-journal"]
    assert list(scratch.iterdir()) == []
    assert not has_journal(update_journal_dir(project))
