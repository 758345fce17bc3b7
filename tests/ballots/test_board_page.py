"""The public bulletin board page: nothing before close, then every ballot; a deputy's receipt
is looked up in the browser, never sent to the server (issue 8)."""

from __future__ import annotations

import json
import re

import pytest
from tests.lazy_playwright import expect

from tests.helpers import PHONE, sign_in
from tests.polls import close, signed_voter


def test_board_page_after_close_finds_a_receipt(app, client, hall):
    poll_id = hall["poll_id"]
    voter = signed_voter(app, client, poll_id)
    r = client.post(f"/api/v1/polls/{poll_id}/ballots", json=voter.ballot(["c02", "c01"]))
    receipt = r.get_json()["receipt"]
    empty = signed_voter(app, client, poll_id, "d002")
    client.post(f"/api/v1/polls/{poll_id}/ballots", json=empty.ballot([]))

    before = client.get(f"/polls/{poll_id}/board")
    assert before.status_code == 409
    assert receipt not in before.get_data(as_text=True)

    close(app, poll_id)
    page = client.get(f"/polls/{poll_id}/board").get_data(as_text=True)
    assert "共 2 张选票" in page and receipt in page and "（未选任何项目）" in page

    assert 'name="receipt"' not in page  # the lookup form sends nothing anywhere
    config = json.loads(re.search(r'<script type="application/json" id="board-config">(.*?)'
                                  r'</script>', page, re.S).group(1))
    assert config["boardUrl"] == f"/api/v1/polls/{poll_id}/ballots"
    assert config["titles"]["c01"] == "民生项目01"


def test_a_receipt_in_the_url_reveals_nothing(app, client, hall):
    """The server no longer looks receipts up: an old link with ?receipt= gets the same answer
    for a receipt on the board and for one that is not, and the receipt is not echoed."""
    poll_id = hall["poll_id"]
    voter = signed_voter(app, client, poll_id)
    receipt = client.post(f"/api/v1/polls/{poll_id}/ballots",
                          json=voter.ballot(["c02"])).get_json()["receipt"]
    close(app, poll_id)
    answers = [client.get(f"/polls/{poll_id}/board?receipt={r}&page=1")
               for r in (receipt, receipt.upper(), "00ff")]
    for r in answers:
        assert r.status_code == 303
        assert r.headers["Location"] == f"/polls/{poll_id}/board?page=1"
        assert "receipt" not in r.get_data(as_text=True)
    assert len({r.get_data() for r in answers}) == 1
    page = client.get(f"/polls/{poll_id}/board?receipt={receipt}",
                      follow_redirects=True).get_data(as_text=True)
    assert "receipt-found" not in page and "receipt-missing" not in page
    assert "board-hit" not in page and f"receipt={receipt}" not in page


@pytest.mark.browser
def test_the_board_page_finds_a_receipt_in_the_browser_without_cookies(app, browser, client,
                                                                      live_server, hall):
    poll_id = hall["poll_id"]
    voter = signed_voter(app, client, poll_id)
    receipt = client.post(f"/api/v1/polls/{poll_id}/ballots",
                          json=voter.ballot(["c02", "c01"])).get_json()["receipt"]
    empty = signed_voter(app, client, poll_id, "d002")
    client.post(f"/api/v1/polls/{poll_id}/ballots", json=empty.ballot([]))
    close(app, poll_id)

    ctx = browser.new_context(locale="zh-CN", **PHONE)
    page = ctx.new_page()
    page.set_default_timeout(10_000)
    try:
        sign_in(page, live_server)  # a signed-in deputy: a cookie that must not go along
        seen = []
        page.on("request", lambda r: seen.append(r))
        page.goto(f"{live_server}/polls/{poll_id}/board")
        field = page.get_by_label("查找您的回执")
        field.fill(" " + receipt.upper() + " ")
        page.get_by_role("button", name="查找", exact=True).click()
        result = page.locator("#receipt-result")
        expect(result).to_contain_text("民生项目01、民生项目02")
        expect(page.locator(f'tr[data-receipt="{receipt}"]')).to_have_class("board-hit")
        assert page.url == f"{live_server}/polls/{poll_id}/board"

        field.fill("00ff")
        page.get_by_role("button", name="查找", exact=True).click()
        expect(result).to_contain_text("请立即告知监票人")
        expect(page.locator("tr.board-hit")).to_have_count(0)

        lookups = [r for r in seen if r.url.endswith(f"/api/v1/polls/{poll_id}/ballots")]
        assert len(lookups) == 2
        for r in lookups:
            assert r.method == "GET" and "cookie" not in r.all_headers()
        assert all(receipt not in r.url.lower() and "00ff" not in r.url for r in seen)
        assert not [r for r in seen if r.method != "GET"]
    finally:
        ctx.close()
