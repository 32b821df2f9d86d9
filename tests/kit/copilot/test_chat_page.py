"""The qa-rag copilot on its chat page, in real headless Chromium, over a real server.

Asks a shipped question, sees the answer stream in, opens the citation and reads the passage
it points to, and saves a screenshot to the test's artifacts folder.
"""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import expect, sync_playwright

from scaffolder.kit.server import create_app
from scaffolder.kit.settings import CopilotSettings
from tests.conftest import project_copilot
from tests.kit.server.conftest import serving

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def test_a_question_on_the_chat_page_gets_a_streamed_cited_answer(
    chromium: str, project: Path, tmp_path: Path
) -> None:
    settings = CopilotSettings.load(project, env_file=None)
    app = create_app(project_copilot(project), settings, name="lumenbot")
    problems: list[str] = []
    with serving(app) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=ARGS)
        page = browser.new_page()
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.goto(url)
        box = page.get_by_label("Message")
        box.fill("Why does my lamp blink three times?")
        box.press("Enter")
        answer = page.locator(".message.assistant").last
        expect(answer.locator(".answer")).to_contain_text("too little current")
        expect(answer).to_have_attribute("aria-busy", "false")
        citation = answer.get_by_role(
            "button", name="Source 1: data/lumen-troubleshooting.md"
        ).first
        citation.click()
        panel = page.get_by_role("complementary")
        expect(panel).to_be_visible()
        expect(panel).to_contain_text("Three blinks mean the power supply delivers too little")
        artifacts = tmp_path / "artifacts"
        artifacts.mkdir()
        page.screenshot(path=str(artifacts / "qa-rag-chat.png"), full_page=True)
        browser.close()
    assert problems == []
    assert (artifacts / "qa-rag-chat.png").stat().st_size > 10_000
