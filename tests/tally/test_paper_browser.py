"""In Chromium, at phone and desktop widths: a teller enters a paper ballot at the counting
table and moves on to the next one."""

import pytest
from tests.lazy_playwright import expect
from sqlalchemy import select

import voting.tally.paper_routes  # noqa: F401  (registers the pages on the tally blueprint)
from tests.helpers import app_db, sign_in, user
from tests.tally.test_paper_services import assign, enter, paper_poll
from voting.tally import paper
from voting.tally.paper_models import PaperEntry


def _fits_width(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.browser
def test_a_teller_enters_a_ballot(app, page, live_server, sitting):
    with app_db(app) as s:
        poll = paper_poll(s, sitting[1])
        paper.record_issued_returned(s, user(s, "clerk"), poll.id, 30, 30)
        assign(s, poll.id)  # slot 1: t1 (张三), slot 2: t2 (李四)
        poll_id = poll.id
    sign_in(page, live_server, "t2")

    page.goto(f"{live_server}/tally/polls/{poll_id}/paper")
    expect(page.locator("[data-banner]")).to_contain_text("暂不能计票")
    expect(page.locator('[data-teller="2"]')).to_have_text("计票人二：0/30")
    expect(page.get_by_role("link", name="以计票人一身份录入")).to_have_count(0)
    expect(page.locator('[data-slot-owner="1"]')).to_contain_text("张三")
    assert _fits_width(page)
    page.get_by_role("link", name="以计票人二身份录入").click()

    expect(page.get_by_role("heading", name="录入纸质选票 · 计票人二（李四）")).to_be_visible()
    expect(page.get_by_role("heading", name="第 1 张（共 30 张）")).to_be_visible()
    assert _fits_width(page)
    page.get_by_role("button", name="保存第 1 张").click()  # nothing ticked: refused
    expect(page.get_by_role("alert").filter(has_text="未选择任何标记")).to_be_visible()
    page.get_by_label("老旧小区改造").check()
    page.get_by_label("社区养老服务").check()
    page.get_by_role("button", name="保存第 1 张").click()

    expect(page.get_by_text("第 1 张已保存。")).to_be_visible()
    expect(page.get_by_role("heading", name="第 2 张（共 30 张）")).to_be_visible()
    expect(page.get_by_text("已录入：1/30")).to_be_visible()
    expect(page.get_by_label("老旧小区改造")).not_to_be_checked()
    page.get_by_label("无法辨认").check()
    page.get_by_role("button", name="保存第 2 张").click()
    expect(page.get_by_role("heading", name="第 3 张（共 30 张）")).to_be_visible()
    assert _fits_width(page)
    with app_db(app) as s:
        entries = s.scalars(select(PaperEntry).order_by(PaperEntry.number)).all()
    assert [(e.teller, e.number, e.marks, e.flag) for e in entries] == [
        (2, 1, ["c1", "c4"], None), (2, 2, None, "unreadable")]


@pytest.mark.browser
def test_the_differing_marks_stand_out(app, page, live_server, sitting):
    with app_db(app) as s:
        poll = paper_poll(s, sitting[1])
        paper.record_issued_returned(s, user(s, "clerk"), poll.id, 1, 1)
        assign(s, poll.id)
        enter(s, poll.id, 1, 1, ["c1", "c2"])
        enter(s, poll.id, 2, 1, ["c2", "c3"])
        poll_id = poll.id
    sign_in(page, live_server, "scr")
    page.goto(f"{live_server}/tally/polls/{poll_id}/paper")
    first, second = page.locator('[data-reading="1"]'), page.locator('[data-reading="2"]')
    expect(first.locator(".paper-diff")).to_have_text("老旧小区改造（与另一名计票人不同）")
    expect(second.locator(".paper-diff")).to_have_text("中小学校舍改善（与另一名计票人不同）")
    diff = first.locator(".paper-diff")
    same = first.locator(".paper-mark:not(.paper-diff)")
    assert diff.evaluate("e => getComputedStyle(e).fontWeight") == "700"
    assert diff.evaluate("e => getComputedStyle(e).backgroundColor") != same.evaluate(
        "e => getComputedStyle(e).backgroundColor")
    # The words for screen readers are not shown on screen.
    assert first.locator(".paper-diff .sr-only").evaluate("e => e.getBoundingClientRect().width") <= 1
    page.get_by_text("裁定第 1 张", exact=True).click()
    page.locator("#r1-c2").check()
    page.get_by_role("button", name="按此结果裁定第 1 张选票").click()
    expect(page.get_by_text("第 1 张已裁定")).to_be_visible()
    expect(page.locator("[data-banner]")).to_contain_text("纸质选票已核对")
