"""Project settings: one pydantic-settings class every generated project subclasses.

Sources, strongest first: keyword arguments, environment variables, the project's `.env`,
its `[tool.copilot]` table in pyproject.toml, then the defaults below. Non-secret choices
(provider, models, vector DB) live in pyproject.toml so they are reviewed like code; keys
live only in the environment or `.env`.

Two rules protect deployments: outside development a placeholder secret ("changeme",
"sk-your-key"...) is refused, and in production a provider that needs a key must have one
instead of quietly falling back to the offline provider.
"""

from __future__ import annotations

import logging
import re
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Literal, Self

from pydantic import (
    AliasChoices,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from scaffolder.project import read_copilot_table

ProviderName = Literal["offline", "openai", "azure-openai", "openai-compatible"]
#: `auto` picks the provider from the keys and URLs that are set, and is offline without any.
ProviderChoice = ProviderName | Literal["auto"]
Environment = Literal["development", "test", "production"]
VectorDbMode = Literal["embedded", "server"]

_PLACEHOLDER = re.compile(
    r"^(|changeme|change[-_ ]me|replace[-_ ]?me|todo|placeholder|secret|password|x{3,}|\.\.\.|"
    r"<[^>]*>|your[-_ ].*|sk-(your|replace|xxx|\.\.\.).*)$",
    re.IGNORECASE,
)
_PYPROJECT_TABLE: ContextVar[dict[str, Any] | None] = ContextVar(
    "copilot_pyproject_table", default=None
)
_logger = logging.getLogger(__name__)
#: Warnings already logged by this process: settings are loaded by every command and request,
#: and an ignored setting needs saying once, not every time a store is opened.
_WARNED: set[str] = set()


def is_placeholder(value: str) -> bool:
    """Whether a secret is an obvious stand-in copied from an example file."""
    return bool(_PLACEHOLDER.match(value.strip()))


def settings_problem(error: ValidationError) -> str:
    """One line for settings that failed validation (a command shows it instead of pydantic's
    multi-line report): the first problem, named by its field when it has one. Input values
    are left out: they may be secrets."""
    problem = error.errors()[0]
    message = str(problem.get("msg", "invalid")).removeprefix("Value error, ")
    field = ".".join(str(part) for part in problem.get("loc", ()))
    more = len(error.errors()) - 1
    suffix = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
    return f"invalid settings: {field + ': ' if field else ''}{message}{suffix}"


def invalid_settings(error: BaseException) -> str | None:
    """`settings_problem(error)` when `error` is a settings class (this one or a project's
    subclass) refusing its values, else None. Commands report the first as the user's mistake
    in one line wherever settings are loaded; any other validation error stays a bug."""
    if not isinstance(error, ValidationError):
        return None
    classes, names = [CopilotSettings], set()
    while classes:
        cls = classes.pop()
        names.add(cls.__name__)
        classes.extend(cls.__subclasses__())
    return settings_problem(error) if error.title in names else None


class _PyprojectTableSource(PydanticBaseSettingsSource):
    """The `[tool.copilot]` table of the project being loaded, weakest of the real sources."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        table = _PYPROJECT_TABLE.get() or {}
        return table.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        table = _PYPROJECT_TABLE.get() or {}
        return {name: table[name] for name in self.settings_cls.model_fields if name in table}


def _env(*names: str) -> Any:
    """Accept the listed environment variable names, then the field's own name."""
    return AliasChoices(*names)


#: The default question-length limit: what the templates' prompts take as the user's text.
MAX_INPUT_CHARS = 2000
_PROVIDER_SETUP = {
    "openai": "set OPENAI_API_KEY",
    "azure-openai": "set AZURE_OPENAI_API_KEY and AZURE_OPENAI_ENDPOINT",
    "openai-compatible": "set OPENAI_BASE_URL (and OPENAI_API_KEY if the server wants one)",
}


class CopilotSettings(BaseSettings):
    """Settings shared by every copilot project; subclass it to add your own fields."""

    model_config = SettingsConfigDict(
        env_prefix="COPILOT_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        populate_by_name=True,
    )

    environment: Environment = Field(
        "development", validation_alias=_env("COPILOT_ENV", "environment")
    )
    llm_provider: ProviderChoice = Field(
        "auto", validation_alias=_env("COPILOT_PROVIDER", "llm_provider")
    )
    llm_base_url: str | None = Field(
        None, validation_alias=_env("OPENAI_BASE_URL", "AZURE_OPENAI_ENDPOINT", "llm_base_url")
    )
    azure_api_version: str | None = Field(
        None, validation_alias=_env("OPENAI_API_VERSION", "azure_api_version")
    )
    openai_api_key: SecretStr | None = Field(
        None, validation_alias=_env("OPENAI_API_KEY", "openai_api_key")
    )
    azure_openai_api_key: SecretStr | None = Field(
        None, validation_alias=_env("AZURE_OPENAI_API_KEY", "azure_openai_api_key")
    )
    chat_model: str = "offline-chat"
    embedding_model: str = "local"
    vector_db: VectorDbMode = "embedded"
    llm_timeout: float = Field(60.0, gt=0)
    llm_max_attempts: int = Field(4, ge=1, le=10)
    fallback_model: str | None = None
    chroma_url: str | None = Field(None, validation_alias=_env("CHROMA_URL", "chroma_url"))
    chroma_path: Path = Path(".copilot/chroma")
    #: Folders outside the project the assistant indexes and edits (absolute or relative to
    #: the project); checked and named by `scaffolder.kit.sources`.
    sources: list[str] = Field(default_factory=list)
    #: Where strong evidence in the index starts (0-1); unset, it is calibrated per corpus.
    answerability_threshold: float | None = Field(None, ge=0.0, le=1.0)
    api_key: SecretStr | None = Field(None, validation_alias=_env("COPILOT_API_KEY", "api_key"))
    # HTTP server (scaffolder.kit.server): the key clients must send, and per-request limits.
    server_api_key: SecretStr | None = Field(
        None, validation_alias=_env("COPILOT_SERVER_API_KEY", "server_api_key")
    )
    max_request_bytes: int = Field(65536, gt=0)
    rate_limit_per_minute: int = Field(60, gt=0)
    #: Seconds a client has to send a request head, and a body; slower connections are
    #: closed, so trickling clients cannot hold connections. Open connections past the cap
    #: are answered 503 at once.
    server_header_timeout: float = Field(10.0, gt=0)
    server_body_timeout: float = Field(30.0, gt=0)
    server_max_connections: int = Field(256, gt=0)
    # Guardrails (scaffolder.kit.safety): team guard lists and identifier patterns to redact.
    guard_lists: list[Path] = Field(default_factory=list)
    redact_patterns: dict[str, str] = Field(default_factory=dict)
    #: Identifiers (the redactor's kinds and `redact_patterns`) leave for the model as
    #: placeholders such as `<EMAIL_1>`, restored in its answer (`kit.safety.pseudonyms`).
    #: Off unless set: new projects' templates set it.
    pseudonymize: bool = False
    #: The longest question, in characters, every exit takes (CLI, chat, server, the input
    #: guard): one number, the same the templates' prompts accept for the user's text.
    max_input_chars: int = Field(MAX_INPUT_CHARS, gt=0)
    #: `auto`: the OpenAI moderation endpoint when calls go to OpenAI, the offline filter otherwise.
    moderation: Literal["auto", "openai", "offline"] = "auto"
    #: Safety benchmark thresholds: a number for every category, or a table by category.
    safety_min_detection: float | dict[str, float] = 0.9
    safety_max_false_positive: float | dict[str, float] = 0.05
    # Telemetry (scaffolder.kit.telemetry): where spans go, and whether message text is kept.
    telemetry_exporters: list[Literal["console", "otlp", "jsonl"]] = Field(default_factory=list)
    telemetry_file: Path = Path(".copilot/telemetry.jsonl")
    otlp_endpoint: str | None = Field(
        None, validation_alias=_env("OTEL_EXPORTER_OTLP_ENDPOINT", "otlp_endpoint")
    )
    telemetry_capture_content: bool = Field(
        False,
        validation_alias=_env(
            "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "telemetry_capture_content"
        ),
    )
    #: Production cost alert: model spend over a rolling window of this many minutes past
    #: this many USD posts to the benchmark cost alerts' webhook, at most once per window.
    cost_alert_usd: float | None = Field(None, gt=0)
    cost_alert_window_minutes: float = Field(60.0, gt=0)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (
            init_settings,
            env_settings,
            dotenv_settings,
            _PyprojectTableSource(settings_cls),
            file_secret_settings,
        )

    @classmethod
    def load(
        cls,
        root: Path,
        *,
        env_file: Path | str | None = ".env",
        **overrides: Any,
    ) -> Self:
        """Settings of the project at `root`, which the caller names: the CLI finds the
        project once and passes its root on, so nothing here depends on the working directory.

        `env_file` is relative to the project root; pass None to ignore `.env` (tests do).
        """
        table = (
            read_copilot_table(root / "pyproject.toml")
            if (root / "pyproject.toml").is_file()
            else None
        )
        token = _PYPROJECT_TABLE.set(table or {})
        try:
            dotenv = None if env_file is None else root / env_file
            return cls(_env_file=dotenv, **overrides)  # type: ignore[call-arg]
        finally:
            _PYPROJECT_TABLE.reset(token)

    @field_validator("sources", mode="before")
    @classmethod
    def _sources_are_paths(cls, value: Any) -> Any:
        """One clear line for the likely mistakes (a bare string, a number in the list)."""
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValueError('must be a list of folder paths, like ["../our-repo"]')
        return value

    @model_validator(mode="after")
    def _refuse_unsafe_configuration(self) -> Self:
        if self.environment != "development":
            for variable, secret in self._secrets().items():
                if secret is not None and is_placeholder(secret.get_secret_value()):
                    raise ValueError(
                        f"{variable} holds a placeholder value; set the real secret or unset it "
                        f"(placeholders are allowed only when COPILOT_ENV=development)"
                    )
        if self.environment == "production" and self.llm_provider != "offline":
            missing = self._missing_for_provider()
            if missing:
                raise ValueError(
                    f"llm_provider is {self.llm_provider} but {missing}; "
                    "production never falls back to the offline provider"
                )
        if self.vector_db == "server" and not self.chroma_url:
            raise ValueError("vector_db is server but CHROMA_URL is not set")
        return self

    def _secrets(self) -> dict[str, SecretStr | None]:
        return {
            "OPENAI_API_KEY": self.openai_api_key,
            "AZURE_OPENAI_API_KEY": self.azure_openai_api_key,
            "COPILOT_API_KEY": self.api_key,
            "COPILOT_SERVER_API_KEY": self.server_api_key,
        }

    def _missing_for_provider(self) -> str | None:
        """What the configured provider still needs, said as a reason, or None."""
        if self.llm_provider == "auto" and self._detected_provider() is None:
            return "no OPENAI_API_KEY, AZURE_OPENAI_API_KEY or OPENAI_BASE_URL is set"
        if self.llm_provider == "openai" and self.openai_api_key is None:
            return "OPENAI_API_KEY is not set"
        if self.llm_provider == "azure-openai":
            no_key = self.azure_openai_api_key is None and self.openai_api_key is None
            if no_key and not self.llm_base_url:
                return "AZURE_OPENAI_API_KEY and AZURE_OPENAI_ENDPOINT are not set"
            if no_key:
                return "AZURE_OPENAI_API_KEY is not set"
            if not self.llm_base_url:
                return "AZURE_OPENAI_ENDPOINT is not set"
        if self.llm_provider == "openai-compatible" and not self.llm_base_url:
            return "OPENAI_BASE_URL is not set"
        return None

    def _detected_provider(self) -> ProviderName | None:
        """For `auto`: the provider the set variables point to, or None when none is set."""
        if self.azure_openai_api_key is not None and self.llm_base_url:
            return "azure-openai"
        if self.llm_base_url:
            return "openai-compatible"
        if self.openai_api_key is not None:
            return "openai"
        return None

    @property
    def effective_provider(self) -> ProviderName:
        """The provider calls really go to: the configured (or, for `auto`, detected) one once
        it has what it needs, otherwise the offline provider (development and test only)."""
        if self.llm_provider == "auto":
            return self._detected_provider() or "offline"
        if self.llm_provider == "offline" or self._missing_for_provider():
            return "offline"
        return self.llm_provider

    @property
    def provider_setup(self) -> str:
        """What to set for the configured provider to answer with a model, for notes that say
        so (an Azure project reads AZURE_OPENAI_*, never OPENAI_API_KEY alone)."""
        return _PROVIDER_SETUP.get(self.llm_provider, _PROVIDER_SETUP["openai"])

    @property
    def chroma_server(self) -> str | None:
        """The Chroma server the store connects to, or None for the embedded store in
        `chroma_path`. `vector_db` alone decides: a CHROMA_URL left in the environment (for
        another project, a shell profile) must not move an embedded project's index to a
        server. Stores are opened through `vector_server()`, which also says what it ignores."""
        return self.chroma_url if self.vector_db == "server" else None

    @property
    def ignored_chroma_url(self) -> str | None:
        """Why a set CHROMA_URL goes unused (embedded mode), for a warning; None when nothing
        is ignored. The URL itself is left out: it may carry credentials."""
        if self.vector_db != "embedded" or not self.chroma_url:
            return None
        return (
            f"CHROMA_URL is set but vector_db is embedded: the index stays in "
            f'{self.chroma_path} and the URL is ignored; set vector_db = "server" to use '
            "the server, or unset CHROMA_URL"
        )

    def vector_server(self) -> str | None:
        """`chroma_server`, logging `ignored_chroma_url` as a warning the first time this
        process ignores it: a setting that has no effect is said, never silently dropped."""
        ignored = self.ignored_chroma_url
        if ignored is not None and ignored not in _WARNED:
            _WARNED.add(ignored)
            _logger.warning(ignored)
        return self.chroma_server

    @property
    def offline_reason(self) -> str | None:
        """Why calls go to the offline provider, for a one-time notice; None when they don't."""
        if self.effective_provider != "offline":
            return None
        if self.llm_provider == "offline":
            return "llm_provider is offline"
        return f"llm_provider is {self.llm_provider} but {self._missing_for_provider()}"
