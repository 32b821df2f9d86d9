"""Canaries: a card number, an IBAN, an e-mail address and a phone number planted in a document,
in the questions, in the conversation history and in feedback, then looked for at every exit of
a qa-rag project answering through a real model server on loopback (the `openai` SDK against
`tests/kit/llm/fault_server.py`, which echoes the prompt it gets, so every passage and question
comes back in the answer): `copilot ask` (text and --json), `copilot chat`, `POST /chat` (SSE
and JSON), `/v1/chat/completions` (streamed and not, with its `copilot.sources`), `POST
/feedback` and the file it writes, the server's log, telemetry JSONL with content capture off
and on, the chat page's source panel in Chromium, and the requests the provider received
(pseudonymization on: the templates' default for new projects).

The scan has teeth: `test_the_scan_finds_sources_that_leave_unredacted` removes the source
redaction and expects it to find the canaries.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from scaffolder.cli import app as cli
from scaffolder.kit.retrieval.ingest import ingest
from scaffolder.kit.retrieval.store import open_store
from scaffolder.kit.safety.feedback import FeedbackStore
from scaffolder.kit.safety.redaction import Redactor
from scaffolder.kit.server import create_app
from scaffolder.kit.server.backend import Reply
from scaffolder.kit.settings import CopilotSettings
from tests.conftest import ChangeDir, project_copilot
from tests.kit.llm.fault_server import FaultServer
from tests.kit.server.conftest import serving

#: What must never leave, by where it was planted.
CANARIES = {
    "document card": "4111 1111 1111 1111",
    "document iban": "GB82 WEST 1234 5698 7654 32",
    "document email": "canary.billing@lumen-example.com",
    "document phone": "+44 20 7946 0958",
    "question card": "5555 5555 5555 4444",
    "question iban": "DE89 3704 0044 0532 0130 00",
    "question email": "jane.canary@example.org",
    "question phone": "+1 415 555 0132",
    "feedback email": "angry.canary@example.net",
    "feedback card": "3782 822463 10005",
}
DOCUMENT = f"""# Lumen billing and refunds

Refunds for a Lumen lamp returned under warranty are paid by bank transfer to the account
{CANARIES["document iban"]}. For billing questions about a Lumen lamp refund write to
{CANARIES["document email"]} or call {CANARIES["document phone"]}. The demo account pays with the
card {CANARIES["document card"]}.
"""
QUESTION = (
    "How do I get a refund for my Lumen lamp under warranty? I paid with the card "
    f"{CANARIES['question card']}, please refund it to {CANARIES['question iban']} and reach me "
    f"at {CANARIES['question email']} or {CANARIES['question phone']}."
)
COMMENT = (
    f"Wrong refund details, write to {CANARIES['feedback email']} "
    f"about card {CANARIES['feedback card']}"
)
PYPROJECT = """[project]
name = "lumenbot"
version = "0.1.0"

[tool.copilot]
template = "qa-rag"
package = "lumenbot"
app = "lumenbot.app:build"
llm_provider = "openai-compatible"
llm_base_url = "{url}"
chat_model = "canary-model"
embedding_model = "local"
pseudonymize = true
"""


def _squashed(text: str) -> str:
    return re.sub(r"[\s().-]", "", text).lower()


def leaks(text: str) -> list[str]:
    """The canaries `text` holds, however spaced (a card without its spaces is the card)."""
    flat = _squashed(text)
    return [name for name, value in CANARIES.items() if _squashed(value) in flat]


@pytest.fixture
def canary_project(
    qa_project: Path, model_server: FaultServer, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """The qa-rag project with the canary document ingested, answering through the loopback
    model server, pseudonymization on, no response cache (every exit reaches the model)."""
    root = qa_project
    (root / "pyproject.toml").write_text(PYPROJECT.format(url=model_server.url))
    (root / "data" / "lumen-billing.md").write_text(DOCUMENT)
    # The team's routing examples name these requests, so they route without a model's vote
    # (the loopback model only echoes); routing calls are pseudonymized like any other.
    with (root / "skills" / "answer" / "examples.txt").open("a") as examples:
        examples.write(QUESTION + "\n")
    with (root / "skills" / "feedback" / "examples.txt").open("a") as examples:
        examples.write(f"That was wrong. {COMMENT}\n")
    monkeypatch.setenv("OPENAI_API_KEY", "test-key-for-the-loopback-server")
    monkeypatch.setenv("COPILOT_LLM_CACHE", "off")
    settings = CopilotSettings.load(root, env_file=None)
    ingest([root / "data"], root, open_store(settings, root))
    return root


def assert_no_leaks(where: str, text: str) -> None:
    assert leaks(text) == [], f"{where} leaks {leaks(text)}"


def assert_provider_saw_placeholders_only(server: FaultServer) -> None:
    """Every request the model server got is free of canaries, and the answer requests carried
    placeholders where the identifiers were (the passages and the question reached it)."""
    assert server.requests, "the provider was never called"
    sent = json.dumps(server.requests, ensure_ascii=False)
    assert_no_leaks("the provider's requests", sent)
    for placeholder in ("<EMAIL_1>", "<EMAIL_2>", "<CARD_1>", "<IBAN_1>", "<PHONE_1>"):
        assert placeholder in sent


def masked_sources(sources: list[dict[str, Any]]) -> str:
    """The canary document's passage as it left: masked, not dropped."""
    [billing] = [s for s in sources if "lumen-billing" in str(s.get("source", ""))]
    text = str(billing["text"])
    assert "[IBAN]" in text and "[EMAIL]" in text and "[CARD]" in text and "[PHONE]" in text
    return text


def test_cli_ask_chat_and_the_provider(
    canary_project: Path, model_server: FaultServer, chdir: ChangeDir
) -> None:
    chdir(canary_project)
    runner = CliRunner()
    text = runner.invoke(cli, ["ask", QUESTION], catch_exceptions=False)
    assert text.exit_code == 0, text.stderr
    assert_no_leaks("copilot ask", text.stdout + text.stderr)
    assert "[IBAN]" in text.stdout  # the echoed passage came back, restored, then masked

    as_json = runner.invoke(cli, ["ask", QUESTION, "--json"], catch_exceptions=False)
    assert as_json.exit_code == 0, as_json.stderr
    assert_no_leaks("copilot ask --json", as_json.stdout + as_json.stderr)
    masked_sources(json.loads(as_json.stdout)["sources"])

    chat = runner.invoke(
        cli, ["chat"], input=f"{QUESTION}\nThat was wrong. {COMMENT}\n", catch_exceptions=False
    )
    assert chat.exit_code == 0, chat.stderr
    assert_no_leaks("copilot chat", chat.stdout + chat.stderr)
    stored = (canary_project / ".copilot" / "feedback.jsonl").read_text()
    assert_no_leaks("the chat's feedback file", stored)
    assert '"rating": "down"' in stored and "[EMAIL]" in stored

    assert_provider_saw_placeholders_only(model_server)


@pytest.fixture
def server_log() -> Iterator[list[str]]:
    """What the server logs (`copilot.server`), at every level, while the test runs."""
    lines: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(self.format(record))

    logger = logging.getLogger("copilot.server")
    handler, level = Collect(logging.DEBUG), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    yield lines
    logger.removeHandler(handler)
    logger.setLevel(level)


def test_server_exits_feedback_and_log(
    canary_project: Path, model_server: FaultServer, server_log: list[str]
) -> None:
    settings = CopilotSettings.load(canary_project, env_file=None)
    feedback_file = canary_project / "server-feedback.jsonl"
    # A store without a redactor of its own: the server's sink must mask what it passes on.
    copilot = project_copilot(canary_project)
    app = create_app(copilot, settings, feedback=FeedbackStore(feedback_file))
    history = [
        {"role": "user", "content": f"My e-mail is {CANARIES['question email']}."},
        {"role": "assistant", "content": "Noted."},
    ]
    with serving(app) as url, httpx.Client(base_url=url, timeout=60) as client:
        sse = client.post("/chat", json={"message": QUESTION})
        assert sse.status_code == 200 and "event: reply" in sse.text
        assert_no_leaks("POST /chat (SSE)", sse.text)

        answered = client.post("/chat?stream=false", json={"message": QUESTION})
        assert answered.status_code == 200
        assert_no_leaks("POST /chat (JSON)", answered.text)
        reply = answered.json()
        masked_sources(reply["sources"])

        rated = client.post(
            "/feedback",
            json={"conversation_id": reply["conversation_id"], "turn_id": reply["turn_id"],
                  "rating": "down", "comment": COMMENT},
        )  # fmt: skip
        assert rated.status_code == 204

        messages = [*history, {"role": "user", "content": QUESTION}]
        whole = client.post("/v1/chat/completions", json={"model": "x", "messages": messages})
        assert whole.status_code == 200
        assert_no_leaks("/v1/chat/completions", whole.text)
        masked_sources(whole.json()["copilot"]["sources"])

        streamed = client.post(
            "/v1/chat/completions", json={"model": "x", "messages": messages, "stream": True}
        )
        assert streamed.status_code == 200 and "[DONE]" in streamed.text
        assert_no_leaks("/v1/chat/completions (stream)", streamed.text)
        assert '"sources": [' in streamed.text

    [record] = [json.loads(line) for line in feedback_file.read_text().splitlines()]
    assert_no_leaks("the server's feedback file", json.dumps(record, ensure_ascii=False))
    assert "[EMAIL]" in record["comment"] and "[CARD]" in record["question"]
    assert server_log, "the server logged nothing: the log check would prove nothing"
    assert_no_leaks("the server log", "\n".join(server_log))
    assert_provider_saw_placeholders_only(model_server)


@pytest.mark.parametrize("capture", [False, True], ids=["capture-off", "capture-on"])
def test_telemetry_jsonl(canary_project: Path, model_server: FaultServer, capture: bool) -> None:
    spans = canary_project / "telemetry.jsonl"
    copilot = project_copilot(
        canary_project, telemetry_exporters=["jsonl"], telemetry_file=spans,
        telemetry_capture_content=capture,
    )  # fmt: skip
    reply = copilot.ask(QUESTION)
    assert "[IBAN]" in reply.text
    written = spans.read_text()
    assert written.strip(), "no spans were written"
    assert_no_leaks("telemetry", written)
    # With capture on the content is there, masked; with it off there is none.
    assert ("[EMAIL]" in written) is capture
    assert_provider_saw_placeholders_only(model_server)


def test_the_page_source_panel(canary_project: Path, chromium: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    settings = CopilotSettings.load(canary_project, env_file=None)
    app = create_app(
        project_copilot(canary_project), settings,
        feedback=FeedbackStore(canary_project / "page-feedback.jsonl"),
    )  # fmt: skip
    args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
    with serving(app) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=args)
        try:
            page = browser.new_page()
            page.goto(url)
            box = page.get_by_label("Message")
            box.fill(QUESTION)
            box.press("Enter")
            answer = page.locator(".message.assistant")
            expect(answer).to_have_attribute("aria-busy", "false", timeout=30_000)
            assert_no_leaks("the page's answer", answer.inner_text())
            citation = page.get_by_role("button", name=re.compile(r"lumen-billing")).first
            citation.click()
            panel = page.get_by_role("complementary")
            expect(panel).to_be_visible()
            shown = panel.inner_text()
            page_text = page.content()
        finally:
            browser.close()
    assert "[IBAN]" in shown and "[EMAIL]" in shown
    assert_no_leaks("the page's source panel", shown)
    # The page shows what its user typed in their own message: nothing else of it, and nothing
    # of the document.
    assert [name for name in leaks(page_text) if not name.startswith("question")] == []
    assert page_text.count(CANARIES["question email"]) == 1


def test_the_scan_finds_sources_that_leave_unredacted(
    canary_project: Path, chdir: ChangeDir, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without the source redaction (the reply's text still masked) the canaries leave in
    `sources[].text`, and the same scan that passes above finds them: the checks can fail."""

    def text_only(reply: Reply, redactor: Redactor) -> Reply:
        return Reply(reply.conversation_id, reply.turn_id, redactor.redact(reply.text),
                     reply.sources, reply.skill, reply.data)  # fmt: skip

    monkeypatch.setattr(Reply, "redacted", text_only)
    chdir(canary_project)
    result = CliRunner().invoke(cli, ["ask", QUESTION, "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    sources = json.dumps(json.loads(result.stdout)["sources"], ensure_ascii=False)
    assert {"document card", "document iban", "document email", "document phone"} <= set(
        leaks(sources)
    )
    assert leaks(json.loads(result.stdout)["text"]) == []
