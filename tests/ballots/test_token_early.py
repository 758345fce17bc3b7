"""Tokens fetched early and apart from casting: an open page of a checked-in deputy (the polls
list, the session page) asks for the token the moment the poll opens, before the ballot page
is ever opened (issue 8: the write-ahead log paired tokens and ballots by their order)."""

from __future__ import annotations

import json
import re

import pytest
from tests.lazy_playwright import expect
from sqlalchemy import select

from tests.helpers import HASH, PASSWORD, PHONE, app_db, login, sign_in, user
from tests.polls import add_candidates, poll_via_services
from voting.ballots import services as ballots
from voting.ballots.models import TokenIssuance
from voting.sessions import attendance, roster
from voting.sessions.models import Deputy


@pytest.fixture
def waiting_hall(app, sitting):
    """Deputies d001..d004, d002..d004 checked in at the desk (a quorum), a draft poll; the
    pages ask for the poll's status every 0.2-0.4 s instead of 10-20 s."""
    app.config.update(TOKEN_WATCH_MIN_MS=200, TOKEN_WATCH_MAX_MS=400)
    congress_id, session_id = sitting
    with app_db(app) as s:
        actor = user(s, "clerk")
        deputies = [roster.add_deputy(s, actor, hash_method=HASH, congress_id=congress_id, name=f"代表{i}",
                                      number=f"00{i}", delegation="道里区代表团",
                                      password=PASSWORD)[0] for i in (1, 2, 3, 4)]
        for d in deputies[1:]:
            attendance.check_in(s, actor, session_id=session_id, deputy_id=d.id, by_desk=True)
        add_candidates(s)
    return {"session_id": session_id, "poll_id": poll_via_services(app, session_id, open_it=False)}


def open_poll(app, poll_id):
    with app_db(app) as s:
        ballots.open_poll(s, user(s, "clerk"), poll_id)


def issued_to(app, username):
    with app_db(app) as s:
        return s.scalars(select(TokenIssuance.poll_id).join(Deputy, Deputy.id ==
                                                            TokenIssuance.deputy_id)
                         .where(Deputy.number == username[1:])).all()


def watch(browser):
    ctx = browser.new_context(locale="zh-CN", **PHONE)
    page = ctx.new_page()
    page.set_default_timeout(10_000)
    events = []
    page.on("request", lambda r: events.append(r))
    return ctx, page, events


@pytest.mark.browser
def test_the_polls_list_fetches_the_token_when_the_poll_opens(app, browser, live_server,
                                                              waiting_hall):
    poll_id = waiting_hall["poll_id"]
    ctx, page, events = watch(browser)
    try:
        sign_in(page, live_server, "d002")
        page.goto(f"{live_server}/my/polls")
        expect(page.get_by_text("暂无可参加的投票。")).to_be_visible()
        page.wait_for_timeout(800)  # a few rounds of asking while the poll is a draft
        assert not [r for r in events if r.url.endswith("/tokens")]
        assert issued_to(app, "d002") == []

        open_poll(app, poll_id)
        news = page.locator("#polls-news")
        expect(news).to_contain_text("已开始投票，本设备上的选票凭证已就绪。")
        assert issued_to(app, "d002") == [poll_id]
        [token] = [i for i, r in enumerate(events) if r.url.endswith("/tokens")]
        ballot_page = f"/my/polls/{poll_id}"
        assert not any(r.url.endswith(ballot_page) for r in events)  # not opened yet

        news.get_by_role("link", name="打开选票").click()
        expect(page.locator("#vote-status")).to_have_text("选票凭证已就绪，请选择。")
        expect(page.locator("#step-choose")).to_be_visible()
        opened = next(i for i, r in enumerate(events) if r.url.endswith(ballot_page))
        assert token < opened
        page.wait_for_timeout(300)
        assert len([r for r in events if r.url.endswith("/tokens")]) == 1  # nothing asked again
        saved = json.loads(page.evaluate("Object.values(localStorage)[0]"))
        assert saved["sig"] and saved["code"]
        page.reload()  # the list's token serves the ballot page: no new request
        page.goto(f"{live_server}/my/polls")
        expect(page.locator(f'[data-poll="{poll_id}"] .token-note')).to_contain_text(
            "本设备上的选票凭证已就绪")
        assert len([r for r in events if r.url.endswith("/tokens")]) == 1
    finally:
        ctx.close()


@pytest.mark.browser
def test_the_session_page_fetches_the_token_after_checking_in(app, browser, live_server,
                                                              waiting_hall):
    poll_id = waiting_hall["poll_id"]
    ctx, page, events = watch(browser)
    try:
        sign_in(page, live_server, "d001")
        page.goto(f"{live_server}/my/sessions")
        page.get_by_role("button", name=re.compile("^签到：")).click()
        expect(page.locator(".session-list")).to_contain_text("已签到")
        open_poll(app, poll_id)
        expect(page.locator("#polls-news")).to_contain_text("本设备上的选票凭证已就绪")
        assert issued_to(app, "d001") == [poll_id]
        assert not any(r.url.endswith(f"/my/polls/{poll_id}") for r in events)
        tokens = [r for r in events if r.url.endswith("/tokens")]
        assert len(tokens) == 1 and "session=" in tokens[0].all_headers()["cookie"]
    finally:
        ctx.close()


# ---- the status endpoint, without a browser ----------------------------------------------

def test_the_status_lists_the_open_polls_of_the_deputy(app, client, waiting_hall):
    poll_id = waiting_hall["poll_id"]
    login(client, "d002")
    assert client.get("/my/polls/status.json").get_json() == {"polls": []}  # a draft: nothing
    open_poll(app, poll_id)
    r = client.get("/my/polls/status.json")
    assert r.headers["Cache-Control"] == "no-store"
    [item] = r.get_json()["polls"]
    assert item["id"] == poll_id and item["status"] == "open"
    assert item["checked_in"] is True and item["token_issued"] is False
    assert item["token_url"] == f"/api/v1/polls/{poll_id}/tokens"
    page = client.get(f"/my/polls/{poll_id}").get_data(as_text=True)
    assert f'"storageKey": "{item["storage_key"]}"' in page  # the ballot page's key

    from tests.polls import Voter, get_token

    csrf = login(client, "d002")
    assert get_token(client, csrf, poll_id, Voter(item["public_key_pem"])).status_code == 200
    assert client.get("/my/polls/status.json").get_json()["polls"][0]["token_issued"] is True

    login(client, "d001")
    assert client.get("/my/polls/status.json").get_json()["polls"][0]["checked_in"] is False


def test_the_status_is_for_deputies(app, client, waiting_hall, make_user):
    assert client.get("/my/polls/status.json").status_code == 302
    make_user("teller", "teller")
    login(client, "teller")
    assert client.get("/my/polls/status.json").status_code == 403
