"""The plugin's project fixtures (`project_fixtures.py`), run by pytest inside the test in a
real rendered qa-rag project (its own pytest, in a subprocess: the project's package and its
Chroma index stay out of this process)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from scaffolder.scaffold import NewProjectRequest, create_project
from tests.conftest import HistoryBuilder, snapshot

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestAssertRewriteWarning")

#: Tests of the fixtures, written into the project's tests/ folder.
INNER = """
import os
from pathlib import Path

from bot.config import Settings

SOURCE = Path(__file__).resolve().parent.parent
QUESTION = "How long is the warranty?"
EXPECTED = {expected!r}
FOLDER = EXPECTED.split("/")[0]


def test_project_root_is_a_copy_without_state_or_secrets(project_root):
    assert project_root != SOURCE
    pyproject = (SOURCE / "pyproject.toml").read_bytes()
    assert (project_root / "pyproject.toml").read_bytes() == pyproject
    assert (project_root / "data" / "lumen-warranty.md").is_file()
    assert (SOURCE / ".env").is_file() and not (project_root / ".env").exists()


def test_app_is_the_projects_own_build_over_the_copy(
    app, settings, project_root, tmp_path_factory
):
    assert app.root == project_root and Path.cwd() == project_root
    # The project's own class (built by its build from src/), not the kit's or a copy's.
    assert type(settings) is Settings and settings is app.settings
    assert app.skills["answer"].handler.__module__ == "bot.skills.answer"
    # .env asks for openai with a key: ignored, the tests run offline.
    assert settings.effective_provider == "offline"
    index = Path(os.environ["COPILOT_CHROMA_PATH"])
    assert index.is_relative_to(tmp_path_factory.getbasetemp())
    assert not index.is_relative_to(project_root)


def answers_from_the_corpus(copilot):
    reply = copilot.ask(QUESTION)
    assert reply.skill == "answer"
    assert {source.source.split("/")[0] for source in reply.sources} == {FOLDER}
    assert EXPECTED in {source.source for source in reply.cited_sources()}


def test_copilot_answers_from_the_indexed_corpus(copilot):
    answers_from_the_corpus(copilot)


def test_new_project_makes_a_fresh_copy_and_copilot_each_call(new_project, project_root):
    first_root, first = new_project()
    second_root, second = new_project()
    assert len({first_root, second_root, project_root}) == 3
    (first_root / "data" / "scratch.md").write_text("# Scratch\\n", encoding="utf-8")
    assert not (second_root / "data" / "scratch.md").exists()
    assert "COPILOT_CHROMA_PATH" not in os.environ  # each copy indexes into its own .copilot/
    assert (first_root / ".copilot").is_dir() and (second_root / ".copilot").is_dir()
    assert first is not second
    answers_from_the_corpus(second)
"""
#: A folder of the project that only a `corpus` override indexes.
NOTES = "# Warranty\n\nThe warranty of the Lumen lamp is ninety-nine years from purchase.\n"


@pytest.fixture
def project(
    histories: HistoryBuilder, pytester: pytest.Pytester, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """A qa-rag project rendered from the working tree, in pytester's folder, with a `.env`
    that would send model calls to OpenAI if the fixtures read it. (The inner run's
    temporary folder is inside the project, `runpytest-0/`: the copy must leave it out.)"""
    rendered = create_project(
        NewProjectRequest("qa-rag", tmp_path_factory.mktemp("render") / "bot", init_git=False),
        histories.history(),
    ).destination
    shutil.copytree(rendered, pytester.path, dirs_exist_ok=True)
    (pytester.path / ".env").write_text(
        "COPILOT_PROVIDER=openai\nOPENAI_API_KEY=sk-test-not-a-real-key\n", encoding="utf-8"
    )
    return pytester.path


def run_inner(pytester: pytest.Pytester, expected: str) -> pytest.RunResult:
    (pytester.path / "tests" / "test_inner.py").write_text(
        INNER.replace("{expected!r}", repr(expected)), encoding="utf-8"
    )
    return run(pytester, "tests/test_inner.py")


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    env = {name for name in os.environ if name.startswith(("COPILOT_", "CHROMA_"))}
    with pytest.MonkeyPatch.context() as patch:
        for name in env:
            patch.delenv(name)
        return pytester.runpytest_subprocess("-p", "no:cacheprovider", "--llm-history=off", *args)


def test_the_fixtures_give_a_copilot_over_a_copy_and_leave_the_project_alone(
    project: Path, pytester: pytest.Pytester
) -> None:
    before = snapshot(project)
    result = run_inner(pytester, "data/lumen-warranty.md")
    result.assert_outcomes(passed=4)
    after = {
        name: content
        for name, content in snapshot(project).items()
        # pytester's own: the inner run's temporary folder and its output
        if not name.startswith("runpytest-") and name not in {"stdout", "stderr"}
    }
    assert after.keys() - before.keys() == {"tests/test_inner.py"}
    assert all(after[name] == content for name, content in before.items())


def test_a_conftest_chooses_the_corpus(project: Path, pytester: pytest.Pytester) -> None:
    (project / "notes").mkdir()
    (project / "notes" / "warranty.md").write_text(NOTES, encoding="utf-8")
    (project / "tests" / "conftest.py").write_text(
        "import pytest\n\n\n@pytest.fixture(scope='session')\n"
        "def corpus():\n    return ('notes',)\n",
        encoding="utf-8",
    )
    result = run_inner(pytester, "notes/warranty.md")
    result.assert_outcomes(passed=4)


def test_an_app_that_cannot_be_built_errors_the_tests_in_one_line(
    project: Path, pytester: pytest.Pytester
) -> None:
    pyproject = project / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8")
    pyproject.write_text(text.replace('"bot.app:build"', '"bot.app:missing"'), encoding="utf-8")
    (project / "tests" / "test_inner.py").write_text(
        "def test_uses_the_app(app):\n    pass\n", encoding="utf-8"
    )
    result = run(pytester, "tests/test_inner.py")
    result.assert_outcomes(errors=1)
    output = result.stdout.str()
    assert "app 'bot.app:missing': bot.app has no function 'missing'" in output
    assert "During handling" not in output and "project_fixtures.py" not in output
