"""The provider a project's settings choose, configured from those settings.

Why a module of its own: choosing and configuring a provider reads settings and knows every
provider (the openai SDK's among them); the client only asks for the result
(`LLM.from_settings`), so a new provider is wired in here, not in the call path.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scaffolder.kit.llm.providers.base import Provider
from scaffolder.kit.llm.providers.offline import OfflineProvider

if TYPE_CHECKING:
    from scaffolder.kit.settings import CopilotSettings


def provider_from_settings(settings: CopilotSettings) -> Provider:
    """The provider for `settings.effective_provider` (the openai SDK is imported only then)."""
    name = settings.effective_provider
    if name == "offline":
        return OfflineProvider()
    from scaffolder.kit.llm.providers.openai_provider import OpenAIConfig, OpenAIProvider

    key = settings.azure_openai_api_key if name == "azure-openai" else None
    key = key or settings.openai_api_key
    return OpenAIProvider(
        OpenAIConfig(
            kind=name,
            chat_model=settings.chat_model,
            embedding_model=settings.embedding_model,
            api_key=key.get_secret_value() if key else None,
            base_url=settings.llm_base_url,
            api_version=settings.azure_api_version,
            timeout=settings.llm_timeout,
        )
    )
