"""In Chromium, under the strict Content-Security-Policy the hardening work will send
(`script-src 'self'`, `style-src 'self'`, no inline anything): the pages of a count and its
public result run their scripts and draw their charts, and the browser refuses nothing."""

import pytest

from tests.lazy_playwright import expect
from tests.helpers import app_db, sign_in
from tests.polls import cast, poll_in_database, roster

STRICT_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
              "object-src 'none'; base-uri 'none'; frame-ancestors 'none'")


@pytest.fixture
def strict_app(app):
    @app.after_request
    def _csp(response):
        response.headers["Content-Security-Policy"] = STRICT_CSP
        return response

    return app


@pytest.mark.browser
def test_pages_work_under_a_strict_csp(page, strict_app, live_server, poll_key, sitting):
    congress_id, session_id = sitting
    with app_db(strict_app) as s:
        poll = poll_in_database(s, poll_key, session_id)
        roster(s, congress_id, session_id, 10, poll=poll)
        cast(s, poll_key, poll, [["c1", "c2"]] * 7 + [["c3"]] * 3)
        poll_id = poll.id
    refused = []
    page.on("console", lambda m: refused.append(m.text)
            if "Content Security Policy" in m.text else None)

    sign_in(page, live_server, "clerk")
    page.goto(f"{live_server}/tally/polls/{poll_id}")
    page.get_by_role("button", name="计票并签署结果").click()
    page.get_by_role("button", name="公布结果和选票公示板").click()
    expect(page.get_by_text("结果和选票公示板已公布。")).to_be_visible()

    page.goto(f"{live_server}/results/{poll_id}")
    elected = page.locator(".outcome-elected .bar").first.bounding_box()["width"]
    others = page.locator(".bar-row:not(.outcome-elected) .bar").first.bounding_box()["width"]
    assert elected > others > 0  # 7 votes against 3: the widths are the SVG's, not a style=

    # The board page finds a receipt with its static script (board.js reads its JSON block).
    page.goto(f"{live_server}/polls/{poll_id}/board")
    page.locator("#receipt-form button[type=submit]").click()
    expect(page.locator("#receipt-result")).not_to_be_empty()  # "type or paste the receipt first"

    for path in ("/", "/pool/", "/audit", "/results/", "/results/keys"):
        page.goto(live_server + path)
    funnel = page.goto(f"{live_server}/pool/")
    assert funnel.headers["content-security-policy"] == STRICT_CSP
    assert page.locator(".pool-funnel-bar").first.bounding_box()["width"] > 0
    assert refused == []
