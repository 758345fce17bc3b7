"""A deputy is never locked out of their ballot by a second device or a cleared browser: the
ballot code carries the token (static/js/token.js), the server never sees it, and still only
one ballot can count. In Chromium, two and three browser contexts for one deputy."""

from __future__ import annotations

import re

import pytest
from tests.lazy_playwright import expect

from tests.ballots.test_vote_page import RECEIPT, board, fits_width
from tests.helpers import DESKTOP, PHONE, sign_in
from tests.polls import close

CODE = re.compile(r"([0-9A-HJKMNP-TV-Z]{4}-){6}[0-9A-HJKMNP-TV-Z]{4}")


def device(browser, shape):
    ctx = browser.new_context(locale="zh-CN", **shape)
    page = ctx.new_page()
    page.set_default_timeout(10_000)
    seen = []
    page.on("request", lambda r: seen.append(r))
    return ctx, page, seen


def token_posts(seen):
    return [r for r in seen if r.method == "POST" and r.url.endswith("/tokens")]


def cast(page, picks):
    boxes = page.get_by_role("checkbox")
    for i in picks:
        boxes.nth(i).check()
    page.get_by_role("button", name="检查我的选票").click()
    page.get_by_role("button", name="投出选票").click()


@pytest.mark.browser
def test_a_deputy_finishes_on_a_second_device_with_the_ballot_code(app, browser, live_server,
                                                                   hall):
    poll_id = hall["poll_id"]
    ballot_url = f"{live_server}/my/polls/{poll_id}"
    ctx1, phone, seen1 = device(browser, PHONE)
    ctx2, tablet, seen2 = device(browser, DESKTOP)
    ctx3, third, seen3 = device(browser, PHONE)
    try:
        # The first phone: the token is fetched and the page offers the code.
        sign_in(phone, live_server)
        phone.goto(ballot_url)
        expect(phone.locator("#vote-status")).to_have_text("选票凭证已就绪，请选择。")
        expect(phone.get_by_role("heading", name="在另一台设备上继续")).to_be_visible()
        # Offered above the candidates too: the section itself is below all fifteen.
        top = phone.get_by_role("link", name="可能要换一台手机或平板完成投票？请先记下投票码。")
        assert top.bounding_box()["y"] < phone.locator("#step-choose").bounding_box()["y"]
        top.click()
        phone.get_by_role("button", name="显示我的投票码").click()
        expect(phone.get_by_role("button", name="显示我的投票码")).to_have_attribute(
            "aria-expanded", "true")
        expect(phone.locator("#code-box")).to_contain_text("请妥善保密此投票码")
        expect(phone.locator("#code-box")).to_contain_text("在公示板上找到您的选票")
        code = phone.locator("#ballot-code").text_content()
        assert CODE.fullmatch(code)
        assert fits_width(phone)
        [first_token] = {t.post_data for t in token_posts(seen1)}

        # A second device, a browser with nothing saved: told plainly, no dead cast button.
        sign_in(tablet, live_server)
        tablet.goto(ballot_url)
        heading = tablet.get_by_role("heading", name="用投票码继续投票")
        expect(heading).to_be_visible()
        expect(tablet.locator("#code-why")).to_contain_text("已向您发放过选票凭证")
        expect(tablet.locator("#step-code")).to_contain_text("请向秘书处领取纸质选票")
        expect(tablet.locator("#step-choose")).to_be_hidden()
        expect(tablet.get_by_role("button", name="投出选票")).to_be_hidden()
        assert not token_posts(seen2)  # the server said a token was issued: nothing to ask
        assert fits_width(tablet)

        field = tablet.get_by_label("第一台设备上的投票码")
        typo = ("1" if code[0] == "0" else "0") + code[1:]
        field.fill(typo)
        tablet.get_by_role("button", name="用此投票码继续").click()
        expect(tablet.locator("#code-error")).to_contain_text("有字符输错")
        expect(field).to_have_attribute("aria-invalid", "true")
        assert not token_posts(seen2)
        field.fill(code.lower().replace("-", " "))
        tablet.get_by_role("button", name="用此投票码继续").click()
        expect(tablet.locator("#vote-status")).to_have_text(
            "投票码有效：本设备上的选票凭证已就绪，请选择。")
        # The same blinded message as the first phone's: the server answers with the same
        # blind signature and learns nothing new.
        assert [t.post_data for t in token_posts(seen2)] == [first_token]
        cast(tablet, [0, 4])
        expect(tablet.locator("#receipt-code")).to_have_text(RECEIPT)
        receipt = tablet.locator("#receipt-code").text_content()

        # The first phone tries other choices: refused, and said so; no button left to press.
        phone.reload()
        cast(phone, [1])
        alert = phone.get_by_role("alert")
        expect(alert).to_contain_text("这张选票凭证已在您的另一台设备上投出了内容不同的选票")
        expect(phone.locator("#step-choose")).to_be_hidden()
        expect(phone.get_by_role("button", name="投出选票")).to_be_hidden()
        expect(phone.get_by_role("button", name="重试")).to_be_hidden()
        phone.reload()
        expect(phone.get_by_role("alert")).to_contain_text("本设备不能再投")

        # A third device opens a link with the code in its fragment: read, then cleared.
        sign_in(third, live_server)
        third.goto(f"{ballot_url}#code={code}")
        expect(third.locator("#vote-status")).to_have_text(
            "投票码有效：本设备上的选票凭证已就绪，请选择。")
        assert third.evaluate("location.hash") == ""
        cast(third, [0, 4])  # the identical ballot: the same receipt, not a second ballot
        expect(third.locator("#receipt-code")).to_have_text(receipt)

        # Only one ballot counts; the code never went to the server.
        close(app, poll_id)
        [ballot] = board(tablet, live_server, poll_id)
        assert ballot["receipt"] == receipt and ballot["choices"] == ["c01", "c05"]
        bare = code.replace("-", "")
        for seen in (seen1, seen2, seen3):
            for r in seen:
                sent = (r.url + (r.post_data or "")).upper()
                assert code not in sent and bare not in sent.replace("-", "")

        # The tablet finds its receipt on the board, fetched without cookies.
        tablet.reload()
        tablet.get_by_role("button", name="在公示板上查找我的选票").click()
        expect(tablet.locator("#receipt-lookup-result")).to_contain_text("民生项目01、民生项目05")
        [lookup] = [r for r in seen2 if r.method == "GET"
                    and r.url.endswith(f"/api/v1/polls/{poll_id}/ballots")]
        assert "cookie" not in lookup.all_headers()
        assert not any(receipt in r.url for s in (seen1, seen2, seen3) for r in s)
    finally:
        for ctx in (ctx1, ctx2, ctx3):
            ctx.close()


@pytest.mark.browser
def test_a_cleared_browser_that_asks_anew_is_told_to_use_the_code(app, browser, live_server,
                                                                  hall):
    """The server's 409 token_already_issued reaches a device that just made a new token
    (the page was open before the other device fetched): no dead button, the code asked."""
    poll_id = hall["poll_id"]
    ctx1, phone, seen1 = device(browser, PHONE)
    ctx2, tablet, seen2 = device(browser, PHONE)
    try:
        sign_in(phone, live_server)
        phone.goto(f"{live_server}/my/polls/{poll_id}")
        expect(phone.locator("#vote-status")).to_have_text("选票凭证已就绪，请选择。")
        sign_in(tablet, live_server)
        # This device has not heard that a token was issued: as if it had opened earlier.
        tablet.route("**/my/polls/status.json", lambda route: route.abort())
        def not_told(route):
            resp = route.fetch()
            body = resp.text()
            assert '"tokenIssued": true' in body
            route.fulfill(response=resp, body=body.replace('"tokenIssued": true',
                                                           '"tokenIssued": false'))

        tablet.route(f"**/my/polls/{poll_id}", not_told)
        tablet.goto(f"{live_server}/my/polls/{poll_id}")
        expect(tablet.get_by_role("heading", name="用投票码继续投票")).to_be_visible()
        assert len(token_posts(seen2)) == 1  # its own new token, refused
        expect(tablet.get_by_role("button", name="投出选票")).to_be_hidden()
        assert tablet.evaluate("localStorage.length") == 0  # the refused token is not kept
    finally:
        ctx1.close()
        ctx2.close()
