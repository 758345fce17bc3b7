"""In Chromium, at phone and desktop widths: the secretariat imports a roster, a deputy signs
in with the slip's QR link and checks in, and the session page's present count rises."""

import re

import pytest
from tests.lazy_playwright import expect

from tests.helpers import PHONE, sign_in

ROSTER = ("姓名,代表团,代表证号\n"
          "张三,道里区代表团,001\n"
          "李四,道里区代表团,002\n"
          "王五,南岗区代表团,003\n").encode("utf-8")


def _fits_width(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.browser
def test_import_qr_sign_in_and_check_in(page, browser, live_server, sitting):
    congress_id, session_id = sitting
    sign_in(page, live_server, "clerk")

    page.goto(f"{live_server}/sessions/congresses/{congress_id}/import")
    page.get_by_label("名册文件（CSV 或 XLSX）").set_input_files(
        files=[{"name": "roster.csv", "mimeType": "text/csv", "buffer": ROSTER}])
    page.get_by_role("button", name="检查文件").click()
    expect(page.get_by_text("将添加 3 名代表。")).to_be_visible()
    expect(page.locator(".preview-table tbody tr")).to_have_count(3)
    assert _fits_width(page)
    page.get_by_role("button", name="确认导入 3 名代表").click()

    expect(page.get_by_role("heading", name="登录凭条")).to_be_visible()
    expect(page.locator(".slip")).to_have_count(3)
    expect(page.locator(".slip svg.qr")).to_have_count(3)
    expect(page.get_by_role("button", name="打印凭条")).to_be_visible()  # shown by sessions.js
    assert _fits_width(page)
    slip = page.locator('.slip[data-username="d001"]')
    expect(slip).to_contain_text("张三")
    login_url = slip.get_attribute("data-login-url")
    assert re.fullmatch(rf"{re.escape(live_server)}/login/qr/[\w-]{{43}}", login_url)

    page.goto(f"{live_server}/sessions/{session_id}")
    expect(page.locator('[data-stat="present"]')).to_have_text("0")
    expect(page.locator('[data-stat="expected"]')).to_have_text("3")
    expect(page.locator('[data-stat="required"]')).to_have_text("2")  # two thirds of 3
    assert _fits_width(page)

    phone = browser.new_context(locale="zh-CN", **PHONE)
    try:
        deputy = phone.new_page()
        deputy.set_default_timeout(10_000)
        deputy.goto(login_url)
        expect(deputy.get_by_role("heading", name="我的会议")).to_be_visible()
        expect(deputy.get_by_text("张三 · 哈尔滨市第十六届人民代表大会")).to_be_visible()
        deputy.get_by_role("button", name="签到：第二次会议").click()
        expect(deputy.get_by_text("签到成功。")).to_be_visible()
        expect(deputy.locator(".badge.ok", has_text="已签到")).to_be_visible()
        assert _fits_width(deputy)
        deputy.goto(login_url)  # the QR link works once
        expect(deputy.get_by_text("此登录链接已失效")).to_be_visible()
    finally:
        phone.close()

    # The session page refreshes itself every 10 seconds.
    expect(page.locator('[data-stat="present"]')).to_have_text("1", timeout=15_000)
    expect(page.locator("#quorum-status")).to_contain_text("实到 1 人")
