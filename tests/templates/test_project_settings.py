"""A project's settings follow its answers: offline by default, the environment above
pyproject.toml, and no placeholder secret in production (formerly each project's
tests/test_settings.py), for every provider answer of both templates."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from scaffolder.kit.app import import_builder
from tests.templates.conftest import PROVIDERS, TEMPLATES, Answers, Render, recorded_answers

EVERY_PROVIDER = [Answers(template, llm_provider=p) for template in TEMPLATES for p in PROVIDERS]


def project_settings(project: Path, **overrides: Any) -> Any:
    """The project's own `Settings` (src/mybot/config.py), loaded without .env."""
    settings_class = import_builder(project, "mybot.config:Settings")
    return settings_class.load(project, env_file=None, **overrides)  # type: ignore[attr-defined]


@pytest.mark.parametrize("answers", EVERY_PROVIDER, ids=Answers.name)
def test_settings_come_from_pyproject(render: Render, answers: Answers) -> None:
    project = render(answers)
    recorded = recorded_answers(project)
    settings = project_settings(project)
    assert type(settings).__module__ == "mybot.config"
    assert settings.llm_provider == answers.llm_provider == recorded["llm_provider"]
    assert settings.chat_model == recorded["chat_model"]
    assert settings.vector_db == answers.vector_db == recorded["vector_db"]


@pytest.mark.parametrize("answers", EVERY_PROVIDER, ids=Answers.name)
def test_runs_offline_without_any_key(render: Render, answers: Answers) -> None:
    settings = project_settings(render(answers))
    if answers.llm_provider == "openai-compatible":
        # A base URL is enough for an OpenAI-compatible server: it needs no key.
        assert settings.effective_provider == "openai-compatible"
    else:
        assert settings.effective_provider == "offline"


@pytest.mark.parametrize("template", TEMPLATES)
def test_environment_overrides_pyproject(
    render: Render, template: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = render(Answers(template, llm_provider="openai"))
    assert project_settings(project).llm_provider == "openai"
    monkeypatch.setenv("COPILOT_PROVIDER", "offline")
    assert project_settings(project).llm_provider == "offline"


@pytest.mark.parametrize("template", TEMPLATES)
def test_placeholder_key_is_refused_in_production(
    render: Render, template: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = render(Answers(template))
    monkeypatch.setenv("COPILOT_ENV", "production")
    monkeypatch.setenv("OPENAI_API_KEY", "changeme")
    with pytest.raises(ValidationError, match="placeholder"):
        project_settings(project)
