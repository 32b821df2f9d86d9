"""Shared fixtures: an isolated home, a git identity, and template histories built from the
current `templates/` folder, so tests never depend on what was last released."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

import pytest

from scaffolder.scaffold import TemplateHistory, release_templates
from scaffolder.scaffold._assembly import assemble

if TYPE_CHECKING:
    from scaffolder.kit.copilot import Copilot
    from tests.kit.llm.fault_server import FaultServer

REPO_ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = REPO_ROOT / "templates"
BASE_VERSION = "1.0.0"

Modifier = Callable[[Path], None]
ChangeDir = Callable[[Path], None]
UseHistory = Callable[[TemplateHistory], None]


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own HOME: its own template cache and no user git config."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for variable in (
        "COPILOT_ENV",
        "COPILOT_PROVIDER",
        "OPENAI_API_KEY",
        "OPENAI_BASE_URL",
        "AZURE_OPENAI_API_KEY",
        "AZURE_OPENAI_ENDPOINT",
        "CHROMA_URL",
    ):
        monkeypatch.delenv(variable, raising=False)
    return home


@pytest.fixture(autouse=True)
def chroma_systems_stopped() -> Iterator[None]:
    """Stop the Chroma systems a test opened, once it is done.

    Why: chromadb keeps every client's system (its SQLite connection, the HNSW segment files,
    thread pools) in a process-wide cache until it is stopped, and the kit's store, like a
    server's, keeps its client for the life of the process. Across the ~1400 tests one xdist
    worker runs, that passed 1024 open descriptors, where `select()` (pexpect's wizard tests)
    refuses to work. Only systems created during the test are stopped; chromadb is imported
    only if the test imported it."""
    cache = _chroma_system_cache()
    before = set(cache) if cache is not None else set()
    yield
    cache = _chroma_system_cache()
    if cache is None:
        return
    for identifier in set(cache) - before:
        system = cache.pop(identifier)
        with contextlib.suppress(Exception):  # a system a test already broke on purpose
            system.stop()


def _chroma_system_cache() -> dict[str, Any] | None:
    module = sys.modules.get("chromadb.api.shared_system_client")
    if module is None:
        return None
    cache: dict[str, Any] = module.SharedSystemClient._identifier_to_system
    return cache


@pytest.fixture
def git_identity(monkeypatch: pytest.MonkeyPatch) -> None:
    """A committer for tests that commit user edits themselves."""
    for role in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{role}_NAME", "Test User")
        monkeypatch.setenv(f"GIT_{role}_EMAIL", "test@example.com")


class HistoryBuilder:
    """Builds template histories: v1.0.0 from the current templates, then newer versions."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.templates = root / "templates"
        self.bundle = root / "templates.bundle"
        self.lock = root / "templates.lock.json"
        shutil.copytree(TEMPLATES, self.templates, ignore=shutil.ignore_patterns("__pycache__"))
        release_templates(self.templates, BASE_VERSION, self.bundle, self.lock)

    def history(self, version: str = BASE_VERSION) -> TemplateHistory:
        return TemplateHistory(bundle=self.bundle, lock=self.lock, version=version)

    def release(self, version: str, modify: Modifier) -> TemplateHistory:
        modify(self.templates)
        release_templates(self.templates, version, self.bundle, self.lock)
        return self.history(version)


@pytest.fixture
def histories(tmp_path: Path) -> HistoryBuilder:
    return HistoryBuilder(tmp_path / "history")


@pytest.fixture
def use_history(monkeypatch: pytest.MonkeyPatch) -> UseHistory:
    """Make the CLI see `history` as the installed one."""

    def install(history: TemplateHistory) -> None:
        monkeypatch.setattr(TemplateHistory, "installed", classmethod(lambda cls: history))

    return install


def append_line(relative: str, line: str) -> Modifier:
    def modify(templates: Path) -> None:
        path = templates / relative
        path.write_text(path.read_text(encoding="utf-8") + line + "\n", encoding="utf-8")

    return modify


def replace_text(relative: str, old: str, new: str) -> Modifier:
    def modify(templates: Path) -> None:
        path = templates / relative
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {relative}"
        path.write_text(text.replace(old, new), encoding="utf-8")

    return modify


def combine(*modifiers: Modifier) -> Modifier:
    """One template change made of several."""

    def modify(templates: Path) -> None:
        for modifier in modifiers:
            modifier(templates)

    return modify


def write_file(relative: str, content: str) -> Modifier:
    def modify(templates: Path) -> None:
        (templates / relative).write_text(content, encoding="utf-8")

    return modify


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under `root` (the .git folder aside) and its bytes."""
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and ".git" not in path.relative_to(root).parts
    }


@pytest.fixture
def chdir(monkeypatch: pytest.MonkeyPatch) -> ChangeDir:
    """Change the working directory for one test."""
    return monkeypatch.chdir


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[str]:
    """A real `chroma run` on loopback."""
    port = free_port()
    chroma = Path(sys.executable).with_name("chroma")
    process = subprocess.Popen(
        [
            str(chroma),
            "run",
            "--path",
            str(tmp_path / "chroma"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    try:
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        else:
            pytest.fail("chroma run did not start")
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def chromium() -> str:
    """The path of a headless-capable Chromium for browser tests.

    Without one the test is skipped with the reason, except where COPILOT_REQUIRE_BROWSER is
    set (`.ci/run` sets it after installing Chromium): there a missing browser is a failure,
    so CI can never pass by skipping the browser tests."""
    import os

    found = shutil.which("chromium") or shutil.which("chromium-browser")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        found = None
    if found is None:
        reason = "browser tests need Chromium and Playwright (apt-get install chromium)"
        if os.environ.get("COPILOT_REQUIRE_BROWSER"):
            pytest.fail(reason)
        pytest.skip(reason)
    return found


QA_PYPROJECT = """[project]
name = "lumenbot"
version = "0.1.0"

[tool.copilot]
template = "qa-rag"
package = "lumenbot"
app = "lumenbot.app:build"
llm_provider = "offline"
embedding_model = "local"
"""


def add_package(root: Path, template: str, package: str) -> None:
    """The template's `src/{{ package_name }}/` rendered into `root/src/<package>` (the code a
    project's app builds its copilot from), without a whole copier render: from the assembled
    templates (base and overlay), as a release holds them."""
    import jinja2

    files = assemble(TEMPLATES).files
    environment = jinja2.Environment(
        loader=jinja2.FunctionLoader(lambda name: files[PurePosixPath(name)].read_text("utf-8")),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    answers = {"project_name": package, "package_name": package, "template": template,
               "description": "a test project"}  # fmt: skip
    source = PurePosixPath(template, "src", "{{ package_name }}")
    for name, path in files.items():
        if not name.is_relative_to(source):
            continue
        relative = Path(*name.relative_to(source).parts)
        target = root / "src" / package / relative.with_name(relative.name.removesuffix(".jinja"))
        target.parent.mkdir(parents=True, exist_ok=True)
        if name.suffix == ".jinja":
            target.write_text(environment.get_template(str(name)).render(answers), encoding="utf-8")
        else:
            shutil.copy(path, target)


def project_copilot(root: Path, **options: Any) -> Copilot:
    """The copilot the project's own app builds, as `copilot ask` builds it, with `options`
    over its settings and no .env."""
    from scaffolder.kit.app import project_app
    from scaffolder.project import read_copilot_table

    table = read_copilot_table(root / "pyproject.toml") or {}
    return project_app(root, table, env_file=None, **options).copilot()


@pytest.fixture
def qa_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A qa-rag project made of the template's own skills, prompts and data, ingested
    offline: what the runtime and the project commands need, without a copier render."""
    from scaffolder.kit.retrieval.ingest import ingest
    from scaffolder.kit.retrieval.store import open_store
    from scaffolder.kit.settings import CopilotSettings

    root = tmp_path / "lumenbot"
    root.mkdir()
    for folder in ("skills", "prompts", "data"):
        shutil.copytree(TEMPLATES / "qa_rag" / folder, root / folder)
    add_package(root, "qa_rag", "lumenbot")
    (root / "pyproject.toml").write_text(QA_PYPROJECT)
    for name in ("OPENAI_API_KEY", "AZURE_OPENAI_API_KEY", "COPILOT_API_KEY", "CHROMA_URL"):
        monkeypatch.delenv(name, raising=False)
    settings = CopilotSettings.load(root, env_file=None)
    ingest([root / "data"], root, open_store(settings, root))
    return root


@pytest.fixture
def model_server() -> Iterator[FaultServer]:
    """A real OpenAI-compatible server on loopback that misbehaves on request
    (`tests/kit/llm/fault_server.py`), for the real `openai` SDK to talk to."""
    from tests.kit.llm.fault_server import FaultServer

    running = FaultServer().start()
    try:
        yield running
    finally:
        running.stop()
