"""The deputy's ballot page, in Chromium at phone and desktop widths, against the real API:
the token is fetched signed in, the ballot cast with no cookie, and reloads lose nothing."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest
from tests.lazy_playwright import expect
from sqlalchemy import select

from tests.helpers import HASH, PASSWORD, app_db, login, sign_in, user
from tests.polls import close, poll_via_services
from voting.ballots import services as ballots
from voting.ballots.models import Poll, PollCandidate
from voting.crypto import blind_rsa
from voting.crypto.encoding import b64url_decode
from voting.pool.models import Project, ProjectTarget
from voting.sessions import attendance, congresses, roster

RECEIPT = re.compile(r"[0-9a-f]{16,}")


def full_poll(app, session_id: int, *, kind="selection", candidates=15, max_choices=10,
             open_it=True, title="2023年市级民生实事项目票决") -> int:
    """A poll (`poll_via_services`) on `candidates` new projects, each with content, a target,
    cost and units."""
    with app_db(app) as s:
        projects = [Project(title=f"民生项目{i:02d}", year=2023, stage="candidate",
                            content=f"项目{i:02d}的建设内容", significance=f"项目{i:02d}的意义",
                            investment_wan_yuan=Decimal("1234.50") * i, lead_unit="市住建局",
                            responsible_units="各区政府、市财政局",
                            targets=[ProjectTarget(position=1, metric="改造老旧小区",
                                                   unit="万平方米", value=Decimal("1005"))])
                    for i in range(1, candidates + 1)]
        s.add_all(projects)
        s.flush()
        ids = [p.id for p in projects]
    return poll_via_services(app, session_id, kind=kind, seats=max_choices,
                             max_choices=max_choices, open_it=open_it, title=title,
                             project_ids=ids)


@pytest.fixture
def hall(app, sitting):
    """An open poll of 15 candidates (at most 10 choices); deputies d001..d004 of whom all but
    d003 are checked in."""
    congress_id, session_id = sitting
    with app_db(app) as s:
        actor = user(s, "clerk")
        for i in (1, 2, 3, 4):
            d, _ = roster.add_deputy(s, actor, hash_method=HASH, congress_id=congress_id, name=f"代表{i}",
                                     number=f"00{i}", delegation="道里区代表团",
                                     password=PASSWORD)
            if i != 3:
                attendance.check_in(s, actor, session_id=session_id, deputy_id=d.id, by_desk=True)
    return {"session_id": session_id, "poll_id": full_poll(app, session_id)}


def fits_width(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def board(page, base, poll_id):
    r = page.request.get(f"{base}/api/v1/polls/{poll_id}/ballots")
    assert r.status == 200, r.text()
    return r.json()["ballots"]


@pytest.mark.browser
def test_vote_with_reloads_and_find_the_receipt_on_the_board(app, page, live_server, hall):
    poll_id = hall["poll_id"]
    requests = []
    page.on("request", lambda r: requests.append(r) if "/api/v1/polls/" in r.url
            and r.method == "POST" else None)

    # Every token reply is lost until the ballot page has said so: the server signed, the
    # pages never heard. The session page, the list and the ballot page ask in turn.
    lost = {"token": True, "cast": 0}

    def lose_token_replies(route):
        if lost["token"]:
            route.fetch()
            route.abort()
        else:
            route.continue_()

    page.route(f"**/api/v1/polls/{poll_id}/tokens", lose_token_replies)
    sign_in(page, live_server)
    page.goto(f"{live_server}/my/sessions")
    page.get_by_role("link", name="去投票").click()
    card = page.locator(f'[data-poll="{poll_id}"]')
    expect(card).to_contain_text("2023年市级民生实事项目票决")
    expect(card).to_contain_text("已签到")
    card.get_by_role("link", name="打开选票").click()

    expect(page.locator(".candidate")).to_have_count(15)
    first = page.locator(".candidate").first
    expect(first).to_contain_text("项目01的建设内容")
    expect(first).to_contain_text("项目01的意义")
    expect(first).to_contain_text("改造老旧小区 1,005 万平方米")
    expect(first).to_contain_text("1,234.5 万元")
    expect(first).to_contain_text("市住建局")
    expect(first).to_contain_text("各区政府、市财政局")
    expect(page.get_by_role("alert")).to_contain_text("网络")
    lost["token"] = False
    page.reload()  # the blinded token was saved before it was sent: the same one goes again
    expect(page.locator("#vote-status")).to_have_text("选票凭证已就绪，请选择。")
    tokens = [r for r in requests if r.url.endswith("/tokens")]
    assert len(tokens) >= 3  # the ballot page at least twice, and the list or session page
    assert all(t.post_data_json == tokens[0].post_data_json for t in tokens)
    assert all("session=" in (t.all_headers().get("cookie") or "") for t in tokens)
    assert tokens[0].all_headers()["x-csrftoken"]
    expect(page.get_by_role("button", name="重试")).to_be_hidden()

    # At most 10: the 11th is refused with a clear message.
    boxes = page.get_by_role("checkbox")
    for i in range(10):
        boxes.nth(i).check()
    expect(page.locator("#vote-counter")).to_have_text("已选 10 / 最多 10")
    boxes.nth(10).click()
    expect(boxes.nth(10)).not_to_be_checked()
    expect(page.locator("#vote-limit")).to_contain_text("最多只能选 10 项")
    expect(page.locator("#vote-counter")).to_have_text("已选 10 / 最多 10")
    for i in range(3, 10):
        boxes.nth(i).uncheck()
    boxes.nth(14).check()
    expect(page.locator("#vote-counter")).to_have_text("已选 4 / 最多 10")
    assert fits_width(page)
    page.reload()  # the choices so far and the token are kept; no new token is asked for
    expect(page.get_by_role("checkbox", name="选择此项目 民生项目15")).to_be_checked()
    expect(page.locator("#vote-counter")).to_have_text("已选 4 / 最多 10")
    assert len([r for r in requests if r.url.endswith("/tokens")]) == len(tokens)

    page.get_by_role("button", name="检查我的选票").click()
    review = page.locator("#step-review")
    expect(review.get_by_role("heading", name="请核对您的选票")).to_be_focused()
    expect(review.locator("li")).to_have_text(["民生项目01", "民生项目02", "民生项目03",
                                                "民生项目15"])

    def lose_first_cast(route):
        lost["cast"] += 1
        route.abort() if lost["cast"] == 1 else route.continue_()

    page.route(f"**/api/v1/polls/{poll_id}/ballots", lose_first_cast)
    review.get_by_role("button", name="投出选票").click()
    expect(page.get_by_role("button", name="重试")).to_be_visible()
    page.reload()  # the saved ballot is sent again, identical
    receipt = page.locator("#receipt-code")
    expect(receipt).to_have_text(RECEIPT)
    expect(page.get_by_role("heading", name="您已投票")).to_be_visible()
    casts = [r for r in requests if r.url.endswith("/ballots")]
    assert len(casts) == 2
    assert casts[0].post_data == casts[1].post_data
    sent = json.loads(casts[0].post_data)
    assert sorted(sent["choices"]) == ["c01", "c02", "c03", "c15"]
    assert tokens[0].post_data_json["blinded_msg"] != sent["msg"]
    for cast in casts:
        assert "cookie" not in cast.all_headers()
        assert "x-csrftoken" not in cast.all_headers()
    code = receipt.text_content()
    assert fits_width(page)

    page.reload()  # kept on this device, without the choices
    expect(page.locator("#receipt-code")).to_have_text(code)
    assert json.loads(page.evaluate("Object.values(localStorage)[0]")) == {
        "msg": sent["msg"], "receipt": code}
    page.goto(f"{live_server}/my/polls")
    expect(page.locator(f'[data-poll="{poll_id}"]')).to_contain_text("本设备已投票")

    # Another deputy on this tablet gets a fresh ballot, not the first one's receipt.
    page.get_by_role("button", name="退出").click()
    sign_in(page, live_server, "d002")
    page.goto(f"{live_server}/my/polls")
    expect(page.locator(f'[data-poll="{poll_id}"] .voted-here')).to_be_hidden()
    page.goto(f"{live_server}/my/polls/{poll_id}")
    expect(page.locator("#vote-status")).to_have_text("选票凭证已就绪，请选择。")
    expect(page.locator("#step-receipt")).to_be_hidden()
    later = [r for r in requests if r.url.endswith("/tokens")][len(tokens):]
    assert later and all(t.post_data_json != tokens[0].post_data_json for t in later)

    close(app, poll_id)
    [ballot] = board(page, live_server, poll_id)
    assert ballot["receipt"] == code
    assert ballot["choices"] == ["c01", "c02", "c03", "c15"]
    assert ballot["msg"] == sent["msg"] and ballot["sig"] == sent["sig"]
    prepared = blind_rsa.prepare(b64url_decode(ballot["msg"]), b64url_decode(ballot["msg_prefix"]))
    with app_db(app) as s:
        pub = blind_rsa.load_public_key(s.get(Poll, poll_id).public_key_pem)
    assert blind_rsa.verify(pub, prepared, b64url_decode(ballot["sig"]))


@pytest.mark.browser
def test_an_empty_ballot_is_confirmed_explicitly_and_a_refused_one_can_be_fixed(
        app, page, live_server, hall):
    poll_id = hall["poll_id"]
    tampered = {"n": 0}

    def add_unknown_choice_once(route):
        """The server refuses a choice it does not know (422): the token is not spent."""
        tampered["n"] += 1
        if tampered["n"] == 1:
            body = json.loads(route.request.post_data)
            route.continue_(post_data=json.dumps({**body, "choices": ["nope"]}))
        else:
            route.continue_()

    page.route(f"**/api/v1/polls/{poll_id}/ballots", add_unknown_choice_once)
    sign_in(page, live_server)
    page.goto(f"{live_server}/my/polls/{poll_id}")
    expect(page.locator("#vote-status")).to_have_text("选票凭证已就绪，请选择。")
    page.get_by_role("button", name="检查我的选票").click()
    expect(page.locator("#review-empty")).to_have_text("弃权/不选任何项目")
    expect(page.locator("#review-list")).to_be_hidden()
    page.get_by_role("button", name="返回修改").click()
    expect(page.get_by_role("heading", name="您的选择")).to_be_focused()
    page.get_by_role("checkbox").nth(1).focus()  # by keyboard: Space marks, Enter reviews
    page.keyboard.press("Space")
    expect(page.locator("#vote-counter")).to_have_text("已选 1 / 最多 10")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="请核对您的选票")).to_be_focused()
    page.get_by_role("button", name="投出选票").click()

    expect(page.get_by_role("alert")).to_contain_text("选票未被接受")
    expect(page.get_by_role("checkbox").nth(1)).to_be_checked()  # the choices are kept
    page.get_by_role("checkbox").nth(1).uncheck()
    page.get_by_role("button", name="检查我的选票").click()
    page.get_by_role("button", name="投出选票").click()
    expect(page.locator("#receipt-code")).to_have_text(RECEIPT)
    code = page.locator("#receipt-code").text_content()

    close(app, poll_id)
    [ballot] = board(page, live_server, poll_id)
    assert ballot["choices"] == [] and ballot["receipt"] == code


@pytest.mark.browser
def test_for_against_poll(app, page, live_server, sitting):
    congress_id, session_id = sitting
    with app_db(app) as s:
        actor = user(s, "clerk")
        d, _ = roster.add_deputy(s, actor, hash_method=HASH, congress_id=congress_id, name="代表1", number="001",
                                 delegation=None, password=PASSWORD)
        attendance.check_in(s, actor, session_id=session_id, deputy_id=d.id, by_desk=True)
    poll_id = full_poll(app, session_id, kind="for_against", candidates=4, max_choices=2,
                        title="逐项表决")
    sign_in(page, live_server)
    page.goto(f"{live_server}/my/polls/{poll_id}")
    expect(page.locator("#vote-status")).to_have_text("选票凭证已就绪，请选择。")
    expect(page.locator("#vote-counter")).to_have_text("赞成 0 / 最多 2")
    cards = page.locator(".candidate")
    for i in range(4):
        expect(cards.nth(i).get_by_role("radio", name="弃权")).to_be_checked()
    cards.nth(0).get_by_role("radio", name="赞成").check()
    cards.nth(1).get_by_role("radio", name="反对").check()
    cards.nth(2).get_by_role("radio", name="赞成").check()
    cards.nth(3).get_by_role("radio", name="赞成").click()  # a third "for": refused
    expect(page.locator("#vote-limit")).to_contain_text("最多只能对 2 项投赞成票")
    expect(cards.nth(3).get_by_role("radio", name="弃权")).to_be_checked()
    expect(page.locator("#vote-counter")).to_have_text("赞成 2 / 最多 2")
    assert fits_width(page)

    page.get_by_role("button", name="检查我的选票").click()
    expect(page.locator("#review-list li")).to_have_text(
        ["民生项目01：赞成", "民生项目02：反对", "民生项目03：赞成"])
    page.get_by_role("button", name="投出选票").click()
    expect(page.locator("#receipt-code")).to_have_text(RECEIPT)

    close(app, poll_id)
    [ballot] = board(page, live_server, poll_id)
    marks = {k: v for k, v in ballot["choices"].items() if v != "abstain"}
    assert marks == {"c01": "for", "c02": "against", "c03": "for"}


@pytest.mark.browser
def test_a_ballot_blocked_until_the_poll_closed_points_to_the_board(app, page, live_server,
                                                                    hall):
    poll_id = hall["poll_id"]
    page.route(f"**/api/v1/polls/{poll_id}/ballots", lambda route: route.abort())
    sign_in(page, live_server)
    page.goto(f"{live_server}/my/polls/{poll_id}")
    expect(page.locator("#vote-status")).to_have_text("选票凭证已就绪，请选择。")
    page.get_by_role("checkbox").first.check()
    page.get_by_role("button", name="检查我的选票").click()
    page.get_by_role("button", name="投出选票").click()
    expect(page.get_by_role("button", name="重试")).to_be_focused()

    close(app, poll_id)
    page.unroute(f"**/api/v1/polls/{poll_id}/ballots")
    page.reload()
    expect(page.get_by_role("alert")).to_contain_text("投票已结束")
    msg = json.loads(page.evaluate("Object.values(localStorage)[0]"))["msg"]
    expect(page.get_by_role("alert")).to_contain_text(msg)
    expect(page.locator("#step-choose")).to_be_hidden()


@pytest.mark.browser
def test_not_checked_in_fetches_no_token(page, live_server, hall):
    posts = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    sign_in(page, live_server, "d003")
    page.goto(f"{live_server}/my/polls/{hall['poll_id']}")
    expect(page.get_by_text("您尚未在本次会议签到，暂时不能投票。")).to_be_visible()
    expect(page.locator("#step-choose")).to_be_hidden()
    assert not any("/tokens" in url for url in posts)
    assert page.evaluate("localStorage.length") == 0


# ---- the pages without a browser -------------------------------------------------------

def test_my_polls_lists_the_congress_polls_that_were_opened(app, client, hall):
    full_poll(app, hall["session_id"], candidates=2, max_choices=1, open_it=False,
              title="草稿投票")
    with app_db(app) as s:
        actor = user(s, "clerk")
        other = congresses.create_congress(s, actor, name="道里区人民代表大会", term=18)
        other_session = congresses.create_session(s, actor, congress_id=other.id, name="第一次会议",
                                                  year=2023)
    foreign = full_poll(app, other_session.id, candidates=2, max_choices=1, open_it=False,
                        title="别处的投票")
    with app_db(app) as s:
        s.get(Poll, foreign).status = "open"  # that congress has no roster to make a quorum
    login(client, "d003")
    page = client.get("/my/polls").get_data(as_text=True)
    assert "2023年市级民生实事项目票决" in page and "未签到" in page
    assert "草稿投票" not in page and "别处的投票" not in page
    assert client.get(f"/my/polls/{hall['poll_id']}").status_code == 200
    assert client.get(f"/my/polls/{foreign}").status_code == 404
    english = client.get(f"/my/polls/{hall['poll_id']}?lang=en").get_data(as_text=True)
    assert "You are not checked in to this session" in english


def test_the_ballot_page_is_for_deputies(app, client, hall, make_user):
    url = f"/my/polls/{hall['poll_id']}"
    assert client.get(url).status_code == 302  # to the sign-in page
    make_user("teller", "teller")
    login(client, "teller")
    assert client.get(url).status_code == 403
    assert client.get("/my/polls").status_code == 403


def test_the_ballot_page_carries_the_poll_key_and_no_cast_delay_in_tests(app, client, hall):
    login(client, "d001")
    html = client.get(f"/my/polls/{hall['poll_id']}").get_data(as_text=True)
    config = json.loads(re.search(r'<script type="application/json" id="vote-config">(.*?)</script>',
                                  html, re.S).group(1))
    with app_db(app) as s:
        poll = s.get(Poll, hall["poll_id"])
        assert config["publicKeyPem"] == poll.public_key_pem
        assert config["fingerprint"] == poll.key_fingerprint
    assert config["canVote"] is True and config["castDelayMaxMs"] == 0
    assert config["storageKey"].endswith(f":{hall['poll_id']}:{poll.key_fingerprint[:16]}")
    assert "{n}" in config["messages"]["counter"] and "已选" in config["messages"]["counter"]



def test_a_runoff_shows_its_candidates_projects(app, client, hall):
    with app_db(app) as s:
        tied = s.scalars(select(PollCandidate).where(PollCandidate.poll_id == hall["poll_id"],
                                                     PollCandidate.position.in_([3, 7]))).all()
        runoff = ballots.create_poll(
            s, user(s, "clerk"), session_id=hall["session_id"], title="第10个名额决选",
            seats=1, candidates=[(c.candidate_id, c.title, c.project_id) for c in tied],
            parent_id=hall["poll_id"], key_bits=app.config["POLL_KEY_BITS"])
        ballots.open_poll(s, user(s, "clerk"), runoff.id)
        runoff_id = runoff.id
    login(client, "d001")
    html = client.get(f"/my/polls/{runoff_id}").get_data(as_text=True)
    assert "这是“2023年市级民生实事项目票决”之后的再次投票" in html
    assert html.count('class="candidate"') == 2
    assert "项目03的建设内容" in html and "项目07的意义" in html and "8,641.5 万元" in html
    assert "项目01的建设内容" not in html
