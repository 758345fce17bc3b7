"""In Chromium, at phone and desktop widths, as a visitor: from the home page to the published
result, from a result row to the project's page, its completion and status; the year's page
filtered by status; every page fits the screen."""

from __future__ import annotations

import pytest

from tests.lazy_playwright import expect
from tests.supervision.public_data import TODAY, build
from voting.supervision import progress


def _fits_width(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.mark.browser
def test_home_result_project(page, app, live_server, poll_key, sitting, monkeypatch):
    monkeypatch.setattr(progress, "local_today", lambda zone: TODAY)
    data = build(app, poll_key, sitting)

    page.goto(live_server + "/")
    expect(page.get_by_role("heading", name="2025年民生实事项目监督")).to_be_visible()
    card = page.locator(f'li[data-project="{data["parking"]}"]')
    expect(card.get_by_text("滞后")).to_be_visible()
    assert _fits_width(page)

    page.get_by_role("link", name="2025年民生实事项目票决").first.click()
    expect(page.get_by_role("heading", name="2025年民生实事项目票决计票结果公告")).to_be_visible()
    assert _fits_width(page)
    page.get_by_role("row").filter(has_text="新增停车泊位").get_by_role(
        "link", name="新增停车泊位").click()

    expect(page.get_by_role("heading", name="新增停车泊位", exact=True)).to_be_visible()
    expect(page.locator('[data-stat="completion"]')).to_have_text("35.00\u00a0%")
    expect(page.locator('[data-stat="status"]')).to_have_text("滞后")
    expect(page.locator(".sv-report.late")).to_have_count(1)
    expect(page.get_by_role("img", name="新增停车泊位：各报告期完成率")).to_be_visible()
    assert _fits_width(page)

    page.get_by_role("link", name="2025", exact=True).click()
    expect(page.get_by_role("heading", name="2025年民生实事项目", exact=True)).to_be_visible()
    page.get_by_label("状态", exact=True).select_option("exceeded")
    page.get_by_role("button", name="显示").click()
    expect(page.locator("tr[data-project]")).to_have_count(1)
    expect(page.locator(f'tr[data-project="{data["trees"]}"]')).to_contain_text("超额完成")
    assert _fits_width(page)
