"""A project's copilot as the project composes it: what its `build` function returns.

Why the project, not the kit, is the composition root: the project owns its `Settings` class
(fields the team adds), its skills (an importable `<package>.skills` package) and any extra
HTTP routes. `[tool.copilot] app = "mybot.app:build"` names the function that puts them
together; `copilot ask / chat / serve / bench` and the project's own tests all call it, so what
runs is what the project says, and the kit receives the project's root and settings from that
edge instead of looking for them in the working directory.

    def build(root: Path, **options: Any) -> CopilotApp:
        return compose(root, Settings.load(root, **options), skills, routes=[code_router])

Like Django's `manage.py`, the app is importable whether or not the project is pip-installed:
`load_app` puts the project's `src/` first on `sys.path`, and checks that the module it
imported really is the project's (a same-named package installed elsewhere, or another
project's imported earlier in the process, is not taken for it).

Projects made before 0.5 have no `app`: `legacy_app` builds theirs the old way (skill code
loaded by file path from `skills/`) until `copilot update` brings the app in.
"""

from __future__ import annotations

import importlib
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from scaffolder.errors import UsageError
from scaffolder.kit.routing.skills import (
    OUT_OF_SCOPE_DIR,
    SKILLS_DIR,
    OutOfScope,
    SkillSet,
    load_skills,
    skills_from_package,
)
from scaffolder.kit.settings import CopilotSettings, settings_problem

if TYPE_CHECKING:
    from fastapi import APIRouter

    from scaffolder.kit.copilot import Copilot
    from scaffolder.kit.llm.client import LLM
    from scaffolder.kit.routing.conversation import ConversationStore
    from scaffolder.kit.routing.router import Router

#: Extra HTTP endpoints of a project: given its copilot, the router `copilot serve` mounts.
RouteFactory = Callable[["Copilot"], "APIRouter"]
#: A project's `build(root, **options)`; options go to its settings (`env_file`, overrides).
AppBuilder = Callable[..., "CopilotApp"]
#: The `[tool.copilot]` key naming the project's build function.
APP_KEY = "app"
_SPEC = re.compile(r"^([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*):([A-Za-z_]\w*)$")


@dataclass(frozen=True)
class CopilotApp:
    """Everything the runtime needs from a project, composed by the project itself."""

    root: Path
    settings: CopilotSettings
    skills: SkillSet
    out_of_scope: OutOfScope = field(default_factory=OutOfScope)
    routes: tuple[RouteFactory, ...] = ()

    def copilot(
        self, *, store: ConversationStore | None = None, allowed_commands: Sequence[str] = ()
    ) -> Copilot:
        """A copilot over this app's skills and settings (each call: a fresh one)."""
        from scaffolder.kit.copilot import Copilot

        return Copilot.compose(
            self.root,
            self.settings,
            self.skills,
            self.out_of_scope,
            store=store,
            allowed_commands=allowed_commands,
        )

    def router(self, llm: LLM) -> Router:
        """The router this app's copilot routes with, over another client (a benchmark's
        metered one): its examples, the index's evidence, `llm` as the fallback.

        Why with the evidence: the copilot's scope is grounded in the index, and `adapt` keeps
        the suite questions the copilot passes. Without it, `copilot bench run routing` (the
        generated CI's benchmark smoke) declined answerable questions that `ask` answers, and
        the safety suite counted them as false positives. Before an ingest there is no
        evidence, and routing is by examples alone, as the copilot's own is."""
        from scaffolder.kit.copilot.services import ProjectServices

        services = ProjectServices(self.root, self.settings)
        return services.router(self.skills, self.out_of_scope.examples, llm)

    def routers(self, copilot: Copilot) -> list[APIRouter]:
        """The project's extra endpoints over `copilot`, for the server."""
        return [route(copilot) for route in self.routes]


def compose(
    root: Path,
    settings: CopilotSettings,
    skills: ModuleType,
    *,
    routes: Sequence[RouteFactory] = (),
) -> CopilotApp:
    """The app of the project at `root`: `settings` (an instance of the project's class), the
    skills of the `skills` package with their data files from `root/skills/`, and `routes`."""
    data = root / SKILLS_DIR
    return CopilotApp(
        root=root,
        settings=settings,
        skills=skills_from_package(skills, data),
        out_of_scope=OutOfScope.from_folder(data / OUT_OF_SCOPE_DIR),
        routes=tuple(routes),
    )


def legacy_app(root: Path, template: str | None, **options: Any) -> CopilotApp:
    """The app of a project made before 0.5 (no `[tool.copilot] app`): plain
    `CopilotSettings`, skill code loaded by file path from `skills/`, and the code assistant's
    /v1/code routes chosen by the template's name, as 0.4 did."""
    settings = _settings(lambda: CopilotSettings.load(root, **options))
    data = root / SKILLS_DIR
    routes: tuple[RouteFactory, ...] = ()
    if template == "code-assistant":
        from scaffolder.kit.code.api import code_router

        routes = (code_router,)
    return CopilotApp(
        root, settings, load_skills(data), OutOfScope.from_folder(data / OUT_OF_SCOPE_DIR), routes
    )


def load_app(root: Path, spec: str, **options: Any) -> CopilotApp:
    """The app `spec` (`package.module:function`) of the project at `root`, built with
    `options` (`env_file=None`, setting overrides). One-line `UsageError`s when the spec is
    malformed, the module is not the project's or fails to import, or `build` does not
    return a `CopilotApp` for `root`."""
    build = import_builder(root, spec)
    app = _settings(lambda: build(root, **options))
    if not isinstance(app, CopilotApp):
        raise UsageError(
            f"[tool.copilot] app {spec!r} returned {type(app).__name__}, not a CopilotApp "
            "(build it with scaffolder.kit.app.compose)"
        )
    if app.root.resolve() != root.resolve():
        raise UsageError(f"[tool.copilot] app {spec!r} built the project at {app.root}, not {root}")
    return app


def import_builder(root: Path, spec: str) -> AppBuilder:
    """The function `spec` names, imported from the project's own `src/` (see module doc)."""
    match = _SPEC.match(spec.strip())
    if match is None:
        raise UsageError(f"[tool.copilot] app {spec!r} is not 'package.module:function'")
    module_name, attribute = match.groups()
    module = _project_module(root, module_name, spec)
    builder = getattr(module, attribute, None)
    if not callable(builder):
        raise UsageError(
            f"[tool.copilot] app {spec!r}: {module_name} has no function {attribute!r}"
        )
    return builder  # type: ignore[no-any-return]


def _project_module(root: Path, name: str, spec: str) -> ModuleType:
    """Import `name` with `root/src` first on the path, and only from the project itself."""
    src = (root / "src").resolve()
    top = name.partition(".")[0]
    if not any((folder / top).is_dir() or (folder / f"{top}.py").is_file()
               for folder in (src, root.resolve())):  # fmt: skip
        # Refused before anything is imported or forgotten: dropping a module the process
        # already uses (`json`, `yaml`) from sys.modules would break it for everyone else.
        raise UsageError(
            f"[tool.copilot] app {spec!r}: {top} is not this project's code "
            f"(no {top} package in {src} or {root})"
        )
    if src.is_dir():
        if str(src) in sys.path:
            sys.path.remove(str(src))
        sys.path.insert(0, str(src))
    _forget_foreign(top, root.resolve())
    try:
        module = importlib.import_module(name)
    except Exception as error:  # the project's own code: any failure is its message, one line
        raise UsageError(
            f"[tool.copilot] app {spec!r}: cannot import {name}: {type(error).__name__}: {error}"
        ) from error
    if not _inside(module, root.resolve()):
        raise UsageError(
            f"[tool.copilot] app {spec!r}: {name} is not this project's code "
            f"(imported from {getattr(module, '__file__', None)}, outside {root})"
        )
    return module


def _forget_foreign(top: str, root: Path) -> None:
    """Drop an already-imported package `top` (and its submodules) that lives outside `root`:
    another project's same-named package, imported earlier in this process (tests, a
    long-lived tool), must not stand in for this one."""
    loaded = sys.modules.get(top)
    if loaded is None or _inside(loaded, root):
        return
    for name in [key for key in sys.modules if key == top or key.startswith(f"{top}.")]:
        del sys.modules[name]
    importlib.invalidate_caches()


def _inside(module: ModuleType, root: Path) -> bool:
    location = getattr(module, "__file__", None)
    if location is None:  # a namespace package: judge by its folders
        folders = list(getattr(module, "__path__", []))
        return bool(folders) and all(Path(f).resolve().is_relative_to(root) for f in folders)
    return Path(location).resolve().is_relative_to(root)


def _settings(load: Callable[[], Any]) -> Any:
    """`load()`, with invalid settings as one line instead of pydantic's report."""
    from pydantic import ValidationError

    try:
        return load()
    except ValidationError as error:
        raise UsageError(settings_problem(error)) from None


def project_app(root: Path, table: Mapping[str, Any], **options: Any) -> CopilotApp:
    """The app of the project at `root` whose `[tool.copilot]` table is `table`: the one its
    `app` names, else (a project made before 0.5) the legacy one."""
    spec = table.get(APP_KEY)
    if spec is None:
        template = table.get("template")
        return legacy_app(root, template if isinstance(template, str) else None, **options)
    if not isinstance(spec, str):
        raise UsageError(f"[tool.copilot] {APP_KEY} must be a string like 'package.app:build'")
    return load_app(root, spec, **options)
