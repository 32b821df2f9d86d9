"""Markdown and HTML reports; the HTML page rendered in headless Chromium."""

from __future__ import annotations

from pathlib import Path

from scaffolder.kit.bench.report import markdown_report
from scaffolder.kit.bench.report_html import html_report
from scaffolder.kit.bench.results import CaseResult, RunResult

HOSTILE = "<script>alert('x')</script> | pipe"


def sample_run() -> RunResult:
    cases = []
    for label, cost, good in (("model-a", 0.001, 3), ("model-b", 0.004, 4)):
        for i in range(4):
            passed = i < good
            cases.append(
                CaseResult(
                    variant=label, case_id=f"c{i}", sample=0, tags=["billing" if i % 2 else "auth"],
                    input=HOSTILE if i == 3 else f"question {i}", output=f"answer <b>{i}</b>",
                    passed=passed, score=float(passed), latency_ms=50.0 + i, cost_usd=cost,
                    list_cost_usd=cost, prompts=["answer@abc123"],
                    grades=[{"grader": "contains", "passed": passed, "score": float(passed),
                             "detail": "" if passed else "missing: x"}],
                )
            )  # fmt: skip
    variants = [{"label": "model-a"}, {"label": "model-b"}]
    return RunResult(
        "qa", "v1", "answer", "2026-11-27T10:00:00.000+00:00", "abc1234", variants, 1, 8, cases
    )


def test_markdown_report() -> None:
    text = markdown_report(sample_run(), "run.json")
    assert "| model-a | 75.0% (3/4) | 30%-95% |" in text
    assert "| billing | 50.0% (9%-91%, n=2) | 100.0% (34%-100%, n=2) |" in text
    assert "&lt;script&gt;alert('x')&lt;/script&gt; \\| pipe" in text
    assert "<script>" not in text
    assert "contains: missing: x" in text


def test_html_report_renders_in_chromium(tmp_path: Path, chromium: str) -> None:
    page_html = html_report(sample_run(), "run.json")
    assert "<script>" not in page_html and "&lt;script&gt;" in page_html
    assert page_html.count("<svg") >= 2 and "http://" not in page_html.replace(
        'xmlns="http://www.w3.org/2000/svg"', ""
    )
    from playwright import sync_api as playwright

    artifacts = tmp_path / "artifacts"
    artifacts.mkdir()
    page_file = artifacts / "report.html"
    page_file.write_text(page_html, encoding="utf-8")
    errors: list[str] = []
    with playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(
            executable_path=chromium,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            page = browser.new_page()
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("dialog", lambda dialog: errors.append(f"dialog: {dialog.message}"))
            page.goto(page_file.as_uri())
            assert page.locator("svg rect[fill]").count() == 2 * 2 + 2  # bars + legend
            assert page.locator("svg circle").count() == 2
            assert HOSTILE in page.locator("pre").all_inner_texts()
            page.screenshot(path=str(artifacts / "report.png"), full_page=True)
        finally:
            browser.close()
    assert errors == []
    assert (artifacts / "report.png").stat().st_size > 1000
