"""The paper page and the teller's entry form: who may use them (each slot only its own teller's
account), CSRF, Chinese first, that a refused submission changes nothing and keeps what was
typed, and that a mismatch is settled by both tellers or the scrutineer, its differing marks
highlighted."""

import pytest
from sqlalchemy import func, select

import voting.tally.paper_routes  # noqa: F401  (registers the pages on the tally blueprint)
from tests.helpers import add_deputies, app_db, login, user
from tests.tally.test_paper_services import assign, enter, enter_both, make_tellers, paper_poll
from voting.audit.models import AuditEntry
from voting.ballots.models import Poll
from voting.tally import paper
from voting.tally.paper_models import PaperEntry, PaperTally


@pytest.fixture
def poll_id(app, sitting):
    """A closed poll, slot 1 assigned to t1 (张三), slot 2 to t2 (李四), scr (王五) the
    scrutineer; t4 (赵六) is a teller with no part in it."""
    with app_db(app) as s:
        poll = paper_poll(s, sitting[1])
        assign(s, poll.id)
        return poll.id


@pytest.fixture
def teller(client, poll_id):
    """The client signed in as slot 1's teller (t1); its CSRF token."""
    return login(client, "t1")


def _as(app, username):
    """Another browser, signed in as `username`: (client, CSRF token)."""
    other = app.test_client()
    return other, login(other, username)


def _page(poll_id):
    return f"/tally/polls/{poll_id}/paper"


def test_only_tellers_and_the_secretariat_see_paper_pages(app, client, sitting, poll_id):
    urls = [_page(poll_id), f"{_page(poll_id)}/teller/1"]
    for url in urls:
        r = client.get(url)
        assert r.status_code == 302 and r.headers["Location"].startswith("/login"), url
    with app_db(app) as s:
        (deputy, password), = add_deputies(s, user(s, "clerk"), sitting[0], 1)
        username = deputy.user.username
    token = login(client, username, password)
    for url in urls:
        assert client.get(url).status_code == 403, url
    r = client.post(f"{_page(poll_id)}/teller/1",
                    data={"number": "1", "choice": ["c1"], "csrf_token": token})
    assert r.status_code == 403
    r = client.post(f"{_page(poll_id)}/counts",
                    data={"issued": "3", "returned": "3", "csrf_token": token})
    assert r.status_code == 403
    with app_db(app) as s:
        assert s.scalar(select(PaperTally.issued)) is None
        assert s.scalar(select(PaperEntry)) is None


def test_a_teller_enters_but_cannot_record_the_counts(app, client, poll_id, teller):
    r = client.post(f"{_page(poll_id)}/counts",
                    data={"issued": "3", "returned": "3", "csrf_token": teller})
    assert r.status_code == 403
    with app_db(app) as s:
        paper.record_issued_returned(s, user(s, "clerk"), poll_id, 3, 3)
    html = client.get(_page(poll_id)).get_data(as_text=True)
    assert "以计票人一身份录入" in html and 'action="/tally/polls/%d/paper/counts"' % poll_id not in html

    assert "以计票人二身份录入" not in html and "此席位只能由李四本人的账户录入" in html
    r = client.get(f"{_page(poll_id)}/teller/1")
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "第 1 张（共 3 张）" in html and "老旧小区改造" in html
    r = client.post(f"{_page(poll_id)}/teller/1",
                    data={"number": "1", "choice": ["c1", "c3"], "csrf_token": teller})
    assert r.status_code == 302
    assert r.headers["Location"].endswith(f"{_page(poll_id)}/teller/1?number=2")
    html = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "第 1 张已保存。" in html and "第 2 张（共 3 张）" in html and "已录入：1/3" in html
    with app_db(app) as s:
        entry = s.scalar(select(PaperEntry))
    assert (entry.teller, entry.number, entry.marks, entry.flag) == (1, 1, ["c1", "c3"], None)


def test_a_refused_entry_changes_nothing_and_keeps_the_marks(app, client, poll_id):
    teller = login(client, "t2")
    with app_db(app) as s:
        paper.record_issued_returned(s, user(s, "clerk"), poll_id, 3, 3)
    r = client.post(f"{_page(poll_id)}/teller/2", data={"number": "1", "csrf_token": teller})
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and "未选择任何标记" in html
    r = client.post(f"{_page(poll_id)}/teller/2",
                    data={"number": "9", "choice": ["c2"], "csrf_token": teller})
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and "选票编号须在 1 至 3 之间" in html
    assert 'value="c2" id="entry-c2" checked' in html
    r = client.post(f"{_page(poll_id)}/teller/2", data={"number": "1", "choice": ["c3"],
                                                        "flag": "blank", "csrf_token": teller})
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and "空白票或无法辨认的选票不应有标记" in html
    assert 'value="c3" id="entry-c3" checked' in html and 'value="blank" id="entry-f-blank" checked' in html
    r = client.post(f"{_page(poll_id)}/teller/2", data={"number": "1", "choice": ["c1"]})
    assert r.status_code == 400  # no CSRF token
    with app_db(app) as s:
        assert s.scalar(select(PaperEntry)) is None


def test_the_secretariat_records_counts_and_names(app, client, poll_id, secretariat):
    r = client.post(f"{_page(poll_id)}/counts",
                    data={"issued": "3", "returned": "-2", "csrf_token": secretariat})
    assert r.status_code == 422
    r = client.post(f"{_page(poll_id)}/counts", data={"issued": "3", "returned": "4"})
    assert r.status_code == 400  # no CSRF token
    with app_db(app) as s:
        assert s.scalar(select(PaperTally.issued)) is None
    r = client.post(f"{_page(poll_id)}/counts",
                    data={"issued": "3", "returned": "4", "csrf_token": secretariat})
    assert r.status_code == 302
    html = client.get(_page(poll_id)).get_data(as_text=True)
    assert "暂不能计票" in html and "收回票数多于发出票数，本次投票无效" in html
    html = client.get(_page(poll_id) + "?lang=en").get_data(as_text=True)
    assert "More ballots were returned than issued: this vote is void." in html
    client.get(_page(poll_id) + "?lang=zh_CN")
    with app_db(app) as s:
        ids = {name: user(s, name).id for name in ("t1", "t2", "scr", "t4", "secretariat")}
    page = client.get(_page(poll_id)).get_data(as_text=True)
    assert page.count(f'<option value="{ids["t4"]}">赵六（t4）</option>') == 3
    assert f'value="{ids["secretariat"]}"' not in page  # only teller accounts are offered
    r = client.post(f"{_page(poll_id)}/officials",
                    data={"teller1": ids["t4"], "teller2": ids["t4"], "scrutinee": "",
                          "scrutineers": "孙八、周九", "csrf_token": secretariat})
    assert r.status_code == 422 and "两名计票人必须是不同的人" in r.get_data(as_text=True)
    r = client.post(f"{_page(poll_id)}/officials",
                    data={"teller1": ids["t1"], "teller2": ids["t4"], "scrutineer": ids["t4"],
                          "scrutineers": "孙八、周九", "csrf_token": secretariat})
    assert r.status_code == 422 and "不能是两名计票人之一" in r.get_data(as_text=True)
    r = client.post(f"{_page(poll_id)}/officials",
                    data={"teller1": ids["t1"], "teller2": ids["secretariat"],
                          "csrf_token": secretariat})
    assert r.status_code == 422  # not a choice
    r = client.post(f"{_page(poll_id)}/officials",
                    data={"teller1": ids["t1"], "teller2": ids["t4"], "scrutineer": ids["scr"],
                          "scrutineers": "孙八、周九", "csrf_token": secretariat})
    assert r.status_code == 302
    with app_db(app) as s:
        tally = s.scalar(select(PaperTally))
    assert (tally.issued, tally.returned) == (3, 4)
    assert (tally.teller1_user_id, tally.teller2_user_id, tally.scrutineer_user_id) == (
        ids["t1"], ids["t4"], ids["scr"])
    assert (tally.teller1_name, tally.teller2_name, tally.scrutineers) == (
        "张三", "赵六", ["王五", "孙八", "周九"])


def test_mismatches_are_listed_and_resolved_on_the_page(app, client, poll_id, teller):
    with app_db(app) as s:
        paper.record_issued_returned(s, user(s, "clerk"), poll_id, 4, 4)
        enter_both(s, None, poll_id, 1, ["c1"])
        enter(s, poll_id, 1, 2, ["c1", "c2"])
        enter(s, poll_id, 2, 2, ["c2"])
        for n in (3, 4):
            enter(s, poll_id, 1, n, "blank")
    html = client.get(_page(poll_id)).get_data(as_text=True)
    assert "待核对的选票：3 张" in html
    assert "计票人二尚未录入：" in html and "3–4" in html and ">3–4</a>" not in html
    assert "裁定第 2 张" in html and "确认第 2 张选票的识读结果" in html
    # The differing mark is highlighted, in words too; the shared one is not.
    first = html.split('data-reading="1">')[1].split("</dd>")[0]
    second = html.split('data-reading="2">')[1].split("</dd>")[0]
    assert '<span class="paper-mark paper-diff">老旧小区改造<span class="sr-only">（与另一名计票人不同）</span></span>' in first
    assert '<span class="paper-mark">城市道路维修</span>' in first
    assert '<span class="paper-mark">城市道路维修</span>' in second and "paper-diff" not in second
    assert "计票人一：4/4" in html and "计票人二：2/4" in html

    r = client.post(f"{_page(poll_id)}/resolve", data={"number": "2", "csrf_token": teller})
    assert r.status_code == 422 and "未选择任何标记" in r.get_data(as_text=True)
    r = client.post(f"{_page(poll_id)}/resolve",
                    data={"number": "2", "choice": ["c2"], "csrf_token": teller})
    assert r.status_code == 302
    html = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "计票人二确认相同结果后即完成裁定" in html and "待核对的选票：3 张" in html
    assert 'data-confirmed="1"' in html and "等待计票人二确认" in html
    # Teller 2, on their own device, confirms another reading: still not settled.
    other, token2 = _as(app, "t2")
    r = other.post(f"{_page(poll_id)}/resolve",
                   data={"number": "2", "choice": ["c1"], "csrf_token": token2})
    assert "确认的结果与您不同" in other.get(r.headers["Location"]).get_data(as_text=True)
    assert "待核对的选票：3 张" in other.get(_page(poll_id)).get_data(as_text=True)
    # They look again together and agree.
    r = other.post(f"{_page(poll_id)}/resolve",
                   data={"number": "2", "choice": ["c2"], "csrf_token": token2})
    html = other.get(r.headers["Location"]).get_data(as_text=True)
    assert "第 2 张已裁定" in html and "待核对的选票：2 张" in html
    for n in (3, 4):
        other.post(f"{_page(poll_id)}/teller/2",
                   data={"number": str(n), "flag": "blank", "csrf_token": token2})
    html = client.get(_page(poll_id)).get_data(as_text=True)
    assert "纸质选票已核对：发出 4 张，收回 4 张" in html and "待核对" not in html
    with app_db(app) as s:
        assert paper.paper_ballots(s, s.get(Poll, poll_id)).ballots == [["c1"], ["c2"], [], []]
        entry = s.scalar(select(AuditEntry).where(AuditEntry.action == "paper.resolve"))
        assert entry.actor == "t2" and entry.details["by"] == "both tellers"


def test_the_scrutineer_settles_alone_and_nobody_else_can(app, client, poll_id, secretariat):
    with app_db(app) as s:
        paper.record_issued_returned(s, user(s, "clerk"), poll_id, 1, 1)
        enter(s, poll_id, 1, 1, ["c1"])
        enter(s, poll_id, 2, 1, "unreadable")
    data = {"number": "1", "choice": ["c1"]}
    page = client.get(_page(poll_id)).get_data(as_text=True)
    assert "裁定第 1 张" not in page  # the secretariat gets no resolution form...
    r = client.post(f"{_page(poll_id)}/resolve", data={**data, "csrf_token": secretariat})
    assert r.status_code == 403 and "负责裁定的监票人" in r.get_data(as_text=True)  # ...nor a say
    bystander, token = _as(app, "t4")
    assert "裁定第 1 张" not in bystander.get(_page(poll_id)).get_data(as_text=True)
    assert bystander.post(f"{_page(poll_id)}/resolve",
                          data={**data, "csrf_token": token}).status_code == 403
    with app_db(app) as s:
        assert len(paper.mismatches(s, s.get(Poll, poll_id))) == 1
    scrutineer, token = _as(app, "scr")
    page = scrutineer.get(_page(poll_id)).get_data(as_text=True)
    assert "按此结果裁定第 1 张选票" in page
    r = scrutineer.post(f"{_page(poll_id)}/resolve", data={**data, "csrf_token": token})
    assert "第 1 张已裁定" in scrutineer.get(r.headers["Location"]).get_data(as_text=True)
    with app_db(app) as s:
        assert paper.paper_ballots(s, s.get(Poll, poll_id)).ballots == [["c1"]]


def test_a_teller_cannot_take_the_other_slot(app, client, poll_id, teller, make_user):
    make_user("secretariat", "secretariat")
    with app_db(app) as s:
        paper.record_issued_returned(s, user(s, "clerk"), poll_id, 2, 2)
    r = client.get(f"{_page(poll_id)}/teller/2")
    assert r.status_code == 403 and "只有计票人二（李四）本人的账户" in r.get_data(as_text=True)
    r = client.post(f"{_page(poll_id)}/teller/2",
                    data={"number": "1", "choice": ["c1"], "csrf_token": teller})
    assert r.status_code == 403
    clerk_client, token = _as(app, "secretariat")
    assert clerk_client.get(f"{_page(poll_id)}/teller/1").status_code == 403
    r = clerk_client.post(f"{_page(poll_id)}/teller/1",
                          data={"number": "1", "choice": ["c1"], "csrf_token": token})
    assert r.status_code == 403
    bystander, token = _as(app, "t4")
    assert bystander.post(f"{_page(poll_id)}/teller/1",
                          data={"number": "1", "choice": ["c1"],
                                "csrf_token": token}).status_code == 403
    with app_db(app) as s:
        assert s.scalar(select(PaperEntry)) is None


def test_a_slot_without_an_account_cannot_be_entered(app, client, sitting):
    with app_db(app) as s:
        poll = paper_poll(s, sitting[1])
        make_tellers(s)
        paper.record_issued_returned(s, user(s, "clerk"), poll.id, 1, 1)
        poll_id = poll.id
    login(client, "t1")
    html = client.get(_page(poll_id)).get_data(as_text=True)
    assert html.count("此席位尚未指定计票人账户") == 2 and "身份录入" not in html
    r = client.get(f"{_page(poll_id)}/teller/1")
    assert r.status_code == 409 and "秘书处尚未为计票人一指定账户" in r.get_data(as_text=True)


def test_a_for_against_ballot_is_entered_mark_by_mark(app, client, sitting):
    with app_db(app) as s:
        poll_id = paper_poll(s, sitting[1], kind="for_against").id
        evaluation_id = paper_poll(s, sitting[1], kind="evaluation").id
        assign(s, poll_id)
        paper.record_issued_returned(s, user(s, "clerk"), poll_id, 2, 2)
    teller = login(client, "t1")
    html = client.get(f"{_page(poll_id)}/teller/1").get_data(as_text=True)
    assert "赞成" in html and "反对" in html and "弃权" in html and "未画" in html
    r = client.post(f"{_page(poll_id)}/teller/1",
                    data={"number": "1", "mark-1": "for", "mark-2": "against", "mark-3": "",
                          "csrf_token": teller})
    assert r.status_code == 302
    with app_db(app) as s:
        entry = s.scalar(select(PaperEntry))
    assert entry.marks == {"c1": "for", "c2": "against"}
    r = client.get(_page(evaluation_id))
    assert r.status_code == 409 and "此类投票不使用纸质选票" in r.get_data(as_text=True)


def test_only_the_scrutineer_is_offered_and_may_take_back_the_last_ballot(app, poll_id):
    with app_db(app) as s:
        paper.record_issued_returned(s, user(s, "clerk"), poll_id, 2, 2)
        for number in (1, 2):
            enter_both(s, None, poll_id, number, ["c1"])
    t1, t1_csrf = _as(app, "t1")
    assert "撤回最后录入的一张选票" not in t1.get(_page(poll_id)).get_data(as_text=True)
    refused = t1.post(f"{_page(poll_id)}/withdraw", data={"reason": "多了一张",
                                                        "csrf_token": t1_csrf})
    assert refused.status_code == 403
    scr, scr_csrf = _as(app, "scr")
    assert "撤回最后录入的一张选票" in scr.get(_page(poll_id)).get_data(as_text=True)
    done = scr.post(f"{_page(poll_id)}/withdraw", data={"reason": "票箱实有一张",
                                                        "csrf_token": scr_csrf},
                    follow_redirects=True)
    assert "第 2 张选票已撤回" in done.get_data(as_text=True)
    with app_db(app) as s:
        assert sorted({e.number for e in s.scalars(select(PaperEntry))}) == [1]


@pytest.mark.parametrize("number", ["0", "9"])
def test_resolving_a_ballot_not_in_dispute_says_why(app, client, poll_id, teller, number):
    """Found by tests/test_form_fuzz.py: the refusal was shown only next to a disputed ballot,
    so a number without one (none, or beyond the returned ballots) got a page without a word."""
    with app_db(app) as s:
        paper.record_issued_returned(s, user(s, "clerk"), poll_id, 2, 2)
        enter_both(s, None, poll_id, 1, ["c1"])
        enter(s, poll_id, 1, 2, ["c1"])
        enter(s, poll_id, 2, 2, ["c2"])
        entries = s.scalar(select(func.count()).select_from(PaperEntry))
    r = client.post(f"{_page(poll_id)}/resolve",
                    data={"number": number, "choice": ["c2"], "csrf_token": teller})
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    assert 'class="flash flash-error"' in html
    with app_db(app) as s:
        assert s.scalar(select(func.count()).select_from(PaperEntry)) == entries
        assert s.scalar(select(AuditEntry).where(AuditEntry.action == "paper.resolve")) is None


@pytest.mark.parametrize("number", ["-35037599766918914048", "99999999999999999999", "0"])
def test_a_ballot_number_no_column_holds_is_refused_not_a_server_error(app, client, poll_id,
                                                                      teller, number):
    """Found by tests/test_form_fuzz.py: the entry page looked the number up (to show what was
    entered) before anything refused it, and the driver overflowed: a 500, in the form and in
    the page's ?number=."""
    with app_db(app) as s:
        paper.record_issued_returned(s, user(s, "clerk"), poll_id, 3, 3)
    r = client.post(f"{_page(poll_id)}/teller/1",
                    data={"number": number, "choice": ["c1"], "csrf_token": teller})
    assert r.status_code == 422 and "选票编号须在 1 至 3 之间。" in r.get_data(as_text=True)
    assert client.get(f"{_page(poll_id)}/teller/1?number={number}").status_code == 200
    with app_db(app) as s:
        assert s.scalar(select(func.count()).select_from(PaperEntry)) == 0
