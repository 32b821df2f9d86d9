"""Templates compose one way: the shared base layer plus one overlay per template, assembled
in one place (`scaffold._assembly`) for releases and for renders of the working folder."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path, PurePosixPath

import pytest

from scaffolder.errors import TemplateHistoryError
from scaffolder.scaffold import (
    NewProjectRequest,
    TemplateHistory,
    create_project,
    release_templates,
)
from scaffolder.scaffold._assembly import BASE, VALUES, assemble
from tests.conftest import TEMPLATES, HistoryBuilder

#: A decision on the template's name, in any spelling Jinja allows.
TEMPLATE_BRANCH = re.compile(r"\btemplate\s*(==|!=|\bin\b|\bis\b)")
#: A file whose whole content pulls in another file.
STUB = re.compile(r"^\s*\{%-?\s*(include|extends)\b[^%]*-?%\}\s*$")


@pytest.fixture
def templates(tmp_path: Path) -> Path:
    copy = tmp_path / "templates"
    shutil.copytree(TEMPLATES, copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


def test_shared_files_never_branch_on_the_template() -> None:
    overlays = {"qa_rag", "code_assistant"}  # everything else in templates/ is shared
    shared = [
        p for p in sorted(TEMPLATES.rglob("*")) if p.relative_to(TEMPLATES).parts[0] not in overlays
    ]
    branching = [
        str(path.relative_to(TEMPLATES))
        for path in shared
        if path.is_file() and TEMPLATE_BRANCH.search(path.read_text(encoding="utf-8"))
    ]
    assert branching == []


def test_no_template_file_is_only_an_include() -> None:
    stubs = [
        str(path.relative_to(TEMPLATES))
        for path in sorted(TEMPLATES.rglob("*.jinja"))
        if STUB.match(path.read_text(encoding="utf-8"))
    ]
    assert stubs == []


def test_the_checkout_has_one_base_and_one_overlay_per_template() -> None:
    entries = sorted(entry.name for entry in TEMPLATES.iterdir() if entry.name != "__pycache__")
    assert entries == [BASE, "code_assistant", "copier.yml", "qa_rag"]
    for overlay in ("qa_rag", "code_assistant"):
        own = {p.relative_to(TEMPLATES / overlay) for p in (TEMPLATES / overlay).rglob("*")}
        shared = {p.relative_to(TEMPLATES / BASE) for p in (TEMPLATES / BASE).rglob("*")}
        # An overlay may replace a base file, but today none needs to: no copies either.
        assert {p for p in own & shared if (TEMPLATES / BASE / p).is_file()} == set()


def test_a_release_records_complete_template_folders(histories: HistoryBuilder) -> None:
    tag = subprocess.run(
        ["git", "ls-tree", "-r", "--name-only", "v1.0.0"],
        cwd=_clone(histories.bundle, histories.root / "clone"),
        check=True,
        capture_output=True,
        text=True,
    ).stdout.splitlines()
    assert not [name for name in tag if name.startswith(f"{BASE}/")]
    for template in ("qa_rag", "code_assistant"):
        assert f"{template}/Dockerfile.jinja" in tag
        assert f"{template}/src/{{{{ package_name }}}}/config.py.jinja" in tag
        assert f"{template}/{VALUES}" in tag
    assert sorted(tag) == sorted(str(path) for path in assemble(histories.templates).files)


def _clone(bundle: Path, target: Path) -> Path:
    subprocess.run(["git", "clone", "-q", str(bundle), str(target)], check=True)
    return target


def test_a_project_gets_the_overlays_values_not_its_values_file(
    histories: HistoryBuilder, tmp_path: Path
) -> None:
    history = histories.history()
    qa = create_project(NewProjectRequest("qa-rag", tmp_path / "qa", init_git=False), history)
    code = create_project(
        NewProjectRequest("code-assistant", tmp_path / "coder", init_git=False), history
    )
    for project in (qa.destination, code.destination):
        assert not list(project.rglob(VALUES))
    assert qa.answers["description"] == "A question-answering copilot over your documents"
    assert (
        "copilot bench run qa --limit 5"
        in (qa.destination / ".github" / "workflows" / "ci.yml").read_text()
    )
    code_pyproject = (code.destination / "pyproject.toml").read_text()
    assert code_pyproject.endswith('[tool.copilot.bench]\ngraders = ["coder.code_bench"]\n')
    assert "overlay" not in qa.answers and "overlay" not in code.answers


def test_an_overlay_file_replaces_the_base_file(templates: Path, tmp_path: Path) -> None:
    (templates / "qa_rag" / "Makefile.jinja").write_text("# qa-rag's own Makefile\n")
    files = assemble(templates).files
    makefile = PurePosixPath("Makefile.jinja")
    assert files["qa_rag" / makefile] == templates / "qa_rag" / "Makefile.jinja"
    assert files["code_assistant" / makefile] == templates / BASE / "Makefile.jinja"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda t: (t / "qa_rag" / "Makefile").write_text("x\n"), "render to the same file"),
        (lambda t: (t / "_shared").mkdir(), "each template is one overlay folder"),
        (lambda t: (t / "code_assistant" / VALUES).unlink(), f"has no {VALUES}"),
        (lambda t: shutil.rmtree(t / BASE), f"no {BASE}/ layer"),
        (lambda t: (t / "copier.yml").unlink(), "no copier.yml"),
    ],
    ids=["collision", "stray-folder", "no-values", "no-base", "no-config"],
)
def test_a_broken_layout_is_refused_before_anything_is_released(
    templates: Path, tmp_path: Path, change: object, message: str
) -> None:
    assert callable(change)
    change(templates)
    bundle, lock = tmp_path / "t.bundle", tmp_path / "t.lock"
    with pytest.raises(TemplateHistoryError, match=re.escape(message)):
        release_templates(templates, "1.0.0", bundle, lock)
    assert not bundle.exists() and not lock.exists()


def checkout_history(histories: HistoryBuilder) -> TemplateHistory:
    return TemplateHistory(
        bundle=histories.bundle, lock=histories.lock, version="1.0.0", checkout=histories.templates
    )


def test_a_tampered_assembled_folder_is_rebuilt_not_rendered(
    histories: HistoryBuilder, tmp_path: Path
) -> None:
    history = checkout_history(histories)
    gitignore = histories.templates / BASE / ".gitignore.jinja"
    gitignore.write_text(gitignore.read_text() + "wip/\n")
    first = Path(history.source().src_path)
    planted = first / "qa_rag" / ".gitignore.jinja"
    planted.write_text("planted by someone else\n")  # the folder's name still claims the tree
    second = Path(history.source().src_path)
    assert second == first
    assert planted.read_text() == gitignore.read_text()
    project = create_project(NewProjectRequest("qa-rag", tmp_path / "bot"), history).destination
    assert (project / ".gitignore").read_text().endswith("wip/\n")


def test_a_broken_checkout_is_one_clear_error_for_new(
    histories: HistoryBuilder, tmp_path: Path
) -> None:
    history = checkout_history(histories)
    (histories.templates / "_shared").mkdir()
    assert history.unreleased_edits()
    with pytest.raises(TemplateHistoryError, match="each template is one overlay folder"):
        create_project(NewProjectRequest("qa-rag", tmp_path / "bot"), history)
    assert not (tmp_path / "bot").exists()
