"""Shared public pages in Chromium, on two devices: a reader with a cleared browser and the
secretariat signed in on another read the same published announcement. Each gets their own
page (the reader the shared copy, the secretariat theirs, in English after the switch), the
shared page's print button works under the CSP, and a deputy's receipt is found on the
shared bulletin board."""

import pytest
from tests.lazy_playwright import expect

from tests.helpers import DESKTOP, PHONE, app_db, sign_in, user
from tests.polls import cast, poll_in_database, roster
from voting.tally import services


@pytest.mark.browser
def test_two_devices_read_the_shared_announcement_each_as_themselves(
        browser, app, live_server, poll_key, sitting):
    congress_id, session_id = sitting
    with app_db(app) as s:
        poll = poll_in_database(s, poll_key, session_id)
        roster(s, congress_id, session_id, 10, poll=poll)
        receipts = cast(s, poll_key, poll, [["c1", "c2"]] * 7)
        services.tally_poll(s, user(s, "clerk"), poll.id, app.instance_path)
        services.publish_poll(s, user(s, "clerk"), poll.id)
        poll_id = poll.id
    url = f"{live_server}/results/{poll_id}"
    reader = browser.new_context(locale="zh-CN", **PHONE).new_page()
    staff = browser.new_context(locale="zh-CN", **DESKTOP).new_page()
    errors = []
    for page in (reader, staff):
        page.set_default_timeout(10_000)
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        reader.goto(url)  # the first reader: rendered and kept
        again = reader.reload()  # from memory now (or 304 to the browser's revalidation)
        assert again.status in (200, 304) and again.headers.get("etag")
        assert not reader.context.cookies()  # the shared page set no cookie, nor asked for an icon
        expect(reader.get_by_role("heading", name="2024年民生实事项目票决计票结果公告")).to_be_visible()
        expect(reader.get_by_role("link", name="登录")).to_be_visible()
        reader.evaluate("window.print = () => { document.body.dataset.printed = 'yes'; }")
        reader.get_by_role("button", name="打印").click()
        expect(reader.locator("body")).to_have_attribute("data-printed", "yes")

        sign_in(staff, live_server, "clerk")
        own = staff.goto(url)
        assert "etag" not in own.headers  # rendered for the signed-in user
        expect(staff.get_by_role("button", name="退出")).to_be_visible()
        staff.get_by_role("link", name="English").click()
        expect(staff.get_by_role("heading", name="Announcement of the result: 2024年民生实事项目票决")
               ).to_be_visible()

        reader.reload()
        expect(reader.get_by_role("link", name="登录")).to_be_visible()  # still the reader's
        expect(reader.get_by_role("heading", name="2024年民生实事项目票决计票结果公告")).to_be_visible()

        reader.goto(f"{live_server}/polls/{poll_id}/board")
        reader.reload()
        reader.get_by_label("查找您的回执").fill(receipts[3]["receipt"])
        reader.get_by_role("button", name="查找", exact=True).click()
        expect(reader.locator("#receipt-result.flash-success")).to_be_visible()
        assert not [e for e in errors if "Content Security Policy" in e], errors
    finally:
        reader.context.close()
        staff.context.close()
