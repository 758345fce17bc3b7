"""In Chromium: signing out on the page ends the session, also for a saved copy of the cookie."""

import pytest
from tests.helpers import sign_in
from tests.lazy_playwright import expect


@pytest.mark.browser
def test_sign_out_ends_a_saved_cookie_too(page, browser, live_server, make_user):
    make_user("staff", "secretariat", display_name="秘书处")
    sign_in(page, live_server, "staff")
    expect(page.locator(".who")).to_have_text("秘书处")
    saved = [c for c in page.context.cookies() if c["name"] == "session"]
    assert saved and saved[0]["httpOnly"] and saved[0]["sameSite"] == "Lax"

    page.get_by_role("button", name="退出").click()
    expect(page.get_by_role("link", name="登录")).to_be_visible()

    other = browser.new_context(locale="zh-CN")
    try:
        other.add_cookies(saved)
        copy = other.new_page()
        copy.goto(f"{live_server}/")
        expect(copy.get_by_role("link", name="登录")).to_be_visible()
        expect(copy.locator(".who")).to_have_count(0)
        assert copy.goto(f"{live_server}/api/v1/auth/me").status == 401
    finally:
        other.close()
