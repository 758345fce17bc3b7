"""Who may see what, and the pages of the secretariat and of the deputy."""

import pytest
from sqlalchemy import select

from tests.helpers import add_deputies, app_db, csrf_of, login, user
from voting.audit.models import AuditEntry
from voting.sessions import attendance, congresses
from voting.sessions import roster as roster_svc
from voting.sessions.models import Attendance, Congress, CongressSession

ADMIN_PAGES = ["/sessions/congresses/{c}/deputies", "/sessions/congresses/{c}/deputies/new",
               "/sessions/congresses/{c}/import", "/sessions/{s}/desk",
               "/sessions/roster-template.csv", "/sessions/deputies/{d}/edit"]
STAFF_PAGES = ["/sessions/", "/sessions/congresses/{c}", "/sessions/{s}", "/sessions/{s}/live"]


@pytest.fixture
def deputy(app, sitting):
    """(deputy id, username, password) of one deputy of the sitting's congress."""
    with app_db(app) as s:
        (d, password), = add_deputies(s, user(s, "clerk"), sitting[0], 1)
        return d.id, d.user.username, password


def _urls(pages, sitting, deputy_id):
    return [p.format(c=sitting[0], s=sitting[1], d=deputy_id) for p in pages]


def test_public_is_sent_to_sign_in(client, sitting, deputy):
    for url in _urls(ADMIN_PAGES + STAFF_PAGES + ["/my/sessions"], sitting, deputy[0]):
        r = client.get(url)
        assert r.status_code == 302 and r.headers["Location"].startswith("/login"), url


def test_deputy_cannot_see_roster_admin(app, client, sitting, deputy):
    token = login(client, deputy[1], deputy[2])
    for url in _urls(ADMIN_PAGES + STAFF_PAGES, sitting, deputy[0]):
        assert client.get(url).status_code == 403, url
    r = client.post("/sessions/deputies/reset",
                    data={"deputy_id": [deputy[0]], "csrf_token": token})
    assert r.status_code == 403
    r = client.post(f"/sessions/{sitting[1]}/desk/{deputy[0]}", data={"csrf_token": token})
    assert r.status_code == 403
    with app_db(app) as s:
        assert s.scalar(select(Attendance)) is None


def test_teller_sees_sessions_but_not_the_roster(client, make_user, sitting, deputy):
    make_user("teller", "teller")
    login(client, "teller")
    for url in _urls(STAFF_PAGES, sitting, deputy[0]):
        assert client.get(url).status_code == 200, url
    for url in _urls(ADMIN_PAGES, sitting, deputy[0]):
        assert client.get(url).status_code == 403, url


def test_secretariat_creates_a_congress_and_a_session(app, client, secretariat):
    r = client.post("/sessions/congresses",
                    data={"name": "", "term": "x", "csrf_token": secretariat})
    assert r.status_code == 422
    r = client.post("/sessions/congresses", data={"name": "哈尔滨市第十六届人民代表大会", "term": "16",
                                                  "csrf_token": secretariat})
    assert r.status_code == 302
    with app_db(app) as s:
        congress = s.scalar(select(Congress))
    assert congress.term == 16
    r = client.post("/sessions/congresses", data={"name": "哈尔滨市第十六届人民代表大会", "term": "",
                                                  "csrf_token": secretariat})
    assert r.status_code == 422 and "已存在" in r.get_data(as_text=True)
    url = f"/sessions/congresses/{congress.id}"
    r = client.post(url, data={"name": "第二次会议", "year": "2023", "opens_on": "2023-01-10",
                               "quorum_numerator": "2", "quorum_denominator": "3",
                               "csrf_token": secretariat})
    assert r.status_code == 302
    with app_db(app) as s:
        session = s.scalar(select(CongressSession))
        assert session.title == "哈尔滨市第十六届人民代表大会第二次会议"
        assert [e.action for e in s.scalars(select(AuditEntry).order_by(AuditEntry.seq))] == [
            "congress.create", "session.create"]
    r = client.post(url, data={"name": "第二次会议", "year": "2023", "quorum_numerator": "2",
                               "quorum_denominator": "3", "csrf_token": secretariat})
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and 'id="name-error"' in html and "已有名为“第二次会议”的会议" in html


def test_desk_check_in_by_search_and_one_click(app, client, secretariat, sitting):
    congress_id, session_id = sitting
    with app_db(app) as s:
        zhang = add_deputies(s, user(s, "clerk"), congress_id, 3)[1][0]
        roster_svc.update_deputy(s, user(s, "clerk"), deputy_id=zhang.id, name="张三",
                                 number="002", delegation="道里区代表团")
        zhang_id = zhang.id
    html = client.get(f"/sessions/{session_id}/desk?q=张三").get_data(as_text=True)
    assert "找到 1 名" in html and "为 张三 签到" in html
    r = client.post(f"/sessions/{session_id}/desk/{zhang_id}",
                    data={"q": "张三", "csrf_token": secretariat})
    assert r.status_code == 302 and "q=" in r.headers["Location"]
    html = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "张三 签到成功" in html and "已签到" in html
    html = client.get(f"/sessions/{session_id}/desk?q=002").get_data(as_text=True)
    assert "已签到" in html and "为 张三 签到" not in html
    with app_db(app) as s:
        entry = s.scalar(select(AuditEntry).where(AuditEntry.action == "attendance.check_in"))
        assert entry.actor == "secretariat" and entry.details["by_desk"] is True
    live = client.get(f"/sessions/{session_id}/live").get_data(as_text=True)
    assert 'data-stat="present">1<' in live and 'data-stat="expected">3<' in live
    assert 'data-stat="required">2<' in live and "未达法定人数" in live


def test_deputy_checks_in_from_their_page(app, client, sitting, deputy):
    _, session_id = sitting
    login(client, deputy[1], deputy[2])
    html = client.get("/my/sessions").get_data(as_text=True)
    assert "我的会议" in html and "未签到" in html and "签到：第二次会议" in html
    token = csrf_of(html)
    r = client.post(f"/my/sessions/{session_id}/check-in", data={"csrf_token": token})
    assert r.status_code == 302 and r.headers["Location"] == "/my/sessions"
    html = client.get("/my/sessions").get_data(as_text=True)
    assert "签到成功" in html and "已签到" in html and "签到：第二次会议" not in html
    with app_db(app) as s:
        assert attendance.is_checked_in(s, session_id, deputy[0])
        entry = s.scalar(select(AuditEntry).where(AuditEntry.action == "attendance.check_in"))
        assert entry.actor == deputy[1] and entry.details["by_desk"] is False


def test_deputy_cannot_check_in_to_another_congress(app, client, sitting, deputy):
    with app_db(app) as s:
        other = congresses.create_congress(s, user(s, "clerk"), name="其他人大", term=1)
        other_session = congresses.create_session(s, user(s, "clerk"), congress_id=other.id,
                                                  name="第一次会议", year=2024)
        other_id = other_session.id
    token = login(client, deputy[1], deputy[2])
    r = client.post(f"/my/sessions/{other_id}/check-in", data={"csrf_token": token})
    assert "不是本届人民代表大会的代表" in client.get(r.headers["Location"]).get_data(as_text=True)
    with app_db(app) as s:
        assert s.scalar(select(Attendance)) is None


def test_session_page_shows_quorum_by_delegation(app, client, secretariat, sitting):
    congress_id, session_id = sitting
    with app_db(app) as s:
        pairs = add_deputies(s, user(s, "clerk"), congress_id, 2)
        pairs += add_deputies(s, user(s, "clerk"), congress_id, 1, start=10,
                              delegation="南岗区代表团")
        for deputy, _ in pairs:
            attendance.check_in(s, user(s, "clerk"), session_id=session_id, deputy_id=deputy.id,
                                by_desk=True)
    html = client.get(f"/sessions/{session_id}").get_data(as_text=True)
    assert "哈尔滨市第十六届人民代表大会第二次会议" in html
    assert "已达法定人数" in html and 'data-stat="present">3<' in html
    assert "<th scope=\"row\">南岗区代表团</th><td class=\"num\">1</td><td class=\"num\">1</td>" in html
    assert "<svg class=\"quorum-bar\"" in html


def test_edit_search_and_deactivate_a_deputy(app, client, secretariat, sitting, deputy):
    congress_id, _ = sitting
    deputy_id, username, password = deputy
    url = f"/sessions/deputies/{deputy_id}/edit"
    r = client.post(url, data={"name": "张三", "number": "A01", "delegation": "南岗区代表团",
                               "csrf_token": secretariat})
    assert r.status_code == 302
    roster = f"/sessions/congresses/{congress_id}/deputies"
    assert "张三" in client.get(f"{roster}?q=南岗").get_data(as_text=True)
    assert "没有符合条件的代表" in client.get(f"{roster}?q=香坊").get_data(as_text=True)
    phone = app.test_client()
    login(phone, username, password)
    r = client.post(f"/sessions/deputies/{deputy_id}/active", data={"active": "0",
                                                                   "csrf_token": secretariat})
    assert r.status_code == 302
    assert phone.get("/my/sessions").status_code == 302  # signed out
    r = phone.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert r.status_code == 401
    client.post(f"/sessions/deputies/{deputy_id}/active", data={"active": "1",
                                                               "csrf_token": secretariat})
    login(phone, username, password)
    with app_db(app) as s:
        actions = [e.action for e in s.scalars(select(AuditEntry).order_by(AuditEntry.seq))]
    assert actions[-3:] == ["deputy.update", "deputy.deactivate", "deputy.reactivate"]


def test_add_deputy_form_shows_errors_by_field(app, client, secretariat, sitting, deputy):
    congress_id, _ = sitting
    r = client.post(f"/sessions/congresses/{congress_id}/deputies/new",
                    data={"name": "重号", "number": "001", "delegation": "", "username": "",
                          "csrf_token": secretariat})
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and 'id="number-error"' in html and "代表证号 001 已在名册中" in html
    assert 'value="重号"' in html  # what was typed is kept
