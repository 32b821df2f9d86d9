"""Prompt versions: snapshots, comparisons, `prompts.lock`, and prompts at a git revision."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scaffolder.errors import UsageError
from scaffolder.kit.prompts.library import PromptLibrary
from scaffolder.kit.prompts.manifest import PromptError
from scaffolder.kit.prompts.versions import (
    LockFile,
    PromptChange,
    PromptVersion,
    compare,
    snapshot,
    snapshot_at,
)
from tests.kit.prompts.conftest import write_library


def manifest(name: str, *components: str) -> str:
    listed = "".join(f"      - {{file: {component}}}\n" for component in components)
    return f"name: {name}\nmessages:\n  - role: system\n    components:\n{listed}"


#: `answer` and `explain` share `_shared/tone.md` (`answer` as a component, `explain` through
#: an include); only `answer` includes `_shared/footer.md`; `summarize` shares nothing.
LIBRARY = {
    "_shared/tone.md": "Be concise.\nBe kind.\n",
    "_shared/footer.md": "Thank you.\n",
    "answer/prompt.yaml": manifest("answer", "rules.md", "../_shared/tone.md"),
    "answer/rules.md": 'Cite sources.\n{% include "_shared/footer.md" %}',
    "explain/prompt.yaml": manifest("explain", "instructions.md"),
    "explain/instructions.md": 'Explain the code.\n{% include "_shared/tone.md" %}',
    "summarize/prompt.yaml": manifest("summarize", "instructions.md"),
    "summarize/instructions.md": "Summarize the text.\n",
}


def replace(root: Path, relative: str, old: str, new: str) -> None:
    path = root / relative
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {relative}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def git(cwd: Path, *args: str) -> str:
    completed = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True)
    return completed.stdout


def commit_all(repository: Path, message: str) -> None:
    git(repository, "add", "-A")
    git(repository, "commit", "-q", "-m", message)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return write_library(tmp_path / "prompts", LIBRARY)


def take(root: Path) -> dict[str, PromptVersion]:
    return snapshot(PromptLibrary(root))


# -- snapshots and comparisons ----------------------------------------------------------------
def test_a_snapshot_records_every_file_each_prompt_is_made_of(root: Path) -> None:
    versions = take(root)
    library = PromptLibrary(root)
    assert sorted(versions) == ["answer", "explain", "summarize"]
    assert set(versions["answer"].files) == {
        "answer/prompt.yaml",
        "answer/rules.md",
        "_shared/footer.md",
        "_shared/tone.md",
    }
    assert set(versions["explain"].files) == {
        "explain/prompt.yaml",
        "explain/instructions.md",
        "_shared/tone.md",
    }
    for name, version in versions.items():
        assert version.version == library.get(name).version
        assert version.files == library.get(name).file_hashes()


def test_a_one_word_change_in_a_shared_component_names_exactly_its_users(root: Path) -> None:
    before = take(root)
    replace(root, "_shared/tone.md", "kind", "warm")
    changes = compare(before, take(root))
    assert [change.name for change in changes] == ["answer", "explain"]
    for change in changes:
        assert change.status == "changed"
        assert change.changed == ("_shared/tone.md",)
        assert change.added == change.removed == ()
        assert change.old_version == before[change.name].version
        assert change.new_version not in (None, change.old_version)


def test_a_change_in_an_included_template_names_the_prompt_that_includes_it(root: Path) -> None:
    before = take(root)
    replace(root, "_shared/footer.md", "Thank you", "Thanks")
    assert compare(before, take(root)) == [
        PromptChange(
            "answer",
            before["answer"].version,
            take(root)["answer"].version,
            changed=("_shared/footer.md",),
        )
    ]


def test_files_that_no_prompt_uses_change_no_version(root: Path) -> None:
    before = take(root)
    (root / "_shared" / "unused.md").write_text("Nobody includes me.\n", encoding="utf-8")
    (root / "answer" / "notes.txt").write_text("Not a component.\n", encoding="utf-8")
    assert compare(before, take(root)) == []


def test_added_and_removed_prompts(root: Path) -> None:
    before = take(root)
    shutil.rmtree(root / "summarize")
    write_library(
        root, {"greet/prompt.yaml": manifest("greet", "hello.md"), "greet/hello.md": "Hi"}
    )
    changes = {change.name: change for change in compare(before, take(root))}
    assert sorted(changes) == ["greet", "summarize"]
    added, removed = changes["greet"], changes["summarize"]
    assert (added.status, added.old_version) == ("added", None)
    assert added.added == ("greet/hello.md", "greet/prompt.yaml")
    assert (removed.status, removed.new_version) == ("removed", None)
    assert removed.removed == ("summarize/instructions.md", "summarize/prompt.yaml")


def test_added_and_removed_components(root: Path) -> None:
    before = take(root)
    write_library(
        root,
        {
            "answer/prompt.yaml": manifest("answer", "rules.md", "examples.md"),
            "answer/examples.md": "Q: Hi? A: Hello.\n",
        },
    )
    [change] = compare(before, take(root))
    assert change.name == "answer"
    assert change.added == ("answer/examples.md",)
    assert change.removed == ("_shared/tone.md",)
    assert change.changed == ("answer/prompt.yaml",)
    assert change.as_dict() == {
        "prompt": "answer",
        "status": "changed",
        "old_version": before["answer"].version,
        "new_version": change.new_version,
        "files": {
            "added": ["answer/examples.md"],
            "removed": ["_shared/tone.md"],
            "changed": ["answer/prompt.yaml"],
        },
    }


def test_a_broken_manifest_is_one_line_naming_file_and_line(root: Path) -> None:
    (root / "explain" / "prompt.yaml").write_text("name: explain\nmessages: []\n")
    with pytest.raises(PromptError, match=r"^explain/prompt\.yaml:2: messages: "):
        take(root)


def test_a_missing_included_template_is_a_prompt_error(root: Path) -> None:
    (root / "_shared" / "footer.md").unlink()
    with pytest.raises(PromptError) as raised:
        take(root)
    assert str(raised.value) == (
        "answer/rules.md:2: included template '_shared/footer.md' does not exist"
    )


# -- the lock file ----------------------------------------------------------------------------
def test_writing_the_lock_twice_gives_identical_bytes(root: Path, tmp_path: Path) -> None:
    lock = LockFile.for_project(tmp_path)
    assert lock.write(take(root)) is True
    first = lock.path.read_bytes()
    assert lock.write(take(root)) is False
    assert lock.path.read_bytes() == first
    shuffled = {name: take(root)[name] for name in ["summarize", "answer", "explain"]}
    assert LockFile.render(shuffled).encode() == first
    assert lock.read() == take(root)


def test_the_lock_is_one_file_per_line_in_a_fixed_order(root: Path) -> None:
    versions = take(root)
    text = LockFile.render(versions)
    assert text.startswith("# prompts.lock: written by `copilot prompts lock`")
    explain = text[text.index("[prompts.explain]") : text.index("[prompts.summarize]")]
    assert explain.splitlines() == [
        "[prompts.explain]",
        f'version = "{versions["explain"].version}"',
        "",
        "[prompts.explain.files]",
        f'"_shared/tone.md" = "{versions["explain"].files["_shared/tone.md"]}"',
        f'"explain/instructions.md" = "{versions["explain"].files["explain/instructions.md"]}"',
        f'"explain/prompt.yaml" = "{versions["explain"].files["explain/prompt.yaml"]}"',
        "",
    ]


def test_a_one_word_change_shows_in_the_lock_as_the_files_and_versions_it_touches(
    root: Path,
) -> None:
    before = LockFile.render(take(root)).splitlines()
    replace(root, "_shared/tone.md", "kind", "warm")
    after = LockFile.render(take(root)).splitlines()
    differing = [old for old, new in zip(before, after, strict=True) if old != new]
    assert len(differing) == 4  # two prompts: a version line and the tone.md line each
    assert sum(line.startswith('"_shared/tone.md"') for line in differing) == 2


names = st.text(min_size=1, max_size=12)
hashes = st.text(alphabet="0123456789abcdef", min_size=12, max_size=12)
snapshots = st.dictionaries(
    names,
    st.builds(PromptVersion, hashes, st.dictionaries(names, hashes, max_size=4)),
    max_size=4,
)


@given(snapshots)
def test_any_snapshot_survives_the_lock(versions: dict[str, PromptVersion]) -> None:
    assert LockFile.parse(LockFile.render(versions)) == versions


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("format = 1\n[prompts.answer\n", r"^prompts\.lock:2: "),
        ("format = 1\n<<<<<<< HEAD\n", r"^prompts\.lock:2: .*copilot prompts lock"),
        ("format = 7\n", r"^prompts\.lock: format 7 is not 1"),
        ("[prompts.answer]\nversion = 'x'\n", r"^prompts\.lock: format None is not 1"),
        ("format = 1\nprompts = 3\n", r"`prompts` must be a table"),
        ("format = 1\n[prompts.answer]\nversion = 3\n", r"prompt 'answer' needs a `version`"),
        ("format = 1\n[prompts.a]\nversion = 'x'\nfiles = {f = 1}\n", r"prompt 'a' needs"),
    ],
)
def test_an_invalid_lock_names_the_file(text: str, message: str) -> None:
    with pytest.raises(PromptError, match=message):
        LockFile.parse(text)


# -- prompts at a git revision ----------------------------------------------------------------
@pytest.fixture
def repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, git_identity: None) -> Path:
    """A git repository whose project lives in `app/`, with the library committed once."""
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    repository = tmp_path / "repository"
    write_library(repository / "app" / "prompts", LIBRARY)
    git(repository, "init", "-q")
    commit_all(repository, "prompts")
    return repository


def test_the_snapshot_at_a_revision_is_the_committed_library(repository: Path) -> None:
    project = repository / "app"
    committed = take(project / "prompts")
    replace(project / "prompts", "_shared/tone.md", "kind", "warm")
    shutil.rmtree(project / "prompts" / "summarize")
    commit_all(repository, "warmer")
    replace(project / "prompts", "answer/rules.md", "Cite", "Quote")  # not committed

    assert snapshot_at(project, "HEAD~1") == committed
    assert snapshot_at(project, git(repository, "rev-parse", "HEAD~1").strip()) == committed
    at_head = snapshot_at(project, "HEAD")
    assert sorted(at_head) == ["answer", "explain"]
    assert [c.name for c in compare(at_head, take(project / "prompts"))] == ["answer"]


def test_a_revision_without_prompts_has_none(repository: Path) -> None:
    (repository / "app" / "pyproject.toml").write_text("[tool.copilot]\n")
    git(repository, "rm", "-rq", "app/prompts")
    commit_all(repository, "no prompts")
    assert snapshot_at(repository / "app", "HEAD") == {}


def test_a_symbolic_link_within_prompts_resolves_as_in_a_checkout(repository: Path) -> None:
    prompts = repository / "app" / "prompts"
    (prompts / "summarize" / "tone.md").symlink_to("../_shared/tone.md")
    (prompts / "summarize" / "prompt.yaml").write_text(
        manifest("summarize", "instructions.md", "tone.md")
    )
    commit_all(repository, "summaries have a tone")
    assert snapshot_at(repository / "app", "HEAD") == take(prompts)
    assert "_shared/tone.md" in take(prompts)["summarize"].files


@pytest.mark.parametrize("revision", ["nope", "HEAD~5", "--output=x", "HEAD:app"])
def test_a_bad_revision_is_a_usage_error(repository: Path, revision: str) -> None:
    with pytest.raises(UsageError, match=r"^unknown git revision"):
        snapshot_at(repository / "app", revision)
    assert not (repository / "app" / "x").exists()


def test_a_project_outside_git_is_a_usage_error(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(root.parent.parent))
    with pytest.raises(UsageError, match=r"is not in a git repository"):
        snapshot_at(root.parent, "HEAD")


def test_a_broken_prompt_at_the_revision_names_the_revision(repository: Path) -> None:
    (repository / "app" / "prompts" / "answer" / "prompt.yaml").write_text("name: [\n")
    commit_all(repository, "broken")
    with pytest.raises(
        PromptError, match=r"^answer/prompt\.yaml:\d+: .*\(in the prompts at HEAD\)"
    ):
        snapshot_at(repository / "app", "HEAD")
