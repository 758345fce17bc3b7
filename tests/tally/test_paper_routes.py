"""The paper page and the teller's entry form: who may use them, CSRF, Chinese first, and that
a refused submission changes nothing and keeps what was typed."""

import pytest
from sqlalchemy import select

import voting.tally.paper_routes  # noqa: F401  (registers the pages on the tally blueprint)
from tests.conftest import login
from tests.sessions.conftest import add_deputies, app_db, clerk, sitting, user  # noqa: F401
from tests.tally.test_paper_services import enter_both, make_poll
from voting.ballots.models import Poll
from voting.tally import paper
from voting.tally.paper_models import PaperEntry, PaperTally


@pytest.fixture
def poll_id(app, sitting):  # noqa: F811
    with app_db(app) as s:
        return make_poll(s, sitting[1]).id


@pytest.fixture
def teller(client, make_user):
    make_user("teller", "teller", display_name="计票人")
    return login(client, "teller")


def _page(poll_id):
    return f"/tally/polls/{poll_id}/paper"


def test_only_tellers_and_the_secretariat_see_paper_pages(app, client, sitting, poll_id):  # noqa: F811
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
        assert s.scalar(select(PaperTally)) is None


def test_a_teller_enters_but_cannot_record_the_counts(app, client, poll_id, teller):
    r = client.post(f"{_page(poll_id)}/counts",
                    data={"issued": "3", "returned": "3", "csrf_token": teller})
    assert r.status_code == 403
    with app_db(app) as s:
        paper.record_issued_returned(s, user(s, "clerk"), poll_id, 3, 3)
    html = client.get(_page(poll_id)).get_data(as_text=True)
    assert "以计票人一身份录入" in html and 'action="/tally/polls/%d/paper/counts"' % poll_id not in html

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


def test_a_refused_entry_changes_nothing_and_keeps_the_marks(app, client, poll_id, teller):
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
        assert s.scalar(select(PaperTally)) is None
    r = client.post(f"{_page(poll_id)}/counts",
                    data={"issued": "3", "returned": "4", "csrf_token": secretariat})
    assert r.status_code == 302
    html = client.get(_page(poll_id)).get_data(as_text=True)
    assert "暂不能计票" in html and "收回票数多于发出票数，本次投票无效" in html
    html = client.get(_page(poll_id) + "?lang=en").get_data(as_text=True)
    assert "More ballots were returned than issued: this vote is void." in html
    client.get(_page(poll_id) + "?lang=zh_CN")
    r = client.post(f"{_page(poll_id)}/officials",
                    data={"teller1": "张三", "teller2": "张三", "scrutineers": "王五、赵六",
                          "csrf_token": secretariat})
    assert r.status_code == 422 and "两名计票人必须是不同的人" in r.get_data(as_text=True)
    r = client.post(f"{_page(poll_id)}/officials",
                    data={"teller1": "张三", "teller2": "李四", "scrutineers": "王五、赵六",
                          "csrf_token": secretariat})
    assert r.status_code == 302
    with app_db(app) as s:
        tally = s.scalar(select(PaperTally))
    assert (tally.issued, tally.returned) == (3, 4)
    assert (tally.teller1_name, tally.teller2_name, tally.scrutineers) == ("张三", "李四",
                                                                           ["王五", "赵六"])


def test_mismatches_are_listed_and_resolved_on_the_page(app, client, poll_id, teller):
    with app_db(app) as s:
        actor = user(s, "clerk")
        paper.record_issued_returned(s, actor, poll_id, 4, 4)
        enter_both(s, actor, poll_id, 1, ["c1"])
        paper.enter_ballot(s, actor, poll_id, 1, 2, ["c1", "c2"])
        paper.enter_ballot(s, actor, poll_id, 2, 2, ["c2"])
        for n in (3, 4):
            paper.enter_ballot(s, actor, poll_id, 1, n, "blank")
    html = client.get(_page(poll_id)).get_data(as_text=True)
    assert "待核对的选票：3 张" in html
    assert "计票人二尚未录入：" in html and ">3–4</a>" in html
    assert "裁定第 2 张" in html and "老旧小区改造、城市道路维修" in html
    assert "计票人一：4/4" in html and "计票人二：2/4" in html

    r = client.post(f"{_page(poll_id)}/resolve", data={"number": "2", "csrf_token": teller})
    assert r.status_code == 422 and "未选择任何标记" in r.get_data(as_text=True)
    r = client.post(f"{_page(poll_id)}/resolve",
                    data={"number": "2", "choice": ["c2"], "csrf_token": teller})
    assert r.status_code == 302
    html = client.get(_page(poll_id)).get_data(as_text=True)
    assert "第 2 张已裁定" in html and "待核对的选票：2 张" in html
    for n in (3, 4):
        client.post(f"{_page(poll_id)}/teller/2",
                    data={"number": str(n), "flag": "blank", "csrf_token": teller})
    html = client.get(_page(poll_id)).get_data(as_text=True)
    assert "纸质选票已核对：发出 4 张，收回 4 张" in html and "待核对" not in html
    with app_db(app) as s:
        assert paper.paper_ballots(s, s.get(Poll, poll_id)).ballots == [["c1"], ["c2"], [], []]


def test_a_for_against_ballot_is_entered_mark_by_mark(app, client, sitting, teller):  # noqa: F811
    with app_db(app) as s:
        poll_id = make_poll(s, sitting[1], kind="for_against").id
        evaluation_id = make_poll(s, sitting[1], kind="evaluation").id
        paper.record_issued_returned(s, user(s, "clerk"), poll_id, 2, 2)
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
