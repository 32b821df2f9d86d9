"""Pseudonyms at the model boundary: identifiers leave as placeholders, stable within a call,
and come back in the answer, whole answers and streams split anywhere; against the real
`openai` SDK and a loopback model server that records what it receives."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from scaffolder.kit.copilot.services import ProjectServices
from scaffolder.kit.llm import LLM
from scaffolder.kit.llm.providers.offline import OfflineProvider
from scaffolder.kit.llm.providers.openai_provider import OpenAIConfig, OpenAIProvider
from scaffolder.kit.llm.types import AnswerTask, ChatRequest, ClassifyTask, Message, Passage
from scaffolder.kit.safety.pseudonyms import (
    PseudonymizingProvider,
    Vault,
    pseudonymized_request,
    pseudonymizing,
)
from scaffolder.kit.safety.redaction import Redactor
from scaffolder.kit.settings import CopilotSettings
from tests.kit.llm.fault_server import FaultServer, answer

EMAIL = "jane.doe@example.org"
CARD = "4111 1111 1111 1111"
IBAN = "GB82 WEST 1234 5698 7654 32"
PHONE = "+44 20 7946 0958"
QUESTION = f"Refund card {CARD} to {IBAN}; mail {EMAIL} or call {PHONE}. Again: {EMAIL}."


def test_the_same_identifier_gets_the_same_placeholder_across_texts_and_spellings() -> None:
    vault = Vault(Redactor())
    first = vault.pseudonymize(QUESTION)
    assert first == (
        "Refund card <CARD_1> to <IBAN_1>; mail <EMAIL_1> or call <PHONE_1>. Again: <EMAIL_1>."
    )
    # Another text of the same call: the IBAN unspaced, the e-mail in capitals, a new e-mail.
    second = vault.pseudonymize("GB82WEST12345698765432, JANE.DOE@EXAMPLE.ORG, bo@example.com")
    assert second == "<IBAN_1>, <EMAIL_1>, <EMAIL_2>"
    assert vault.restore(first) == QUESTION
    assert vault.restore("<EMAIL_2> and <EMAIL_9>") == "bo@example.com and <EMAIL_9>"


def test_team_patterns_get_placeholders_too() -> None:
    vault = Vault(Redactor({"customer_id": r"CUST-\d{6}"}))
    assert vault.pseudonymize("account CUST-123456") == "account <CUSTOMER_ID_1>"
    assert vault.restore("see <CUSTOMER_ID_1>") == "see CUST-123456"


def test_a_placeholder_written_in_the_input_is_never_handed_out() -> None:
    """Restoring must not turn text that already read `<EMAIL_1>` into somebody's address."""
    request = ChatRequest(
        messages=(
            Message("system", "Identifiers look like <EMAIL_1> in our logs."),
            Message("user", f"Write to {EMAIL}"),
        )
    )
    vault = Vault(Redactor())
    sent = pseudonymized_request(request, vault)
    assert sent.messages[1].content == "Write to <EMAIL_2>"
    assert vault.restore("<EMAIL_1> / <EMAIL_2>") == f"<EMAIL_1> / {EMAIL}"


def test_requests_are_pseudonymized_in_every_message_and_the_task() -> None:
    request = ChatRequest(
        messages=(
            Message("system", f"Support: {PHONE}"),
            Message("user", f"earlier: my card is {CARD}"),
            Message("assistant", "Noted."),
            Message("user", QUESTION),
        ),
        task=AnswerTask(
            QUESTION,
            (Passage("1", f"Refunds go to {IBAN}.", "billing.md"),),
            follows=f"earlier: my card is {CARD}",
        ),
    )
    sent = pseudonymized_request(request, Vault(Redactor()))
    flat = json.dumps([m.content for m in sent.messages]) + repr(sent.task)
    for identifier in (EMAIL, CARD, IBAN, PHONE):
        assert identifier not in flat
    assert sent.task is not None and isinstance(sent.task, AnswerTask)
    assert sent.task.passages[0].text == "Refunds go to <IBAN_1>."
    assert sent.task.follows == "earlier: my card is <CARD_1>"
    assert sent.messages[1].content == "earlier: my card is <CARD_1>"
    classify = pseudonymized_request(
        ChatRequest((Message("user", EMAIL),), task=ClassifyTask(EMAIL, ("a", "b"))),
        Vault(Redactor()),
    )
    assert classify.task == ClassifyTask("<EMAIL_1>", ("a", "b"))


@pytest.mark.parametrize("size", [1, 2, 3, 5, 7])
def test_a_stream_split_anywhere_restores_every_placeholder(size: int) -> None:
    vault = Vault(Redactor())
    sent = vault.pseudonymize(QUESTION)
    answer_text = f"Done: {sent} <not a placeholder> a<b, List<T> and <EMAIL_1>"
    restorer = vault.restoring()
    pieces = [answer_text[i : i + size] for i in range(0, len(answer_text), size)]
    out = "".join(restorer.feed(piece) for piece in pieces) + restorer.finish()
    assert out == vault.restore(answer_text)
    assert EMAIL in out and "<EMAIL_1>" not in out


def test_a_stream_holds_back_only_what_may_still_be_a_placeholder() -> None:
    vault = Vault(Redactor())
    vault.pseudonymize(EMAIL)
    restorer = vault.restoring()
    assert restorer.feed("write to <EMA") == "write to "
    assert restorer.feed("IL_1> today") == f"{EMAIL} today"
    assert restorer.feed("x < y, ok") == "x < y, ok"
    long_tail = "<" + "A" * 80
    assert restorer.feed(long_tail) == long_tail  # too long to be one: released
    assert restorer.feed(" <IBA") == " "
    assert restorer.finish() == "<IBA"


def provider_for(server: FaultServer) -> OpenAIProvider:
    config = OpenAIConfig(
        kind="openai-compatible", chat_model="m", embedding_model="e", api_key="sk-test",
        base_url=server.url, timeout=5.0,
    )  # fmt: skip
    return OpenAIProvider(config)


def test_the_provider_receives_placeholders_and_the_answer_comes_back_restored(
    model_server: FaultServer,
) -> None:
    llm = pseudonymizing(LLM(provider_for(model_server)), Redactor())
    request = ChatRequest(messages=(Message("user", QUESTION),))
    model_server.script(answer("Mail <EMAIL_1> about <CARD_1>; <PHONE_7> is unknown."))
    whole = llm.complete(request)
    model_server.script(answer("Mail <EMAIL_1> about <CARD_1>; <PHONE_7> is unknown."))
    streamed = "".join(chunk.text for chunk in llm.stream(request))
    echoed = llm.complete(request).text  # the server echoes the question it got

    expected = f"Mail {EMAIL} about {CARD}; <PHONE_7> is unknown."
    assert whole.text == expected and streamed == expected
    assert echoed == f"echo: {QUESTION}"
    sent = json.dumps(model_server.requests)
    for identifier in (EMAIL, CARD, IBAN, PHONE, "4111111111111111"):
        assert identifier not in sent
    assert model_server.requests[0]["messages"][0]["content"] == (
        "Refund card <CARD_1> to <IBAN_1>; mail <EMAIL_1> or call <PHONE_1>. Again: <EMAIL_1>."
    )


def test_async_calls_are_pseudonymized_too(model_server: FaultServer) -> None:
    llm = pseudonymizing(LLM(provider_for(model_server)), Redactor())
    request = ChatRequest(messages=(Message("user", f"mail {EMAIL}"),))

    async def both() -> tuple[str, str]:
        whole = await llm.acomplete(request)
        pieces = [chunk.text async for chunk in llm.astream(request)]
        return whole.text, "".join(pieces)

    assert asyncio.run(both()) == (f"echo: mail {EMAIL}",) * 2
    assert EMAIL not in json.dumps(model_server.requests)


def test_wrapping_keeps_the_client_and_wraps_once() -> None:
    base = LLM(OfflineProvider())
    wrapped = pseudonymizing(base, Redactor())
    assert isinstance(wrapped.provider, PseudonymizingProvider)
    assert pseudonymizing(wrapped, Redactor()) is wrapped
    assert base.provider is not wrapped.provider and wrapped.cache is base.cache
    assert wrapped.info.name == "offline"  # the cache still skips the offline provider
    # The offline provider answers from the task: what it quotes comes back restored.
    passage = Passage("1", f"Billing questions: write to {EMAIL}.", "billing.md")
    reply = wrapped.complete(
        ChatRequest((Message("user", "billing?"),), task=AnswerTask("billing?", (passage,)))
    )
    assert EMAIL in reply.text and "<EMAIL" not in reply.text


def test_the_setting_is_off_by_default_and_wraps_the_projects_client(tmp_path: Path) -> None:
    assert CopilotSettings.load(tmp_path, env_file=None).pseudonymize is False
    off = ProjectServices(tmp_path, CopilotSettings.load(tmp_path, env_file=None))
    assert not isinstance(off.llm.provider, PseudonymizingProvider)
    (tmp_path / "pyproject.toml").write_text("[tool.copilot]\npseudonymize = true\n")
    on = ProjectServices(tmp_path, CopilotSettings.load(tmp_path, env_file=None))
    assert isinstance(on.llm.provider, PseudonymizingProvider)
    # A benchmark variant's client is wrapped the same way.
    assert isinstance(on.with_llm(LLM(OfflineProvider())).llm.provider, PseudonymizingProvider)
