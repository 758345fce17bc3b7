"""Timing on the deputy's side: from the moment the deputy confirms a ballot, the page sends
the cast alone, without a cookie, and nothing signed in follows it. A signed-in request right
after a cast would put the deputy's session (its last-seen time, a log line) at the cast's
moment; the periodic status poll (token.js, every 10-20 s at random) is the only signed-in
request the page makes on its own, at times unrelated to the cast.

The server's side (a cast that carries the session cookie leaves the session untouched, the
board's order, the stored times) is tested with gunicorn in tests/test_secrecy_production.py.
"""

from __future__ import annotations

import time

import pytest

from tests.helpers import DESKTOP, sign_in
from tests.lazy_playwright import expect

STATUS = "/my/polls/status.json"


@pytest.mark.browser
def test_the_cast_goes_alone_and_without_the_session(app, browser, live_server, hall):
    poll_id = hall["poll_id"]
    ctx = browser.new_context(locale="zh-CN", **DESKTOP)
    page = ctx.new_page()
    page.set_default_timeout(10_000)
    sent = []
    page.on("request", lambda r: sent.append((time.monotonic(), r)))
    try:
        sign_in(page, live_server)
        page.goto(f"{live_server}/my/polls/{poll_id}")
        expect(page.locator("#vote-status")).to_have_text("选票凭证已就绪，请选择。")
        page.get_by_role("checkbox").nth(0).check()
        page.get_by_role("button", name="检查我的选票").click()
        confirmed = time.monotonic()
        page.get_by_role("button", name="投出选票").click()
        expect(page.locator("#receipt-code")).not_to_be_empty()
        page.wait_for_timeout(1500)  # whatever the page would do after the receipt
        after = [r for at, r in sent if at >= confirmed]
        casts = [r for r in after if r.url.endswith(f"/api/v1/polls/{poll_id}/ballots")]
        assert [r.method for r in casts] == ["POST"]
        headers = casts[0].all_headers()
        assert "cookie" not in headers and "x-csrftoken" not in headers
        assert casts[0].response().headers.get("set-cookie") is None
        signed_in = [r.url for r in after if "cookie" in r.all_headers()
                     and not r.url.endswith(STATUS)]
        assert signed_in == []
        # The control: the same page's token request did carry the session.
        tokens = [r for _at, r in sent if r.url.endswith(f"/api/v1/polls/{poll_id}/tokens")]
        assert tokens and all("session=" in r.all_headers().get("cookie", "") for r in tokens)
    finally:
        ctx.close()
