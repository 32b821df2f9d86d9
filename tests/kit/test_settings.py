"""CopilotSettings: where values come from, and what it refuses."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel, ValidationError

from scaffolder.kit.settings import CopilotSettings, invalid_settings, is_placeholder


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "bot"\n\n[tool.copilot]\ntemplate = "qa-rag"\n'
        'llm_provider = "openai"\nchat_model = "gpt-4o-mini"\nvector_db = "embedded"\n'
    )
    return tmp_path


def test_pyproject_table_gives_the_defaults(project: Path) -> None:
    settings = CopilotSettings.load(project)
    assert settings.llm_provider == "openai"
    assert settings.chat_model == "gpt-4o-mini"
    assert settings.embedding_model == "local"  # the class default


def test_dotenv_beats_pyproject_and_environment_beats_dotenv(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / ".env").write_text("COPILOT_CHAT_MODEL=from-dotenv\nCOPILOT_PROVIDER=offline\n")
    assert CopilotSettings.load(project).chat_model == "from-dotenv"
    monkeypatch.setenv("COPILOT_CHAT_MODEL", "from-env")
    settings = CopilotSettings.load(project)
    assert settings.chat_model == "from-env"
    assert settings.llm_provider == "offline"
    assert CopilotSettings.load(project, chat_model="from-code").chat_model == "from-code"


def test_env_file_none_ignores_dotenv(project: Path) -> None:
    (project / ".env").write_text("COPILOT_CHAT_MODEL=from-dotenv\n")
    assert CopilotSettings.load(project, env_file=None).chat_model == "gpt-4o-mini"


def test_load_reads_the_named_root_whatever_the_working_directory(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The kit receives the root from its caller: the working directory (here another
    project with another model) has no say."""
    other = tmp_path / "other"
    other.mkdir()
    (other / "pyproject.toml").write_text('[tool.copilot]\nchat_model = "from-cwd"\n')
    monkeypatch.chdir(other)
    assert CopilotSettings.load(project).chat_model == "gpt-4o-mini"
    with pytest.raises(TypeError):
        CopilotSettings.load()  # type: ignore[call-arg]


def test_without_a_key_calls_go_offline_and_say_why(project: Path) -> None:
    settings = CopilotSettings.load(project)
    assert settings.effective_provider == "offline"
    assert settings.offline_reason == "llm_provider is openai but OPENAI_API_KEY is not set"


def test_with_a_key_the_configured_provider_is_used(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-1234567890")
    settings = CopilotSettings.load(project)
    assert settings.effective_provider == "openai"
    assert settings.offline_reason is None
    assert "sk-test" not in repr(settings)


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"COPILOT_PROVIDER": "openai-compatible"}, "offline"),
        (
            {"COPILOT_PROVIDER": "openai-compatible", "OPENAI_BASE_URL": "http://localhost:1/v1"},
            "openai-compatible",
        ),
        ({"COPILOT_PROVIDER": "azure-openai", "AZURE_OPENAI_API_KEY": "k" * 32}, "offline"),
        (
            {
                "COPILOT_PROVIDER": "azure-openai",
                "AZURE_OPENAI_API_KEY": "k" * 32,
                "AZURE_OPENAI_ENDPOINT": "https://acme.openai.azure.com",
            },
            "azure-openai",
        ),
    ],
)
def test_each_provider_needs_its_own_parts(
    project: Path, monkeypatch: pytest.MonkeyPatch, env: dict[str, str], expected: str
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert CopilotSettings.load(project).effective_provider == expected


@pytest.mark.parametrize(
    "value", ["changeme", "CHANGE-ME", "your-api-key", "<your key>", "sk-your-key-here", "xxxx", ""]
)
def test_placeholders_are_recognised(value: str) -> None:
    assert is_placeholder(value)


@pytest.mark.parametrize("value", ["sk-proj-a8f3k2", "8c1f0e2b9d", "hunter2hunter2"])
def test_real_looking_secrets_are_not_placeholders(value: str) -> None:
    assert not is_placeholder(value)


def test_placeholders_are_fine_in_development(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "changeme")
    assert CopilotSettings.load(project).environment == "development"


@pytest.mark.parametrize("environment", ["test", "production"])
def test_placeholders_are_refused_outside_development(
    project: Path, monkeypatch: pytest.MonkeyPatch, environment: str
) -> None:
    monkeypatch.setenv("COPILOT_ENV", environment)
    monkeypatch.setenv("COPILOT_API_KEY", "replace-me")
    with pytest.raises(ValidationError, match="COPILOT_API_KEY holds a placeholder"):
        CopilotSettings.load(project)


def test_production_never_falls_back_to_offline(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COPILOT_ENV", "production")
    with pytest.raises(ValidationError, match="never falls back"):
        CopilotSettings.load(project)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-real-8f2k3j4h5g")
    assert CopilotSettings.load(project).effective_provider == "openai"


def test_server_mode_needs_a_chroma_url(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COPILOT_VECTOR_DB", "server")
    with pytest.raises(ValidationError, match="CHROMA_URL"):
        CopilotSettings.load(project)
    monkeypatch.setenv("CHROMA_URL", "http://127.0.0.1:8000")
    assert CopilotSettings.load(project).chroma_url == "http://127.0.0.1:8000"


def test_a_subclass_adds_fields_from_the_same_sources(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Settings(CopilotSettings):
        answer_sources: int = 3

    with (project / "pyproject.toml").open("a") as handle:
        handle.write("answer_sources = 5\n")
    assert Settings.load(project).answer_sources == 5
    monkeypatch.setenv("COPILOT_ANSWER_SOURCES", "7")
    assert Settings.load(project).answer_sources == 7


def test_outside_a_project_the_defaults_apply(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    settings = CopilotSettings.load(tmp_path)
    assert settings.llm_provider == "auto"
    assert settings.effective_provider == "offline"
    assert settings.offline_reason == (
        "llm_provider is auto but no OPENAI_API_KEY, AZURE_OPENAI_API_KEY or OPENAI_BASE_URL is set"
    )


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "offline"),
        ({"OPENAI_API_KEY": "sk-live-1234567890"}, "openai"),
        ({"OPENAI_BASE_URL": "http://localhost:11434/v1"}, "openai-compatible"),
        (
            {"OPENAI_API_KEY": "k" * 20, "OPENAI_BASE_URL": "https://proxy.example/v1"},
            "openai-compatible",
        ),
        (
            {
                "AZURE_OPENAI_API_KEY": "k" * 32,
                "AZURE_OPENAI_ENDPOINT": "https://a.openai.azure.com",
            },
            "azure-openai",
        ),
    ],
)
def test_auto_detects_the_provider_from_what_is_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, env: dict[str, str], expected: str
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert CopilotSettings.load(tmp_path, env_file=None).effective_provider == expected


def test_auto_in_production_needs_a_provider(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COPILOT_ENV", "production")
    with pytest.raises(ValidationError, match="never falls back"):
        CopilotSettings.load(tmp_path, env_file=None)


def test_only_settings_classes_count_as_invalid_settings(project: Path) -> None:
    """Commands report settings refusals as the user's one line; another model's validation
    error is a bug and keeps its traceback."""

    class Other(BaseModel):
        count: int

    class TeamSettings(CopilotSettings):
        team_size: int = 1

    with pytest.raises(ValidationError) as other:
        Other(count="many")  # type: ignore[arg-type]
    assert invalid_settings(other.value) is None
    assert invalid_settings(ValueError("vector_db")) is None
    with pytest.raises(ValidationError) as ours:
        TeamSettings.load(project, env_file=None, team_size="many")
    assert str(invalid_settings(ours.value)).startswith("invalid settings: team_size: ")
