"""In Chromium, at phone and desktop widths: the secretariat creates a poll on the year's
candidates, reads its key fingerprint, opens it with the confirmation box, and closes it."""

from __future__ import annotations

import pytest
from tests.lazy_playwright import expect

from tests.helpers import HASH, app_db, sign_in, user
from tests.polls import add_candidates
from voting.sessions import attendance, roster


def _fits_width(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.browser
def test_create_open_and_close_a_poll(page, app, live_server, sitting):
    congress_id, session_id = sitting
    with app_db(app) as s:
        actor = user(s, "clerk")
        deputy, _ = roster.add_deputy(s, actor, hash_method=HASH, congress_id=congress_id, name="代表1",
                                      number="001", delegation=None)
        attendance.check_in(s, actor, session_id=session_id, deputy_id=deputy.id, by_desk=True)
        add_candidates(s)
    sign_in(page, live_server, "clerk")

    page.goto(f"{live_server}/polls/manage/sessions/{session_id}")
    page.get_by_role("link", name="新建票决").click()
    expect(page.get_by_role("checkbox", name="民生项目15")).to_be_checked()
    expect(page.get_by_label("入选名额")).to_have_value("10")
    assert _fits_width(page)
    page.get_by_role("checkbox", name="民生项目15").uncheck()
    page.get_by_role("button", name="创建票决").click()

    expect(page.get_by_role("heading", name="密钥指纹")).to_be_visible()
    fingerprint = page.locator("[data-fingerprint]").get_attribute("data-fingerprint")
    assert len(fingerprint) == 64
    expect(page.locator("[data-fingerprint]")).to_contain_text(fingerprint[:4])
    expect(page.locator(".poll-candidates li")).to_have_count(14)
    assert _fits_width(page)

    page.get_by_role("button", name="开始投票").click()  # without the box: refused
    expect(page.get_by_text("请勾选以确认。")).to_be_visible()
    page.get_by_label("已宣读密钥指纹，确认开始投票").check()
    page.get_by_role("button", name="开始投票").click()
    expect(page.get_by_text("投票已开始。")).to_be_visible()
    expect(page.locator('[data-stat="tokens"]')).to_have_text("0")
    expect(page.locator('[data-stat="ballots"]')).to_have_count(0)

    page.get_by_label("确认结束投票：此后不再接受任何选票").check()
    page.get_by_role("button", name="结束投票").click()
    expect(page.get_by_text("投票已结束，公示板已公开。")).to_be_visible()
    expect(page.locator('[data-stat="ballots"]')).to_have_text("0")
    assert _fits_width(page)
