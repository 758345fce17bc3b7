"""In Chromium, at phone and desktop widths: a teller enters a paper ballot at the counting
table and moves on to the next one."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

import voting.tally.paper_routes  # noqa: F401  (registers the pages on the tally blueprint)
from tests.sessions.conftest import app_db, clerk, sitting, user  # noqa: F401
from tests.tally.test_paper_services import make_poll
from voting.auth.services import create_user
from voting.tally import paper
from voting.tally.paper_models import PaperEntry


def _fits_width(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.browser
def test_a_teller_enters_a_ballot(app, page, live_server, sitting):  # noqa: F811
    with app_db(app) as s:
        poll = make_poll(s, sitting[1])
        paper.record_issued_returned(s, user(s, "clerk"), poll.id, 30, 30)
        paper.set_tellers(s, user(s, "clerk"), poll.id, teller1="张三", teller2="李四")
        create_user(s, username="teller", password="correct-horse", role="teller",
                    display_name="计票人")
        poll_id = poll.id
    page.goto(f"{live_server}/login")
    page.get_by_label("用户名").fill("teller")
    page.get_by_label("密码").fill("correct-horse")
    page.get_by_role("button", name="登录").click()

    page.goto(f"{live_server}/tally/polls/{poll_id}/paper")
    expect(page.locator("[data-banner]")).to_contain_text("暂不能计票")
    expect(page.locator('[data-teller="2"]')).to_have_text("计票人二：0/30")
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
