"""In Chromium: while a count runs (slowed here), the count page shows a progress bar with the
share of signatures checked, which another request reports; then the signed result."""

import re
import time

import pytest
from tests.lazy_playwright import expect

from tests.helpers import app_db, sign_in
from tests.polls import cast, poll_in_database, roster
from voting.tally import board, progress


@pytest.mark.browser
def test_the_count_page_shows_a_progress_bar_then_the_result(page, app, live_server, poll_key,
                                                           sitting, monkeypatch):
    congress_id, session_id = sitting
    with app_db(app) as s:
        poll = poll_in_database(s, poll_key, session_id)
        roster(s, congress_id, session_id, 20, poll=poll)
        cast(s, poll_key, poll, [["c1", "c2"]] * 14 + [["c3"]] * 6)
        poll_id = poll.id

    # Two ballots a chunk, each chunk slowed: the count takes about three seconds.
    monkeypatch.setattr(board, "CHUNK", 2)
    monkeypatch.setattr(progress, "EVERY_SECONDS", 0)
    check_chunk = board._bad_positions

    def slowly(pub, rows):
        time.sleep(0.3)
        return check_chunk(pub, rows)

    monkeypatch.setattr(board, "_bad_positions", slowly)

    sign_in(page, live_server, "clerk")
    page.goto(f"{live_server}/tally/polls/{poll_id}")
    bar = page.locator("#count-bar")
    expect(bar).to_be_hidden()
    # Not waiting for the answer, which comes when the count is done.
    page.get_by_role("button", name="计票并签署结果").click(no_wait_after=True)
    # Read on the page as it is while the count runs (the answer replaces it when done).
    seen = page.wait_for_function(
        """() => {
          const text = document.getElementById("count-text");
          const bar = document.getElementById("count-bar");
          const button = document.querySelector("form[data-progress-url] button");
          if (!text || !/已核验 ([1-9]|1\\d) \\/ 20 张（\\d+%）/.test(text.textContent)) {
            return null;
          }
          return {text: text.textContent, value: bar.value, max: bar.max,
                  shown: !document.getElementById("busy").hidden, disabled: button.disabled};
        }""", polling=50).json_value()
    percent = int(re.search(r"（(\d+)%）", seen["text"]).group(1))
    checked = int(re.search(r"已核验 (\d+) /", seen["text"]).group(1))
    assert percent == checked * 100 // 20 and 0 < percent < 100
    assert seen["value"] == percent and seen["max"] == 100
    assert seen["shown"] and seen["disabled"]
    expect(page.get_by_text("已计票并签署结果。请核对后公布。")).to_be_visible()
    expect(page.get_by_role("heading", name="已签署的计票结果")).to_be_visible()
    expect(page.locator("#busy")).to_have_count(0)  # a signed poll: nothing left to count


@pytest.mark.browser
def test_a_refused_count_shows_why_on_the_page(page, app, live_server, poll_key, sitting):
    from sqlalchemy import select

    from voting.ballots.models import Ballot

    congress_id, session_id = sitting
    with app_db(app) as s:
        poll = poll_in_database(s, poll_key, session_id)
        roster(s, congress_id, session_id, 3, poll=poll)
        board_ = cast(s, poll_key, poll, [["c1"]] * 3)
        forged = s.scalar(select(Ballot).where(Ballot.msg == board_[1]["msg"]))
        forged.sig = board_[0]["sig"]  # another token's signature
        poll_id = poll.id

    sign_in(page, live_server, "clerk")
    page.goto(f"{live_server}/tally/polls/{poll_id}")
    page.get_by_role("button", name="计票并签署结果").click()
    expect(page.get_by_text(f"有 1 张选票没有本次票决的有效签名（第一张的回执号：{board_[1]['receipt']}），"
                            "拒绝计票。")).to_be_visible()
    # The page the answer replaced works as before: the count can be pressed again.
    expect(page.get_by_role("button", name="计票并签署结果")).to_be_enabled()
    expect(page.locator("#count-bar")).to_be_hidden()


@pytest.mark.browser
def test_without_javascript_the_count_still_posts(browser, app, live_server, poll_key, sitting):
    congress_id, session_id = sitting
    with app_db(app) as s:
        poll = poll_in_database(s, poll_key, session_id)
        roster(s, congress_id, session_id, 3, poll=poll)
        cast(s, poll_key, poll, [["c1"]] * 3)
        poll_id = poll.id
    ctx = browser.new_context(locale="zh-CN", java_script_enabled=False)
    try:
        page = ctx.new_page()
        page.set_default_timeout(10_000)
        sign_in(page, live_server, "clerk")
        page.goto(f"{live_server}/tally/polls/{poll_id}")
        expect(page.locator("#busy")).to_be_hidden()
        page.get_by_role("button", name="计票并签署结果").click()
        expect(page.get_by_text("已计票并签署结果。请核对后公布。")).to_be_visible()
    finally:
        ctx.close()
