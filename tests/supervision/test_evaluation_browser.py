"""A deputy rates the year's projects on a phone with the blind-token flow and casts; the
ballot is on the public board; the secretariat opens an evaluation from the session's page."""

from __future__ import annotations

import os
import re

import pytest

from tests.helpers import PHONE, app_db, sign_in
from tests.lazy_playwright import expect
from tests.supervision.evaluating import count_and_publish, selected_with_runoff, vote
from voting.ballots.models import Poll

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("H4_SHOTS")  # a folder: save screenshots there to look at


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def _shot(page, name):
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def test_a_deputy_rates_the_projects_on_a_phone_and_finds_the_ballot(app, browser,
                                                                     live_server, sitting):
    year = selected_with_runoff(app, sitting)
    out = app.test_cli_runner().invoke(args=["poll", "evaluate", str(year["selection"])])
    poll_id = int(out.output.split()[-1])
    ctx = browser.new_context(locale="zh-CN", **PHONE)
    page = ctx.new_page()
    page.set_default_timeout(10_000)
    try:
        sign_in(page, live_server, "d001")
        page.goto(f"{live_server}/my/polls/{poll_id}")
        expect(page.locator("#vote-status")).to_have_text("选票凭证已就绪，请选择。")
        expect(page.locator(".vote-rule")).to_contain_text("请对 3 个项目逐项评为满意")
        cards = page.locator(".candidate")
        expect(cards).to_have_count(3)
        expect(cards.nth(0)).to_contain_text("老旧小区改造")
        expect(cards.nth(2)).to_contain_text("中小学校建设")  # the further vote's project
        # what the deputy rates: the year's progress, beside the project's facts
        expect(cards.nth(0).locator(".candidate-progress")).to_contain_text("本年度进展")
        cards.nth(0).get_by_role("radio", name="满意", exact=True).check()
        cards.nth(1).get_by_role("radio", name="基本满意").check()
        cards.nth(2).get_by_role("radio", name="不满意").check()
        expect(page.locator("#vote-counter")).to_have_text("已评 3 / 共 3 项")
        assert _fits(page)
        _shot(page, "ballot-phone")
        page.get_by_role("button", name="检查我的选票").click()
        expect(page.locator("#review-list li")).to_have_text(
            ["老旧小区改造：满意", "城市道路维修：基本满意", "中小学校建设：不满意"])
        page.get_by_role("button", name="投出选票").click()
        receipt = page.locator("#receipt-code")
        expect(receipt).to_have_text(re.compile(r"[0-9a-f]{16,}"))
        code = receipt.text_content()
        for username in ("d002", "d003"):
            vote(app, poll_id, username, {"c01": "satisfied", "c02": "satisfied",
                                          "c03": "dissatisfied"})
        count_and_publish(app, poll_id)
        page.goto(f"{live_server}/polls/{poll_id}/board")
        row = page.locator(f'tr[data-receipt="{code}"]')
        expect(row).to_contain_text("老旧小区改造：满意")
        expect(row).to_contain_text("中小学校建设：不满意")
        assert _fits(page)
        page.goto(f"{live_server}/results/{poll_id}")
        # 3 + 3 + 0 satisfied or basic marks of 9
        expect(page.locator('[data-stat="overall_rate"]')).to_contain_text("66.67")
        _shot(page, "result-phone")
    finally:
        ctx.close()


def test_the_secretariat_opens_an_evaluation_from_the_sessions_page(app, page, live_server,
                                                                    sitting):
    year = selected_with_runoff(app, sitting)
    sign_in(page, live_server, "clerk")
    page.goto(f"{live_server}/polls/manage/sessions/{year['session_id']}")
    page.get_by_role("link", name="新建年终满意度测评").click()
    expect(page.locator(".poll-candidates li")).to_have_text(
        ["老旧小区改造", "城市道路维修", "中小学校建设"])
    expect(page.get_by_label("票决名称")).to_have_value("2023年民生实事项目满意度测评")
    assert _fits(page)
    _shot(page, "manage-evaluation")
    page.get_by_role("button", name="创建测评").click()
    expect(page.get_by_text("测评已创建。开始投票前请宣读密钥指纹。")).to_be_visible()
    expect(page.locator('[data-stat="kind"]')).to_have_text("年终满意度测评")
    page.get_by_label("已宣读密钥指纹，确认开始投票").check()
    page.get_by_role("button", name="开始投票").click()
    expect(page.get_by_text("投票已开始。")).to_be_visible()
    with app_db(app) as s:
        poll = s.query(Poll).filter_by(kind="evaluation").one()
        assert poll.status == "open" and len(poll.candidates) == 3


def test_a_unit_files_its_rectification_report_and_the_secretariat_closes_it(app, page,
                                                                             live_server,
                                                                             sitting):
    from tests.supervision.evaluating import evaluated
    from voting.supervision.models import Rectification

    year = evaluated(app, sitting)
    with app_db(app) as s:
        rect_id = s.query(Rectification).one().id
    sign_in(page, live_server, "u3")
    page.goto(f"{live_server}/supervision/rectifications")
    page.get_by_role("link", name="中小学校建设").click()
    expect(page.get_by_role("heading", name="整改：中小学校建设")).to_be_visible()
    expect(page.locator(".rectification-state")).to_contain_text("整改中")
    page.get_by_role("button", name="提交报告").click()  # empty: refused, nothing stored
    expect(page.locator(".error").first).to_be_visible()
    page.get_by_label("所做工作、发现的问题或作出的决定").fill("新建教学楼两栋，已于9月投入使用。")
    page.get_by_role("button", name="提交报告").click()
    expect(page.get_by_text("整改报告已提交。")).to_be_visible()
    expect(page.locator('[data-step="report"]')).to_contain_text("新建教学楼两栋")
    assert _fits(page)
    _shot(page, f"rectification-{page.viewport_size['width']}")
    page.get_by_role("button", name="退出").click()
    sign_in(page, live_server, "clerk")
    page.goto(f"{live_server}/supervision/rectifications/{rect_id}")
    page.get_by_label("所做工作、发现的问题或作出的决定").fill("经实地察看，整改到位。")
    page.get_by_role("button", name="整改办结").click()
    expect(page.get_by_text("整改已办结。", exact=True)).to_be_visible()
    expect(page.locator(".rectification-state")).to_contain_text("整改已办结")
    page.goto(f"{live_server}/projects/{year['projects'][2]}")
    expect(page.locator(".evaluation")).to_contain_text("整改已办结")
    expect(page.locator(".evaluation")).to_contain_text("不满意")


def test_the_review_lists_every_project_abstentions_included(app, page, live_server, sitting):
    year = selected_with_runoff(app, sitting)
    out = app.test_cli_runner().invoke(args=["poll", "evaluate", str(year["selection"])])
    poll_id = int(out.output.split()[-1])
    sign_in(page, live_server, "d002")
    page.goto(f"{live_server}/my/polls/{poll_id}")
    expect(page.locator("#vote-status")).to_have_text("选票凭证已就绪，请选择。")
    cards = page.locator(".candidate")
    cards.nth(1).get_by_role("radio", name="不满意").check()
    page.get_by_role("button", name="检查我的选票").click()
    expect(page.locator("#review-list li")).to_have_text(
        ["老旧小区改造：弃权", "城市道路维修：不满意", "中小学校建设：弃权"])
    expect(page.locator("#review-empty")).to_be_hidden()
    page.get_by_role("button", name="投出选票").click()
    expect(page.locator("#receipt-code")).to_have_text(re.compile(r"[0-9a-f]{16,}"))
