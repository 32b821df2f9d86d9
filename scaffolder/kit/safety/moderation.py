"""The OpenAI moderation endpoint as a content classifier on copilot's 0-7 severity scale.

OpenAI scores 13 categories between 0 and 1; copilot keeps four (hate, sexual, violence,
self-harm) so thresholds are the same whichever classifier runs. A category's severity is its
highest mapped score times 8 (capped at 7); a flagged category is at least 4 (the default block
level), and the aggravated sub-categories (threats, minors, intent, instructions) at least 6
when flagged. `illicit` has no counterpart and is not mapped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import openai

from scaffolder.kit.llm.providers.openai_compat import sdk_cause, translate
from scaffolder.kit.llm.providers.openai_provider import DEFAULT_URL
from scaffolder.kit.safety.decisions import BLOCK_AT, CONTENT_CATEGORIES, SEVERITY_MAX

if TYPE_CHECKING:
    from scaffolder.kit.settings import CopilotSettings

MODEL = "omni-moderation-latest"
#: OpenAI category -> (copilot category, whether it is an aggravated form).
CATEGORY_MAP: dict[str, tuple[str, bool]] = {
    "hate": ("hate", False),
    "hate/threatening": ("hate", True),
    "harassment": ("hate", False),
    "harassment/threatening": ("violence", True),
    "sexual": ("sexual", False),
    "sexual/minors": ("sexual", True),
    "violence": ("violence", False),
    "violence/graphic": ("violence", False),
    "illicit/violent": ("violence", False),
    "self-harm": ("self-harm", False),
    "self-harm/intent": ("self-harm", True),
    "self-harm/instructions": ("self-harm", True),
}
AGGRAVATED_SEVERITY = 6


def severities(scores: dict[str, float], flags: dict[str, bool]) -> dict[str, int]:
    """OpenAI's per-category scores and flags on copilot's scale, per copilot category."""
    result: dict[str, int] = {category: 0 for category in CONTENT_CATEGORIES}
    for name, (category, aggravated) in CATEGORY_MAP.items():
        severity = min(SEVERITY_MAX, int(float(scores.get(name, 0.0)) * 8))
        if flags.get(name):
            severity = max(severity, AGGRAVATED_SEVERITY if aggravated else BLOCK_AT)
        result[category] = max(result[category], severity)
    return result


class OpenAIModeration:
    """Calls `POST /moderations` through the openai SDK; failures raise `LLMError`s."""

    name = "openai"

    def __init__(
        self,
        *,
        api_key: str,
        base_url: str | None = None,
        model: str = MODEL,
        timeout: float = 10.0,
    ) -> None:
        self.url = base_url or DEFAULT_URL
        self.model = model
        self.timeout = timeout
        self._client = openai.OpenAI(
            api_key=api_key, base_url=self.url, timeout=timeout, max_retries=0
        )

    @classmethod
    def from_settings(cls, settings: CopilotSettings) -> OpenAIModeration | None:
        """The endpoint the settings point to, or None when there is no OpenAI key (Azure
        OpenAI filters content itself and has no moderation endpoint)."""
        if settings.moderation == "offline" or settings.openai_api_key is None:
            return None
        if settings.moderation == "auto" and settings.effective_provider != "openai":
            return None
        base_url = settings.llm_base_url if settings.effective_provider == "openai" else None
        return cls(
            api_key=settings.openai_api_key.get_secret_value(),
            base_url=base_url,
            timeout=min(settings.llm_timeout, 10.0),
        )

    def classify(self, text: str) -> dict[str, int]:
        try:
            response = self._client.moderations.create(input=text, model=self.model)
        except Exception as error:
            raise translate(
                error,
                url=self.url,
                key_variable="OPENAI_API_KEY",
                timeout=self.timeout,
                model=self.model,
            ) from sdk_cause(error)
        result: Any = response.results[0]
        return severities(
            result.category_scores.model_dump(by_alias=True),
            result.categories.model_dump(by_alias=True),
        )
