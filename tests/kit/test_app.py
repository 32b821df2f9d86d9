"""A project's app: its own settings class, skills package and routes, imported from its src/
whether or not it is installed, and only from the project itself."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from scaffolder.errors import SkillError, UsageError
from scaffolder.kit.app import load_app, project_app

CONFIG = """
from pydantic import Field
from scaffolder.kit.settings import CopilotSettings


class Settings(CopilotSettings):
    greeting: str = Field("hello from code", min_length=1)
"""
APP = """
from pathlib import Path
from typing import Any

from fastapi import APIRouter
from scaffolder.kit.app import CopilotApp, compose

from . import skills
from .config import Settings


def extra(copilot: Any) -> APIRouter:
    return APIRouter(prefix="/v1/extra")


def build(root: Path, **options: Any) -> CopilotApp:
    return compose(root, Settings.load(root, **options), skills, routes=[extra])
"""
SKILL = """
from scaffolder.kit.routing import Skill, SkillReply, SkillRequest

from ..config import Settings

MARK = {mark!r}


def handle(request: SkillRequest) -> SkillReply:
    return SkillReply(f"{{request.settings(Settings).greeting}} ({{MARK}})")


SKILL = Skill(name="greet", description="in code", handler=handle, examples=("say hello",))
"""
PYPROJECT = """[project]
name = "{package}"
version = "0.1.0"

[tool.copilot]
package = "{package}"
app = "{app}"
llm_provider = "offline"
greeting = "hello from pyproject"
"""


def make_project(
    root: Path, package: str = "teabot", *, mark: str = "one", app: str | None = None
) -> Path:
    code = root / "src" / package
    (code / "skills").mkdir(parents=True)
    (code / "__init__.py").write_text("")
    (code / "config.py").write_text(CONFIG)
    (code / "app.py").write_text(APP)
    (code / "skills" / "__init__.py").write_text("")
    (code / "skills" / "greet.py").write_text(SKILL.format(mark=mark))
    (code / "skills" / "_helpers.py").write_text("VALUE = 1\n")
    data = root / "skills"
    (data / "greet").mkdir(parents=True)
    (data / "greet" / "examples.txt").write_text("# comment\ngood morning\n")
    (data / "greet" / "description.txt").write_text("Greetings, as the team describes them.\n")
    (data / "out_of_scope").mkdir()
    (data / "out_of_scope" / "examples.txt").write_text("write me a poem\n")
    (data / "out_of_scope" / "reply.md").write_text("Only greetings here.\n")
    spec = app or f"{package}.app:build"
    (root / "pyproject.toml").write_text(PYPROJECT.format(package=package, app=spec))
    return root


@pytest.fixture(autouse=True)
def restore_imports() -> Iterator[None]:
    """Projects imported by a test leave neither their modules nor their src/ behind."""
    path, modules = list(sys.path), set(sys.modules)
    yield
    sys.path[:] = path
    for name in set(sys.modules) - modules:
        del sys.modules[name]


def test_the_projects_settings_class_reaches_its_skill(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_project(tmp_path / "bot")
    app = load_app(root, "teabot.app:build", env_file=None)
    assert type(app.settings).__module__ == "teabot.config"
    assert app.copilot().ask("say hello").text == "hello from pyproject (one)"
    monkeypatch.setenv("COPILOT_GREETING", "hello from the environment")
    again = load_app(root, "teabot.app:build", env_file=None)
    assert again.copilot().ask("say hello").text == "hello from the environment (one)"
    overridden = load_app(root, "teabot.app:build", env_file=None, greeting="hello, option")
    assert overridden.copilot().ask("say hello").text == "hello, option (one)"


def test_skills_are_ordinary_modules_with_their_data_files_merged(tmp_path: Path) -> None:
    root = make_project(tmp_path / "bot")
    app = load_app(root, "teabot.app:build", env_file=None)
    assert app.skills.names == ("greet",)  # _helpers is not a skill
    greet = app.skills["greet"]
    assert greet.handler.__module__ == "teabot.skills.greet"
    assert "teabot.skills.greet" in sys.modules
    assert greet.examples == ("say hello", "good morning")
    assert greet.description == "Greetings, as the team describes them."
    assert app.out_of_scope.examples == ("write me a poem",)
    copilot = app.copilot()
    assert copilot.out_of_scope_reply == "Only greetings here."
    assert [router.prefix for router in app.routers(copilot)] == ["/v1/extra"]


def test_an_uninstalled_project_is_imported_from_its_own_src(tmp_path: Path) -> None:
    root = make_project(tmp_path / "bot")
    assert "teabot" not in sys.modules
    load_app(root, "teabot.app:build", env_file=None)
    assert sys.path[0] == str((root / "src").resolve())
    assert Path(sys.modules["teabot"].__file__ or "").is_relative_to(root)


def test_another_project_with_the_same_package_name_is_not_taken_for_this_one(
    tmp_path: Path,
) -> None:
    first = make_project(tmp_path / "first", mark="first")
    second = make_project(tmp_path / "second", mark="second")
    one = load_app(first, "teabot.app:build", env_file=None)
    two = load_app(second, "teabot.app:build", env_file=None)
    assert one.copilot().ask("say hello").text.endswith("(first)")
    assert two.copilot().ask("say hello").text.endswith("(second)")
    assert Path(sys.modules["teabot"].__file__ or "").is_relative_to(second)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("teabot.app", "is not 'package.module:function'"),
        ("teabot.app:build; rm -rf", "is not 'package.module:function'"),
        ("teabot.app:missing", "has no function 'missing'"),
        ("teabot.nowhere:build", "cannot import teabot.nowhere: ModuleNotFoundError"),
        # A module that exists, but not in this project: never run as its app.
        ("json:dumps", "json is not this project's code"),
    ],
)
def test_a_bad_app_spec_is_one_line(tmp_path: Path, spec: str, message: str) -> None:
    root = make_project(tmp_path / "bot", app=spec)
    with pytest.raises(UsageError, match=message) as raised:
        load_app(root, spec, env_file=None)
    assert "\n" not in str(raised.value)


def test_a_spec_naming_a_module_outside_the_project_leaves_that_module_loaded(
    tmp_path: Path,
) -> None:
    """Refusing `app = "json:dumps"` must not drop `json` from this process: code that
    imported it before would then raise another module's JSONDecodeError than it catches."""
    import json

    loaded = {name: module for name, module in sys.modules.items() if name.startswith("json")}
    root = make_project(tmp_path / "bot", app="json:dumps")
    with pytest.raises(UsageError, match="json is not this project's code"):
        load_app(root, "json:dumps", env_file=None)
    assert {n: m for n, m in sys.modules.items() if n.startswith("json")} == loaded
    with pytest.raises(json.JSONDecodeError):
        json.loads('{"name": "x"')


def test_broken_project_code_is_one_line(tmp_path: Path) -> None:
    root = make_project(tmp_path / "bot")
    (root / "src" / "teabot" / "app.py").write_text("def build(:\n")
    with pytest.raises(UsageError, match=r"cannot import teabot\.app: SyntaxError"):
        load_app(root, "teabot.app:build", env_file=None)


def test_a_build_that_returns_something_else_is_refused(tmp_path: Path) -> None:
    root = make_project(tmp_path / "bot")
    (root / "src" / "teabot" / "other.py").write_text("def build(root, **options):\n    return 1\n")
    with pytest.raises(UsageError, match="returned int, not a CopilotApp"):
        load_app(root, "teabot.other:build", env_file=None)


def test_invalid_project_settings_are_one_line(tmp_path: Path) -> None:
    root = make_project(tmp_path / "bot")
    with pytest.raises(UsageError, match="invalid settings: greeting") as raised:
        load_app(root, "teabot.app:build", env_file=None, greeting="")
    assert "\n" not in str(raised.value)


def test_a_skill_module_without_skill_is_named(tmp_path: Path) -> None:
    root = make_project(tmp_path / "bot")
    (root / "src" / "teabot" / "skills" / "notes.py").write_text("X = 1\n")
    with pytest.raises(SkillError, match=r"teabot\.skills\.notes must define SKILL"):
        load_app(root, "teabot.app:build", env_file=None)


def test_a_skill_that_needs_the_projects_settings_says_so_under_plain_settings(
    tmp_path: Path,
) -> None:
    """A copilot composed with the kit's own settings class (not the project's) cannot hand a
    skill the project's fields: the skill says which class it needed."""
    from scaffolder.kit.app import compose
    from scaffolder.kit.settings import CopilotSettings

    root = make_project(tmp_path / "bot")
    load_app(root, "teabot.app:build", env_file=None)  # makes teabot importable
    skills = sys.modules["teabot.skills"]
    app = compose(root, CopilotSettings.load(root, env_file=None), skills)
    with pytest.raises(SkillError, match=r"reads the project's own settings class Settings"):
        app.copilot().ask("say hello")


def test_a_project_without_app_runs_its_skills_folder_the_old_way(tmp_path: Path) -> None:
    root = tmp_path / "old"
    (root / "skills" / "hello").mkdir(parents=True)
    (root / "skills" / "hello" / "skill.py").write_text(
        "from scaffolder.kit.routing import Skill, SkillReply\n"
        "SKILL = Skill(name='hello', description='d', handler=lambda r: SkillReply('hi'),"
        " examples=('hello there',))\n"
    )
    app = project_app(root, {"template": "qa-rag"}, env_file=None)
    assert app.copilot().ask("hello there").text == "hi"
    assert app.routes == ()
