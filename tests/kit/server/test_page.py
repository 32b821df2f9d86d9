"""The chat page in real headless Chromium against a real server on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect, sync_playwright

from scaffolder.kit.safety.feedback import FeedbackStore
from tests.kit.server.backends import QUESTION, GatedBackend
from tests.kit.server.conftest import Serve

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture
def browser(chromium: str) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=ARGS)
        yield browser
        browser.close()


def open_page(browser: Browser, url: str, problems: list[str]) -> Page:
    page = browser.new_page()

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            problems.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(url)
    return page


def test_ask_read_a_citation_and_rate_the_answer(
    browser: Browser, serve: Serve, feedback_path: Path, tmp_path: Path
) -> None:
    problems: list[str] = []
    backend = GatedBackend()
    with serve(backend) as url:
        page = open_page(browser, url, problems)
        box = page.get_by_label("Message")
        expect(box).to_be_focused()
        box.fill(QUESTION)
        box.press("Enter")

        answer = page.locator(".message.assistant")
        expect(answer.locator(".answer")).to_have_text("To ")  # the first delta, streamed
        expect(answer).to_have_attribute("aria-busy", "true")
        expect(page.get_by_role("log")).to_contain_text(QUESTION)
        backend.resume.set()
        expect(answer.locator(".answer")).to_contain_text("until the light blinks twice")
        expect(answer).to_have_attribute("aria-busy", "false")
        expect(box).to_be_focused()

        citation = page.get_by_role("button", name="Source 1: manual.md#reset")
        citation.focus()
        page.keyboard.press("Enter")
        panel = page.get_by_role("complementary")
        expect(panel).to_be_visible()
        expect(panel).to_be_focused()
        expect(panel).to_contain_text("hold the power button for ten seconds")
        expect(panel).to_contain_text("manual.md#reset")
        page.screenshot(path=str(tmp_path / "artifacts" / "chat.png"), full_page=True)
        page.keyboard.press("Escape")
        expect(panel).to_be_hidden()
        expect(citation).to_be_focused()

        helpful = page.get_by_role("button", name="Helpful", exact=True)
        helpful.click()
        expect(helpful).to_have_attribute("aria-pressed", "true")
        expect(page.get_by_text("Thanks for the feedback.")).to_be_visible()

        # A follow-up turn continues the same conversation.
        box.fill("How long does the battery last?")
        box.press("Enter")
        expect(answer.nth(1).locator(".answer")).to_contain_text("eight hours")
    [record] = list(FeedbackStore(feedback_path))
    assert (record.rating, record.question) == ("up", QUESTION)
    assert backend.seen_histories[1][0] == {"role": "user", "content": QUESTION}
    assert (tmp_path / "artifacts" / "chat.png").stat().st_size > 0
    assert problems == []


def test_the_page_asks_for_the_key_and_keeps_it_for_the_tab(browser: Browser, serve: Serve) -> None:
    problems: list[str] = []
    backend = GatedBackend()
    backend.resume.set()
    with serve(backend, server_api_key="s3cret-key-for-tests") as url:
        page = open_page(browser, url, problems)
        page.get_by_label("Message").fill(QUESTION)
        page.get_by_label("Message").press("Enter")
        key = page.get_by_label("This server needs an API key")
        expect(key).to_be_focused()
        key.fill("s3cret-key-for-tests")
        key.press("Enter")
        expect(page.locator(".message.assistant .answer")).to_contain_text("blinks twice")
        stored = page.evaluate("sessionStorage.getItem('copilot.apiKey')")
    assert stored == "s3cret-key-for-tests"
    # The 401 the page recovers from is the only console error Chromium reports.
    assert all("401" in problem for problem in problems)
