"""In Chromium, at phone and desktop widths: the secretariat counts and publishes a closed
poll, and the public announcement shows the counts as a chart and a table, and prints."""

import pytest
from tests.lazy_playwright import expect

from tests.helpers import app_db, sign_in
from tests.polls import cast, poll_in_database, roster


def _fits_width(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.browser
def test_count_publish_and_announce(page, app, live_server, poll_key, sitting):
    congress_id, session_id = sitting
    with app_db(app) as s:
        poll = poll_in_database(s, poll_key, session_id)
        roster(s, congress_id, session_id, 10, poll=poll)
        cast(s, poll_key, poll, [["c1", "c2"]] * 7 + [["c3"]] * 3)
        poll_id = poll.id

    sign_in(page, live_server, "clerk")

    page.goto(f"{live_server}/tally/polls/{poll_id}")
    page.get_by_label("监票人", exact=True).fill("张三\n李四")
    page.get_by_label("计票人", exact=True).fill("王五")
    page.get_by_role("button", name="保存名单").click()
    expect(page.get_by_text("监票人和计票人名单已保存。")).to_be_visible()
    page.get_by_role("button", name="计票并签署结果").click()
    expect(page.get_by_text("已计票并签署结果。请核对后公布。")).to_be_visible()
    page.get_by_role("button", name="公布结果和选票公示板").click()
    expect(page.get_by_text("结果和选票公示板已公布。")).to_be_visible()
    assert _fits_width(page)

    page.get_by_role("link", name="公告").first.click()
    expect(page.get_by_role("heading", name="2024年民生实事项目票决计票结果公告")).to_be_visible()
    expect(page.locator(".bar-row")).to_have_count(5)
    expect(page.locator('tr[data-candidate="c1"] [data-votes]')).to_have_text("7")
    expect(page.locator('[data-stat="ballots_cast"]')).to_have_text("10")
    expect(page.locator(".elected li")).to_have_count(2)
    expect(page.get_by_text("监票人：张三、李四")).to_be_visible()
    width = page.locator('.outcome-elected .bar').first.bounding_box()["width"]
    assert width > 0
    assert _fits_width(page)

    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.locator(".verify-box")).to_be_hidden()
    expect(page.locator(".tally-table")).to_be_visible()
