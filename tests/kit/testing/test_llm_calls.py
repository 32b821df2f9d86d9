"""Attempts as distinct cached samples, replay with zero network calls, replay-only CI and the
spending limit, against the loopback OpenAI-compatible server with the real `openai` SDK."""

from __future__ import annotations

import json
import os
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from scaffolder.kit.llm import LLM, ChatRequest, Message, ResponseCache
from scaffolder.kit.llm.cache import MODE_VARIABLE
from scaffolder.kit.llm.providers.offline import OfflineProvider
from scaffolder.kit.llm.sampling import current_sample, sample_scope, with_scoped_sample
from tests.kit.llm.fault_server import FaultServer

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestAssertRewriteWarning")

HELLO = ChatRequest(messages=(Message("user", "hello"),))

#: A suite whose tests call the model through the kit, as a generated project's tests do.
SUITE = """
import os
from pathlib import Path
from typing import Any

import pytest

from scaffolder.kit.llm import LLM, ChatRequest, Message, ResponseCache
from scaffolder.kit.llm.providers.openai_provider import OpenAIConfig, OpenAIProvider


@pytest.fixture
def llm():
    provider = OpenAIProvider(
        OpenAIConfig(
            kind="openai-compatible",
            chat_model="{model}",
            embedding_model="unused",
            api_key="sk-test",
            base_url=os.environ["MODEL_SERVER_URL"],
            timeout=5.0,
        )
    )
    return LLM(provider, cache=ResponseCache.from_env(Path(__file__).parent))


def ask(llm):
    return llm.complete(ChatRequest(messages=(Message("user", "hello"),))).text
"""

MARKED_TESTS = """
@pytest.mark.llm_flaky(runs={runs}, min_passes={runs})
def test_greets(llm):
    assert ask(llm) == "echo: hello"

@pytest.mark.llm_flaky(runs={runs}, min_passes={runs})
def test_greets_again(llm):
    assert ask(llm).startswith("echo")
"""


def write_suite(pytester: pytest.Pytester, body: str, model: str = "gpt-4o-mini") -> None:
    pytester.makepyfile(test_suite=SUITE.format(model=model) + body)


def entries(pytester: pytest.Pytester) -> dict[str, dict[str, Any]]:
    document = json.loads((pytester.path / "report.json").read_text(encoding="utf-8"))
    return {entry["nodeid"].split("::")[-1]: entry for entry in document["tests"]}


@pytest.fixture
def served(model_server: FaultServer, monkeypatch: pytest.MonkeyPatch) -> FaultServer:
    monkeypatch.setenv("MODEL_SERVER_URL", model_server.url)
    monkeypatch.delenv(MODE_VARIABLE, raising=False)
    monkeypatch.delenv("COPILOT_LLM_CACHE_PATH", raising=False)
    return model_server


def test_sample_scope_sets_only_default_samples() -> None:
    assert current_sample() is None
    assert with_scoped_sample(HELLO) is HELLO
    with sample_scope(3):
        assert current_sample() == 3
        assert with_scoped_sample(HELLO).sample == 3
        chosen = ChatRequest(messages=HELLO.messages, sample=7)
        assert with_scoped_sample(chosen).sample == 7
        with sample_scope(4):
            assert current_sample() == 4
        assert current_sample() == 3
    assert current_sample() is None
    with pytest.raises(ValueError, match="negative"), sample_scope(-1):
        pass


def test_each_scoped_sample_is_its_own_cache_entry(served: FaultServer, tmp_path: Path) -> None:
    from scaffolder.kit.llm.providers.openai_provider import OpenAIConfig, OpenAIProvider

    provider = OpenAIProvider(
        OpenAIConfig("openai-compatible", "gpt-4o-mini", "unused", "sk-test", served.url)
    )
    llm = LLM(provider, cache=ResponseCache(tmp_path / "cache.sqlite3"))
    for index in (0, 1, 1, 2, 0):
        with sample_scope(index):
            llm.complete(HELLO)
    assert served.count == 3
    # Attempt 0 is sample 0, the same entry a plain call records and replays.
    llm.complete(HELLO)
    assert served.count == 3
    # The offline provider is not cached at all; the scope changes nothing for it.
    with sample_scope(5):
        assert LLM(OfflineProvider()).complete(HELLO).cached is False


def test_a_second_run_replays_every_attempt_with_zero_calls(
    served: FaultServer, pytester: pytest.Pytester
) -> None:
    write_suite(pytester, MARKED_TESTS.format(runs=3))
    pytester.runpytest("--llm-report=report.json").assert_outcomes(passed=2)
    first = entries(pytester)
    # Both tests ask the same question, so the second test's attempts replay the first's.
    assert served.count == 3
    assert (first["test_greets"]["model_calls"], first["test_greets"]["cached_calls"]) == (3, 0)
    assert first["test_greets_again"]["cached_calls"] == 3
    assert first["test_greets"]["cost_usd"] > 0
    with closing(sqlite3.connect(pytester.path / ".copilot" / "llm-cache.sqlite3")) as db:
        assert db.execute("SELECT count(*) FROM completions").fetchone() == (3,)

    pytester.runpytest("--llm-report=report.json").assert_outcomes(passed=2)
    second = entries(pytester)
    assert served.count == 3
    assert second["test_greets"]["model_calls"] == 0
    assert second["test_greets"]["cached_calls"] == 3
    assert second["test_greets"]["cost_usd"] == 0


def test_replay_only_fails_on_an_unrecorded_attempt(
    served: FaultServer, pytester: pytest.Pytester
) -> None:
    write_suite(pytester, MARKED_TESTS.format(runs=2))
    pytester.runpytest().assert_outcomes(passed=2)
    assert served.count == 2
    # Asking for more attempts than were recorded: attempt 3 is a cache miss.
    write_suite(pytester, MARKED_TESTS.format(runs=3))
    result = pytester.runpytest("--llm-cache=replay-only", "--llm-report=report.json")
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(["*CacheMissError: no recorded response for the chat request*"])
    assert served.count == 2
    reported = entries(pytester)["test_greets"]
    assert (reported["verdict"], reported["attempts"], reported["passes"]) == ("ABORTED", 2, 2)
    assert MODE_VARIABLE not in os.environ


def test_the_budget_stops_the_session(served: FaultServer, pytester: pytest.Pytester) -> None:
    # gpt-4o at list price: each call here costs $0.0000225 (1 token in, 2 out).
    write_suite(
        pytester,
        MARKED_TESTS.format(runs=3) + "\ndef test_never_reached():\n    pass\n",
        model="gpt-4o",
    )
    result = pytester.runpytest("--llm-budget-usd=0.00003", "--llm-report=report.json")
    result.assert_outcomes(failed=1)
    assert served.count == 2
    result.stdout.fnmatch_lines(
        [
            "*CostLimitError*over its $0.0000 limit*",
            "*stopped early: LLM budget of $0.000030 passed*",
            "*Interrupted: LLM budget*",
        ]
    )
    document = json.loads((pytester.path / "report.json").read_text(encoding="utf-8"))
    assert document["stopped"].startswith("LLM budget of $0.000030 passed")
    assert document["total_cost_usd"] == pytest.approx(0.000045)
    assert [entry["verdict"] for entry in document["tests"]] == ["ABORTED"]


def test_the_budget_counts_unmarked_tests_too(
    served: FaultServer, pytester: pytest.Pytester
) -> None:
    body = """
def test_one(llm):
    ask(llm)

def test_two(llm):
    llm.complete(ChatRequest(messages=(Message("user", "hello again"),)))

def test_three(llm):
    llm.complete(ChatRequest(messages=(Message("user", "and again"),)))
"""
    write_suite(pytester, body, model="gpt-4o")
    result = pytester.runpytest("--llm-budget-usd=0.00004")
    result.assert_outcomes(passed=1, failed=1)
    assert served.count == 2
    result.stdout.fnmatch_lines(["*Interrupted: LLM budget of $0.000040 passed*test_two*"])


def test_a_swallowed_limit_error_still_stops_the_session(
    served: FaultServer, pytester: pytest.Pytester
) -> None:
    body = """
from scaffolder.errors import LLMError

def app(llm):
    try:
        return ask(llm)
    except LLMError:
        return "sorry, try again later"

@pytest.mark.llm_flaky(runs=3, min_passes=1)
def test_app(llm):
    assert app(llm) == "sorry"

def test_never_reached():
    pass
"""
    write_suite(pytester, body, model="gpt-4o")
    result = pytester.runpytest("--llm-budget-usd=0.00003")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*session's LLM budget of $0.000030 is spent*"])
    assert served.count == 2
