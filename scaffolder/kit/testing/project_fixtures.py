"""The fixtures a copilot project's own tests use, registered by the plugin in a project whose
pyproject.toml names its app (`[tool.copilot] app`).

Why in the kit: every template's conftest.py repeated the same plumbing (copy the project,
set the test provider's environment, put the index in a temporary folder, build the app the
project's way, index its documents); here it is written once, tested once, and improves with
`pip install -U`. A project's conftest.py overrides any of them by defining the same name
(`corpus` is the one meant for that).

- `project_root` (session): a copy of the project (`project.copy_project`: no .git,
  .copilot/, .env or caches) for the copilot to write its state into, so `pytest` leaves the
  working tree and the index `copilot ask` uses as they were.
- `app` (session): the project's app, built by its own build function over that copy, on
  the provider `llm_test_provider` chose (offline, recorded answers, or the configured
  model), with its index in a temporary folder and the copy as the working directory.
- `settings` (session): the app's settings (an instance of the project's `Settings`).
- `corpus` (session): the project's folders the copilot answers from (default: `data`).
- `copilot` (session): the app's copilot over a fresh index of the corpus.
- `new_project` (per test): makes, on each call, another fresh copy and its copilot, for
  tests that change files (proposals, applied edits) or must not share state.

The build function is imported from the project itself, not from the copy: the tests import
the project's package (`pythonpath = ["src"]`), so the app's `Settings` and skills are the
classes the tests compare against; importing the copy's would replace them mid-session.

Nothing heavy is imported until a test asks for one of these fixtures.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from itertools import count
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from scaffolder.kit.testing.project import copy_project

if TYPE_CHECKING:
    from scaffolder.kit.app import CopilotApp
    from scaffolder.kit.copilot import Copilot
    from scaffolder.kit.settings import CopilotSettings
    from scaffolder.kit.testing.recording import TestProvider

#: What `new_project()` returns: the copy's root and its copilot.
NewProject = Callable[[], tuple[Path, "Copilot"]]
#: Set for the session by `app`, so the index lands in a temporary folder.
_INDEX_VARIABLE = "COPILOT_CHROMA_PATH"


@pytest.fixture(scope="session")
def project_root(pytestconfig: pytest.Config, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the project (without .git, .copilot/, .env or caches)."""
    source = pytestconfig.rootpath
    return copy_project(source, tmp_path_factory.mktemp("copy") / source.name)


@pytest.fixture(scope="session")
def corpus() -> tuple[str, ...]:
    """The project's folders the `copilot` fixture indexes; a conftest.py overrides it."""
    return ("data",)


@pytest.fixture(scope="session")
def app(
    pytestconfig: pytest.Config,
    project_root: Path,
    llm_test_provider: TestProvider,  # sets the provider's environment for the session
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[CopilotApp]:
    """The project's app over `project_root`; see the module doc."""
    patch = pytest.MonkeyPatch()
    patch.setenv(_INDEX_VARIABLE, str(tmp_path_factory.mktemp("index") / "chroma"))
    # What the kit writes relative to the working directory (the server's feedback file,
    # unless given one) lands in the copy too.
    patch.chdir(project_root)
    try:
        yield build_app(pytestconfig.rootpath, project_root)
    finally:
        patch.undo()


@pytest.fixture(scope="session")
def settings(app: CopilotApp) -> CopilotSettings:
    return app.settings


@pytest.fixture(scope="session")
def copilot(app: CopilotApp, corpus: tuple[str, ...]) -> Copilot:
    """The app's copilot over a fresh index of `corpus`."""
    return indexed(app, corpus, reset=True)


@pytest.fixture
def new_project(
    pytestconfig: pytest.Config,
    tmp_path: Path,
    corpus: tuple[str, ...],
    llm_test_provider: TestProvider,  # sets the provider's environment for the session
    monkeypatch: pytest.MonkeyPatch,
) -> NewProject:
    """A maker of fresh project copies and their copilots, each indexed on its own."""
    # Each copy keeps its index in its own .copilot/, not in one shared folder.
    monkeypatch.delenv(_INDEX_VARIABLE, raising=False)
    source = pytestconfig.rootpath
    numbers = count()

    def make() -> tuple[Path, Copilot]:
        root = copy_project(source, tmp_path / f"project-{next(numbers)}")
        return root, indexed(build_app(source, root), corpus, reset=False)

    return make


def build_app(source: Path, root: Path) -> CopilotApp:
    """The app of the copy at `root`, built by the build function of the project at `source`
    (see the module doc for why not the copy's), ignoring .env. A project whose app cannot be
    built errors its tests with the one-line reason, not a traceback through this module."""
    from scaffolder.errors import UsageError
    from scaffolder.kit.app import APP_KEY, CopilotApp, import_builder
    from scaffolder.project import read_copilot_table

    problem = ""
    try:
        spec = (read_copilot_table(source / "pyproject.toml") or {}).get(APP_KEY)
        if not isinstance(spec, str):
            raise UsageError(f"{source / 'pyproject.toml'}: [tool.copilot] {APP_KEY} is unset")
        built = import_builder(source, spec)(root, env_file=None)
        if not isinstance(built, CopilotApp) or built.root != root:
            raise UsageError(f"[tool.copilot] {APP_KEY} {spec!r} built no CopilotApp for {root}")
    except UsageError as error:
        problem = str(error)
    if problem:  # failed outside the handler, so no "during handling" chain is printed
        pytest.fail(problem, pytrace=False)
    return built


def indexed(app: CopilotApp, corpus: tuple[str, ...], *, reset: bool) -> Copilot:
    """`app`'s copilot once the corpus folders are in its index (emptied first if `reset`:
    a vector database server keeps what an earlier run put there)."""
    from scaffolder.kit.retrieval.ingest import ingest
    from scaffolder.kit.retrieval.store import open_store

    store = open_store(app.settings, app.root)
    if reset:
        store.reset()
    ingest([app.root / folder for folder in corpus], app.root, store)
    return app.copilot()
