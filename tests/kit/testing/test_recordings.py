"""Recording the tests' model answers into reviewable files and replaying them with no
network: run by pytest inside the test (pytester) against the loopback OpenAI-compatible
server, with the real `openai` SDK and the kit's settings, as a generated project runs."""

from __future__ import annotations

import json
from typing import Any

import pytest

# Imported here so pytester's inner runs find them loaded instead of importing them anew.
import scaffolder.kit.llm.providers.openai_provider
import scaffolder.kit.settings
import scaffolder.kit.testing.recording  # noqa: F401
from scaffolder.kit.llm.cache import MODE_VARIABLE
from tests.kit.llm.fault_server import FaultServer, answer

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestAssertRewriteWarning")

PYPROJECT = """
[tool.copilot]
llm_provider = "openai-compatible"
chat_model = "gpt-4o-mini"
embedding_model = "text-embedding-3-small"
"""

#: Tests that call the model the way a project's tests do: through the provider the plugin's
#: `llm_test_provider` fixture picks, with the project's settings.
SUITE = """
from pathlib import Path
from typing import Any

import pytest
from scaffolder.errors import LLMError
from scaffolder.kit.llm import LLM, ChatRequest, Message
from scaffolder.kit.settings import CopilotSettings

ROOT = Path(__file__).parent


@pytest.fixture(scope="session")
def llm(llm_test_provider, tmp_path_factory):
    settings = CopilotSettings.load(ROOT, env_file=None)
    return LLM.from_settings(settings, tmp_path_factory.mktemp("state"))


def ask(llm, text):
    return llm.complete(ChatRequest(messages=(Message("user", text),))).text


def test_hello(llm):
    assert ask(llm, "hello") == "echo: hello"


def test_bye(llm):
    assert ask(llm, "{bye}") == "echo: {bye}"


def test_streams(llm):
    request = ChatRequest(messages=(Message("user", "stream me"),), temperature=0.5)
    assert "".join(chunk.text for chunk in llm.stream(request)) == "echo: stream me"


def test_embeds(llm):
    vectors = llm.embed(["alpha", "beta"])
    assert len(vectors) == 2 and all(len(vector) == 8 for vector in vectors)


def test_expects_another_answer(llm):
    assert ask(llm, "hello") == "goodbye"
"""

SWALLOWS = """

def test_swallows_errors(llm):
    try:
        ask(llm, "never recorded")
    except LLMError:
        pass
"""

OUTCOMES = {"passed": 4, "failed": 1}


@pytest.fixture
def served(model_server: FaultServer, monkeypatch: pytest.MonkeyPatch) -> FaultServer:
    """The server the configured provider points at, while recording."""
    monkeypatch.setenv("OPENAI_BASE_URL", model_server.url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    for name in (MODE_VARIABLE, "COPILOT_LLM_CACHE_PATH", "COPILOT_TEST_PROVIDER"):
        monkeypatch.delenv(name, raising=False)
    return model_server


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makepyprojecttoml(PYPROJECT)
    pytester.makepyfile(test_suite=SUITE)
    return pytester


def recordings(pytester: pytest.Pytester) -> list[dict[str, Any]]:
    text = (pytester.path / "recordings" / "test_suite.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines()]


def as_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    """What the generated CI has: no key, no model address, the configured provider asked."""
    monkeypatch.delenv("OPENAI_BASE_URL")
    monkeypatch.delenv("OPENAI_API_KEY")
    monkeypatch.setenv("COPILOT_TEST_PROVIDER", "configured")


def test_recordings_replay_with_no_request_and_the_same_outcomes(
    served: FaultServer, project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorded = project.runpytest("--llm-record")
    recorded.assert_outcomes(**OUTCOMES)
    recorded.stdout.fnmatch_lines(["*recorded 6 model calls of 5 tests: recordings/*.jsonl"])
    # hello, {bye}, the stream, one batch of two embeddings; the second "hello" is answered
    # by the first, as replay will answer it (and recorded under both tests).
    sent = served.count
    assert sent == 4
    as_in_ci(monkeypatch)
    replayed = project.runpytest("--llm-cache=replay-only")
    replayed.assert_outcomes(**OUTCOMES)
    replayed.stdout.fnmatch_lines(["*replay-only: recorded answers of openai-compatible"])
    assert served.count == sent


def test_a_recordings_file_is_reviewable_text_in_a_stable_order(
    served: FaultServer, project: pytest.Pytester
) -> None:
    project.runpytest("--llm-record").assert_outcomes(**OUTCOMES)
    path = project.path / "recordings" / "test_suite.jsonl"
    first = path.read_bytes()
    lines = recordings(project)
    assert all(list(line) == sorted(line) for line in lines)  # stable keys
    order = [(line["test"], line["kind"]) for line in lines]
    assert order == sorted(order)
    by_test = {str(line["test"]): line for line in lines if line["kind"] == "chat"}
    hello = by_test["test_hello"]
    assert hello["request"] == {
        "provider": "openai-compatible",
        "model": "gpt-4o-mini",
        "messages": [{"role": "user", "content": "hello"}],
        "sample": 0,
    }
    assert hello["response"] == {
        "text": "echo: hello",
        "model": "gpt-4o-mini",
        "finish_reason": "stop",
        "usage": {"prompt_tokens": 1, "completion_tokens": 2},
    }
    assert by_test["test_streams"]["request"]["temperature"] == 0.5  # parameters are matched
    embedded = [line for line in lines if line["kind"] == "embedding"]
    assert sorted(line["request"]["input"] for line in embedded) == ["alpha", "beta"]
    # The same answers recorded again: the same bytes, so a re-recording diffs cleanly.
    project.runpytest("--llm-record").assert_outcomes(**OUTCOMES)
    assert path.read_bytes() == first


def test_the_request_body_is_the_match_key(
    served: FaultServer, project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A changed prompt misses (it never replays another prompt's answer in recorded order),
    and the miss names the test and the command that records it."""
    project.runpytest("--llm-record").assert_outcomes(**OUTCOMES)
    sent = served.count
    project.makepyfile(test_suite=SUITE.replace('"{bye}"', '"{bye} again"'))
    as_in_ci(monkeypatch)
    replayed = project.runpytest("--llm-cache=replay-only")
    replayed.assert_outcomes(passed=3, failed=2)
    replayed.stdout.fnmatch_lines(
        [
            "*CacheMissError: no recording of the chat request to gpt-4o-mini (sample 0) for "
            "test_suite.py::test_bye in *recordings/test_suite.jsonl (replay-only); record it "
            "with: COPILOT_TEST_PROVIDER=configured python -m pytest --llm-record "
            "test_suite.py::test_bye"
        ]
    )
    assert served.count == sent


def test_a_miss_fails_the_test_even_when_the_application_swallows_it(
    served: FaultServer, project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    project.runpytest("--llm-record", "-k", "hello").assert_outcomes(passed=1)
    project.makepyfile(test_suite=SUITE + SWALLOWS)
    as_in_ci(monkeypatch)
    replayed = project.runpytest("--llm-cache=replay-only", "-k", "swallows")
    replayed.assert_outcomes(failed=1)
    replayed.stdout.fnmatch_lines(["*no recording of the chat request*test_swallows_errors*"])


def test_recording_one_test_keeps_the_other_tests_lines(
    served: FaultServer, project: pytest.Pytester
) -> None:
    project.runpytest("--llm-record").assert_outcomes(**OUTCOMES)
    before = recordings(project)
    served.script(answer("a new answer"))
    project.runpytest("--llm-record", "-k", "test_bye").assert_outcomes(failed=1)
    after = recordings(project)
    assert [line for line in after if line["test"] != "test_bye"] == [
        line for line in before if line["test"] != "test_bye"
    ]
    (bye,) = [line for line in after if line["test"] == "test_bye"]
    assert bye["response"]["text"] == "a new answer"


def test_without_recordings_replay_runs_on_the_offline_provider(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A project that never recorded passes CI: replay falls back to the offline provider."""
    monkeypatch.setenv("COPILOT_TEST_PROVIDER", "configured")
    monkeypatch.delenv("COPILOT_PROVIDER", raising=False)
    pytester.makepyfile(
        test_offline="""
import os

def test_offline(llm_test_provider):
    assert llm_test_provider.kind == "offline"
    assert os.environ["COPILOT_PROVIDER"] == "offline"
"""
    )
    result = pytester.runpytest("--llm-cache=replay-only")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        ["*replay-only: no recordings yet, so the offline provider (record them with *record)"]
    )


def test_a_malformed_recordings_file_is_refused_in_one_line(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = project.path / "recordings"
    folder.mkdir()
    line = {"kind": "chat", "request": {"provider": "openai"}, "response": {"text": 1}, "test": "t"}
    (folder / "test_suite.jsonl").write_text(json.dumps(line) + "\n", encoding="utf-8")
    monkeypatch.setenv("COPILOT_TEST_PROVIDER", "configured")
    result = project.runpytest("--llm-cache=replay-only")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["ERROR: *recordings/test_suite.jsonl:1: a chat response needs text and model strings"]
    )


def test_recording_without_a_model_stops_at_once(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("OPENAI_BASE_URL", "OPENAI_API_KEY", "COPILOT_PROVIDER"):
        monkeypatch.delenv(name, raising=False)
    result = project.runpytest("--llm-record")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stdout.fnmatch_lines(["*--llm-record needs a model, but llm_provider is*"])
    assert not (project.path / "recordings").exists()


def test_plain_replay_only_still_means_the_private_cache(
    served: FaultServer, project: pytest.Pytester
) -> None:
    """Without COPILOT_TEST_PROVIDER=configured, --llm-cache=replay-only activates no tape:
    the offline provider answers and nothing is read from or written to recordings/."""
    result = project.runpytest("--llm-cache=replay-only", "-k", "hello")
    result.assert_outcomes(failed=1)  # offline answers are not echoes
    assert served.count == 0
    assert not (project.path / "recordings").exists()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--llm-cache=read-write"], "--llm-record records afresh: leave out --llm-cache"),
        (["-n", "2"], "--llm-record runs in one process: leave out -n"),
    ],
)
def test_recording_refuses_options_it_cannot_honour(
    project: pytest.Pytester, options: list[str], message: str
) -> None:
    result = project.runpytest("--llm-record", *options)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: {message}"])
