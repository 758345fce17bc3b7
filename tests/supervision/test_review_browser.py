"""The mid-year review in Chromium, on a phone and a desktop: readable without sideways
scrolling, the counts of seed 004, and the print and PDF buttons (print styles hide the site)."""

from __future__ import annotations

import pytest

from tests.helpers import app_db, user
from tests.lazy_playwright import expect
from voting.supervision import history


@pytest.mark.browser
def test_midyear_review_on_a_phone_and_a_desktop(app, clerk, live_server, page):
    with app_db(app) as s:
        history.load_history(s, user(s, "clerk"))
    page.goto(f"{live_server}/years/2021/midyear")
    expect(page.get_by_role("heading", level=1)).to_contain_text("2021年民生实事项目期中报告")
    expect(page.locator("[data-delivery-sentence]")).to_have_text(
        "10个项目中，1个已完工并投入使用，6个部分投入使用，3个推进中。")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    expect(page.get_by_role("button", name="打印")).to_be_visible()
    expect(page.get_by_role("link", name="下载 PDF")).to_have_attribute(
        "href", "/years/2021/midyear.pdf")
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.get_by_role("button", name="打印")).to_be_hidden()
