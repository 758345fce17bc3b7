"""While a poll of a session is open the congress's roster and credentials are frozen and
check-in to that session is closed: otherwise the secretariat could reset a deputy's password,
or add a deputy and check them in, and vote in their place."""

import io

import pytest
from sqlalchemy import func, select

from tests.helpers import HASH, add_deputies, app_db, csrf_of, login, user
from tests.polls import poll_in_database
from voting.audit.models import AuditEntry
from voting.auth.models import User
from voting.ballots.models import Poll
from voting.errors import Conflict
from voting.sessions import attendance, congresses
from voting.auth import credentials
from voting.sessions import roster, roster_import
from voting.sessions.models import Attendance, Deputy, LoginLink

TITLE = "2023年民生实事项目票决"
ROSTER_CSV = "姓名,代表团,代表证号,用户名\n新代表,道里区代表团,900,\n".encode()


def _poll(s, session_id: int, status: str = "open", title: str = TITLE) -> Poll:
    """A poll row in `status` (the freeze reads only the status, not the key)."""
    return poll_in_database(s, None, session_id, candidates=0, seats=1, max_choices=1,
                            status=status, title=title)


def _set_status(app, poll_id: int, status: str) -> None:
    with app_db(app) as s:
        s.get(Poll, poll_id).status = status


def _audit_count(s) -> int:
    return s.scalar(select(func.count(AuditEntry.seq)))


@pytest.fixture
def frozen(app, sitting):
    """Three active deputies (d001 checked in), then an open poll of the sitting."""
    congress_id, session_id = sitting
    with app_db(app) as s:
        clerk = user(s, "clerk")
        pairs = add_deputies(s, clerk, congress_id, 3)
        attendance.check_in(s, clerk, session_id=session_id, deputy_id=pairs[0][0].id,
                            by_desk=True)
        poll = _poll(s, session_id)
        return {"congress_id": congress_id, "session_id": session_id, "poll_id": poll.id,
                "deputies": [d.id for d, _ in pairs], "passwords": [p for _, p in pairs]}


# ---- services ----------------------------------------------------------------------------

def _refused(call, title=TITLE):
    with pytest.raises(Conflict) as exc:
        call()
    assert exc.value.code == "roster_frozen"
    assert title in str(exc.value.message)
    return exc.value


def test_every_roster_change_is_refused_while_a_poll_is_open(app, frozen):
    congress_id, (first, second, third) = frozen["congress_id"], frozen["deputies"]
    with app_db(app) as s:
        clerk = user(s, "clerk")
        before = _audit_count(s)
        hashes = {d.id: d.user.password_hash for d in s.scalars(select(Deputy))}
        message = _refused(lambda: roster.add_deputy(s, clerk, hash_method=HASH, congress_id=congress_id,
                                                     name="新代表", number="900",
                                                     delegation=None))
        assert "冻结" in str(message.message)
        _refused(lambda: roster.update_deputy(s, clerk, deputy_id=second, name="改名",
                                              number="002", delegation=None))
        _refused(lambda: roster.set_deputy_active(s, clerk, deputy_id=second, active=False))
        _refused(lambda: credentials.reset_credentials(s, clerk, hash_method=HASH, deputy_ids=[second]))
        _refused(lambda: credentials.deputies_to_reset(s, [second]))
        _refused(lambda: credentials.issue_login_link(s, s.get(Deputy, third).user_id))
        _refused(lambda: roster_import.check_roster(s, congress_id, "r.csv", ROSTER_CSV))
        _refused(lambda: roster_import.import_roster(s, clerk, hash_method=HASH, congress_id=congress_id,
                                                     filename="r.csv", data=ROSTER_CSV))
        s.flush()
        assert s.scalar(select(func.count(Deputy.id))) == 3
        assert {d.id: d.user.password_hash for d in s.scalars(select(Deputy))} == hashes
        assert s.get(Deputy, second).name == "代表002" and s.get(Deputy, second).active
        assert s.scalar(select(func.count(LoginLink.id))) == 0
        assert _audit_count(s) == before


def test_reactivating_is_refused_too(app, sitting):
    congress_id, session_id = sitting
    with app_db(app) as s:
        clerk = user(s, "clerk")
        (gone, _), = add_deputies(s, clerk, congress_id, 1)
        roster.set_deputy_active(s, clerk, deputy_id=gone.id, active=False)
        _poll(s, session_id)
        _refused(lambda: roster.set_deputy_active(s, clerk, deputy_id=gone.id, active=True))
        assert not s.get(Deputy, gone.id).active and not s.get(Deputy, gone.id).user.active


def test_a_poll_of_another_session_of_the_congress_freezes_the_roster(app, sitting):
    congress_id, _ = sitting
    with app_db(app) as s:
        clerk = user(s, "clerk")
        other = congresses.create_session(s, clerk, congress_id=congress_id, name="第三次会议",
                                          year=2024)
        _poll(s, other.id, title="另一会议的票决")
        _refused(lambda: roster.add_deputy(s, clerk, hash_method=HASH, congress_id=congress_id, name="新代表",
                                           number="900", delegation=None), "另一会议的票决")


def test_another_congress_is_not_frozen(app, frozen):
    with app_db(app) as s:
        clerk = user(s, "clerk")
        elsewhere = congresses.create_congress(s, clerk, name="道里区第十八届人民代表大会", term=18)
        deputy, _ = roster.add_deputy(s, clerk, hash_method=HASH, congress_id=elsewhere.id, name="区代表",
                                      number="001", delegation=None)
        assert credentials.reset_credentials(s, clerk, hash_method=HASH, deputy_ids=[deputy.id])


@pytest.mark.parametrize("status", ["draft", "closed", "tallied", "published"])
def test_only_an_open_poll_freezes(app, sitting, status):
    congress_id, session_id = sitting
    with app_db(app) as s:
        clerk = user(s, "clerk")
        _poll(s, session_id, status=status)
        deputy, _ = roster.add_deputy(s, clerk, hash_method=HASH, congress_id=congress_id, name="新代表",
                                      number="900", delegation=None)
        roster.update_deputy(s, clerk, deputy_id=deputy.id, name="新代表", number="901",
                             delegation=None)
        assert credentials.reset_credentials(s, clerk, hash_method=HASH, deputy_ids=[deputy.id])
        attendance.check_in(s, clerk, session_id=session_id, deputy_id=deputy.id, by_desk=True)
        assert attendance.is_checked_in(s, session_id, deputy.id)


def test_check_in_is_closed_while_a_poll_of_the_session_is_open(app, frozen):
    session_id, (first, second, _) = frozen["session_id"], frozen["deputies"]
    with app_db(app) as s:
        clerk = user(s, "clerk")
        deputy = s.get(Deputy, second)
        for actor, by_desk in ((clerk, True), (deputy.user, False)):
            with pytest.raises(Conflict) as exc:
                attendance.check_in(s, actor, session_id=session_id, deputy_id=second,
                                    by_desk=by_desk)
            assert exc.value.code == "roster_frozen" and TITLE in str(exc.value.message)
            assert "签到" in str(exc.value.message)
        assert not attendance.is_checked_in(s, session_id, second)
        # Already checked in: nothing changes, the answer stays idempotent.
        again = attendance.check_in(s, s.get(Deputy, first).user, session_id=session_id,
                                    deputy_id=first, by_desk=False)
        assert again.by_desk
        assert s.scalar(select(func.count(Attendance.id))) == 1


def test_check_in_to_another_session_stays_open(app, frozen):
    with app_db(app) as s:
        clerk = user(s, "clerk")
        other = congresses.create_session(s, clerk, congress_id=frozen["congress_id"],
                                          name="第三次会议", year=2024)
        attendance.check_in(s, clerk, session_id=other.id, deputy_id=frozen["deputies"][1],
                            by_desk=True)
        assert attendance.is_checked_in(s, other.id, frozen["deputies"][1])


def test_the_freeze_ends_when_the_poll_closes(app, frozen):
    _set_status(app, frozen["poll_id"], "closed")
    with app_db(app) as s:
        clerk = user(s, "clerk")
        attendance.check_in(s, clerk, session_id=frozen["session_id"],
                            deputy_id=frozen["deputies"][1], by_desk=True)
        assert credentials.reset_credentials(s, clerk, hash_method=HASH, deputy_ids=[frozen["deputies"][1]])


def test_refusal_in_english(app, frozen):
    from voting import db

    with app.test_request_context("/?lang=en"):
        s = db.session()
        with pytest.raises(Conflict) as exc:
            roster.add_deputy(s, user(s, "clerk"), hash_method=HASH, congress_id=frozen["congress_id"],
                              name="新代表", number="900", delegation=None)
        text = str(exc.value.message)
        assert text.startswith("The roster is frozen while the poll “" + TITLE), text
        s.rollback()


# ---- pages -------------------------------------------------------------------------------

def test_roster_page_shows_the_freeze_with_buttons_disabled(app, client, secretariat, frozen):
    html = client.get(f"/sessions/congresses/{frozen['congress_id']}/deputies").get_data(
        as_text=True)
    assert "data-frozen" in html and TITLE in html and "冻结" in html
    assert f'href="/sessions/congresses/{frozen["congress_id"]}/deputies/new"' not in html
    assert html.count('name="deputy_id"') == 3 and html.count(" disabled>") >= 3
    assert 'class="button" disabled>' in html  # the reset button
    _set_status(app, frozen["poll_id"], "closed")
    html = client.get(f"/sessions/congresses/{frozen['congress_id']}/deputies").get_data(
        as_text=True)
    assert "data-frozen" not in html
    assert f'href="/sessions/congresses/{frozen["congress_id"]}/deputies/new"' in html


def test_roster_posts_are_refused_and_change_nothing(app, client, secretariat, frozen):
    congress_id, second = frozen["congress_id"], frozen["deputies"][1]
    r = client.post(f"/sessions/congresses/{congress_id}/deputies/new",
                    data={"name": "新代表", "number": "900", "delegation": "", "username": "",
                          "csrf_token": secretariat})
    assert r.status_code == 422 and TITLE in r.get_data(as_text=True)
    page = client.get(f"/sessions/deputies/{second}/edit").get_data(as_text=True)
    assert "data-frozen" in page and TITLE in page
    r = client.post(f"/sessions/deputies/{second}/edit",
                    data={"name": "改名", "number": "002", "delegation": "",
                          "csrf_token": secretariat})
    assert r.status_code == 422 and TITLE in r.get_data(as_text=True)
    r = client.post(f"/sessions/deputies/{second}/active",
                    data={"active": "0", "csrf_token": secretariat})
    assert r.status_code == 302
    assert TITLE in client.get(r.headers["Location"]).get_data(as_text=True)
    for data in ({}, {"confirmed": "yes"}):
        r = client.post("/sessions/deputies/reset",
                        data={"deputy_id": [second], "csrf_token": secretariat, **data})
        assert r.status_code == 302
        assert TITLE in client.get(r.headers["Location"]).get_data(as_text=True)
    r = client.post(f"/sessions/congresses/{congress_id}/import",
                    data={"file": (io.BytesIO(ROSTER_CSV), "roster.csv"),
                          "csrf_token": secretariat}, content_type="multipart/form-data")
    assert r.status_code == 422 and TITLE in r.get_data(as_text=True)
    with app_db(app) as s:
        assert s.scalar(select(func.count(Deputy.id))) == 3
        deputy = s.get(Deputy, second)
        assert deputy.name == "代表002" and deputy.active
        assert s.scalar(select(func.count(AuditEntry.seq)).where(
            AuditEntry.action.in_(("deputy.add", "deputy.update", "deputy.deactivate",
                                   "deputy.reset_credential", "roster.import")))) == 3
    login(app.test_client(), "d002", frozen["passwords"][1])  # the old password still works


def test_desk_shows_the_freeze_and_refuses_check_in(app, client, secretariat, frozen):
    session_id, second = frozen["session_id"], frozen["deputies"][1]
    html = client.get(f"/sessions/{session_id}/desk?q=代表").get_data(as_text=True)
    assert "data-frozen" in html and TITLE in html
    assert html.count('aria-label="为 代表002 签到" disabled') == 1
    r = client.post(f"/sessions/{session_id}/desk/{second}",
                    data={"q": "", "csrf_token": secretariat})
    assert r.status_code == 302
    assert "签到已暂停" in client.get(r.headers["Location"]).get_data(as_text=True)
    with app_db(app) as s:
        assert not attendance.is_checked_in(s, session_id, second)


def test_deputy_page_shows_the_freeze_and_refuses_self_check_in(app, client, frozen):
    session_id, second = frozen["session_id"], frozen["deputies"][1]
    login(client, "d002", frozen["passwords"][1])
    html = client.get("/my/sessions").get_data(as_text=True)
    assert "data-frozen" in html and TITLE in html
    assert 'class="button primary big" disabled>' in html
    r = client.post(f"/my/sessions/{session_id}/check-in", data={"csrf_token": csrf_of(html)})
    assert r.status_code == 302
    assert TITLE in client.get(r.headers["Location"]).get_data(as_text=True)
    with app_db(app) as s:
        assert not attendance.is_checked_in(s, session_id, second)
    _set_status(app, frozen["poll_id"], "closed")
    html = client.get("/my/sessions").get_data(as_text=True)
    assert "data-frozen" not in html
    r = client.post(f"/my/sessions/{session_id}/check-in", data={"csrf_token": csrf_of(html)})
    with app_db(app) as s:
        assert attendance.is_checked_in(s, session_id, second)


# ---- the reset's confirmation ------------------------------------------------------------

def test_reset_asks_for_confirmation_listing_the_deputies(app, client, secretariat, sitting):
    congress_id, _ = sitting
    with app_db(app) as s:
        pairs = add_deputies(s, user(s, "clerk"), congress_id, 3)
        ids = [d.id for d, _ in pairs[:2]]
        hashes = {d.id: d.user.password_hash for d, _ in pairs}
    r = client.post("/sessions/deputies/reset", data={"deputy_id": ids, "csrf_token": secretariat})
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and 'class="slip"' not in html
    assert "代表001" in html and "代表002" in html and "代表003" not in html
    assert html.count('type="hidden" name="deputy_id"') == 2
    assert 'name="confirmed" value="yes"' in html and "<script>" not in html
    with app_db(app) as s:
        assert {d.id: d.user.password_hash for d in s.scalars(select(Deputy))} == hashes
        assert s.scalar(select(func.count(AuditEntry.seq)).where(
            AuditEntry.action == "deputy.reset_credential")) == 0
    r = client.post("/sessions/deputies/reset", data={"deputy_id": ids, "csrf_token": csrf_of(html),
                                                      "confirmed": "yes"})
    assert r.status_code == 200 and r.get_data(as_text=True).count('class="slip"') == 2
    with app_db(app) as s:
        changed = {d.id for d in s.scalars(select(Deputy)) if d.user.password_hash != hashes[d.id]}
        assert changed == set(ids)


def test_reset_without_a_deputy_says_so(app, client, secretariat, sitting):
    r = client.post("/sessions/deputies/reset", data={"csrf_token": secretariat})
    assert r.status_code == 302
    assert "请至少选择一名代表" in client.get(r.headers["Location"]).get_data(as_text=True)


def test_a_preview_checked_before_the_poll_opened_cannot_be_imported_after(app, client,
                                                                           secretariat, sitting):
    from tests.sessions.test_import import GOOD, _confirm, _upload

    congress_id, session_id = sitting
    html = _upload(client, congress_id, GOOD, secretariat).get_data(as_text=True)
    assert "将添加 3 名代表" in html
    with app_db(app) as s:
        _poll(s, session_id)
    r = _confirm(client, congress_id, html, secretariat)
    assert r.status_code == 422 and TITLE in r.get_data(as_text=True)
    assert 'class="slip"' not in r.get_data(as_text=True)
    with app_db(app) as s:
        assert s.scalar(select(func.count(Deputy.id))) == 0
