"""How this project's copilot is put together. `[tool.copilot] app` in pyproject.toml names
`build`: `copilot ask`, `chat`, `serve`, `bench` and the tests all go through it.

Change what runs here: the settings class (config.py), the skills package (skills/), and
the HTTP routes served beside the chat: the editor API (/v1/code) is one of them.
"""

from pathlib import Path
from typing import Any

from scaffolder.kit.app import CopilotApp, compose
from scaffolder.kit.code.api import code_router

from . import skills
from .config import Settings


def build(root: Path, **options: Any) -> CopilotApp:
    """The copilot of the project at `root`. `options` go to `Settings.load`: `env_file=None`
    ignores .env (the tests do), and a field given by name overrides its configured value."""
    return compose(root, Settings.load(root, **options), skills, routes=[code_router])
