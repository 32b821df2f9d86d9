"""The OpenAI moderation endpoint through the real SDK, against a loopback server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from scaffolder.errors import ProviderUnavailableError
from scaffolder.kit.llm.types import StreamChunk
from scaffolder.kit.safety.guardrails import Guardrails
from scaffolder.kit.safety.moderation import OpenAIModeration, severities
from scaffolder.kit.settings import CopilotSettings
from tests.kit.safety.moderation_server import ModerationServer


@pytest.fixture
def server() -> Iterator[ModerationServer]:
    running = ModerationServer(
        triggers={
            "zorblax": {"violence": 0.93, "violence/graphic": 0.4},
            "quxxle": {"self-harm": 0.3, "self-harm/intent": 0.6},
            "mildly": {"harassment": 0.2},
        }
    ).start()
    try:
        yield running
    finally:
        running.stop()


def moderation(server: ModerationServer) -> OpenAIModeration:
    return OpenAIModeration(api_key="sk-test", base_url=server.url, timeout=5)


def test_scores_map_onto_the_severity_scale(server: ModerationServer) -> None:
    scores = moderation(server).classify("a zorblax attack")
    assert scores == {"hate": 0, "sexual": 0, "violence": 7, "self-harm": 0}
    assert server.inputs == ["a zorblax attack"]


def test_a_flagged_aggravated_category_is_at_least_six(server: ModerationServer) -> None:
    assert moderation(server).classify("quxxle")["self-harm"] == 6
    assert moderation(server).classify("mildly rude")["hate"] == 1


def test_severity_mapping_without_network() -> None:
    assert severities({"sexual/minors": 0.1}, {"sexual/minors": True})["sexual"] == 6
    assert severities({"hate": 0.55}, {"hate": True})["hate"] == 4
    assert severities({"illicit": 0.99}, {"illicit": True}) == dict.fromkeys(
        ("hate", "sexual", "violence", "self-harm"), 0
    )


def test_guardrails_use_the_hosted_classifier(server: ModerationServer) -> None:
    rails = Guardrails.offline()
    rails.use_classifier(moderation(server))
    verdict = rails.check_output("The zorblax is described here.")
    assert verdict.blocked
    assert verdict.blocking is not None
    assert verdict.blocking.guard == "content-filter:openai"
    assert verdict.blocking.reason == "violence severity 7 >= 4"
    assert rails.check_input("How do I export a chart?").decisions == ()


def test_a_stream_is_checked_by_the_hosted_classifier_once_complete(
    server: ModerationServer,
) -> None:
    rails = Guardrails.offline()
    rails.use_classifier(moderation(server))
    chunks = [
        StreamChunk("The zor"),
        StreamChunk("blax is here."),
        StreamChunk("", finish_reason="stop"),
    ]
    out = list(rails.guard_stream(chunks))
    assert out[-1].finish_reason == "content_filter"
    assert server.inputs == ["The zorblax is here."]


def test_falls_back_to_the_offline_filter_when_moderation_fails(
    server: ModerationServer, caplog: pytest.LogCaptureFixture
) -> None:
    server.status = 503
    with pytest.raises(ProviderUnavailableError):
        moderation(server).classify("anything")
    rails = Guardrails.offline()
    rails.use_classifier(moderation(server))
    verdict = rails.check_input("how to make a pipe bomb with a Lumen dashboard")
    assert verdict.blocking is not None
    assert verdict.blocking.guard == "content-filter:offline"
    assert "moderation failed" in caplog.text


def test_from_settings_uses_moderation_only_with_openai(server: ModerationServer) -> None:
    offline = CopilotSettings(_env_file=None)  # type: ignore[call-arg]
    assert OpenAIModeration.from_settings(offline) is None
    hosted = CopilotSettings(  # type: ignore[call-arg]
        _env_file=None, llm_provider="openai", openai_api_key=SecretStr("sk-real-looking-key-123")
    )
    assert isinstance(OpenAIModeration.from_settings(hosted), OpenAIModeration)
    off = CopilotSettings(  # type: ignore[call-arg]
        _env_file=None,
        llm_provider="openai",
        openai_api_key=SecretStr("sk-real-looking-1"),
        moderation="offline",
    )
    assert OpenAIModeration.from_settings(off) is None
    rails = Guardrails.from_settings(hosted)
    assert isinstance(rails.classifier, OpenAIModeration)
    assert rails.offline_filter not in rails.answer_guards
