"""Credential slips, one-time QR sign-in links, and credential resets."""

from datetime import timedelta

from sqlalchemy import select, update

from tests.helpers import HASH, add_deputies, app_db, login, user
from voting.audit.models import AuditEntry
from voting.auth.models import User
from voting.db import utcnow
from voting.auth import credentials
from voting.sessions import roster
from voting.sessions.models import LoginLink


def _deputy_with_link(app, congress_id):
    """A deputy, their password and a fresh QR token."""
    with app_db(app) as s:
        (deputy, password), = add_deputies(s, user(s, "clerk"), congress_id, 1)
        token = credentials.issue_login_link(s, deputy.user_id)
        return deputy.id, deputy.user.username, password, token


def _me(client):
    r = client.get("/api/v1/auth/me")
    return r.get_json()["username"] if r.status_code == 200 else None


def test_qr_link_signs_in_once(app, sitting):
    _, username, _, token = _deputy_with_link(app, sitting[0])
    phone = app.test_client()
    r = phone.get(f"/login/qr/{token}")
    assert r.status_code == 302 and r.headers["Location"] == "/my/sessions"
    assert _me(phone) == username
    other = app.test_client()
    r = other.get(f"/login/qr/{token}")
    assert r.status_code == 410 and "用户名和密码" in r.get_data(as_text=True)
    assert _me(other) is None


def test_only_the_token_hash_is_stored(app, sitting):
    _, _, _, token = _deputy_with_link(app, sitting[0])
    with app_db(app) as s:
        link = s.scalar(select(LoginLink))
    assert token not in link.token_hash and len(link.token_hash) == 64


def test_expired_or_unknown_link_does_not_sign_in(app, sitting):
    _, _, _, token = _deputy_with_link(app, sitting[0])
    with app_db(app) as s:
        s.execute(update(LoginLink).values(expires_at=utcnow() - timedelta(seconds=1)))
    client = app.test_client()
    assert client.get(f"/login/qr/{token}").status_code == 410
    assert client.get("/login/qr/not-a-token").status_code == 410
    assert _me(client) is None


def test_link_of_a_deactivated_deputy_does_not_sign_in(app, sitting):
    deputy_id, _, password, token = _deputy_with_link(app, sitting[0])
    with app_db(app) as s:
        roster.set_deputy_active(s, user(s, "clerk"), deputy_id=deputy_id, active=False)
    client = app.test_client()
    assert client.get(f"/login/qr/{token}").status_code == 410


def test_reset_invalidates_old_password_session_and_qr_link(app, sitting):
    deputy_id, username, old_password, old_token = _deputy_with_link(app, sitting[0])
    phone = app.test_client()
    login(phone, username, old_password)
    assert _me(phone) == username
    with app_db(app) as s:
        cred, = credentials.reset_credentials(s, user(s, "clerk"), hash_method=HASH, deputy_ids=[deputy_id])
        new_password, new_token = cred.password, cred.login_token
    assert new_password != old_password and new_token != old_token
    assert _me(phone) is None  # the old session is signed out
    r = phone.post("/api/v1/auth/login", json={"username": username, "password": old_password})
    assert r.status_code == 401
    assert app.test_client().get(f"/login/qr/{old_token}").status_code == 410
    login(app.test_client(), username, new_password)
    assert app.test_client().get(f"/login/qr/{new_token}").status_code == 302
    with app_db(app) as s:
        entry = s.scalar(select(AuditEntry).where(AuditEntry.action == "deputy.reset_credential"))
        assert entry.actor == "clerk" and entry.object_id == str(deputy_id)
        assert new_password not in str(entry.details)


def test_reset_through_the_page_prints_new_slips(app, client, secretariat, sitting):
    congress_id, _ = sitting
    with app_db(app) as s:
        pairs = add_deputies(s, user(s, "clerk"), congress_id, 3)
        ids = [d.id for d, _ in pairs[:2]]
        untouched = pairs[2][0].user.password_hash
    r = client.post("/sessions/deputies/reset", data={"deputy_id": ids, "csrf_token": secretariat,
                                                      "confirmed": "yes"})
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    assert html.count('class="slip"') == 2 and html.count('<svg viewBox') == 2
    with app_db(app) as s:
        assert s.scalar(select(User.password_hash).where(User.username == "d003")) == untouched


def test_slips_page_after_adding_a_deputy_shows_password_and_qr(app, client, secretariat, sitting):
    congress_id, _ = sitting
    r = client.post(f"/sessions/congresses/{congress_id}/deputies/new",
                    data={"name": "张三", "number": "001", "delegation": "道里区代表团",
                          "username": "", "csrf_token": secretariat})
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    assert '<svg viewBox' in html and 'class="qr"' in html and "d001" in html
    password = html.split('class="slip-password">')[1].split("<")[0]
    url = html.split('data-login-url="')[1].split('"')[0]
    assert url.startswith("http://localhost/login/qr/")
    with app_db(app) as s:
        stored = s.scalar(select(User).where(User.username == "d001"))
        assert stored.role == "deputy" and password not in stored.password_hash
    login(app.test_client(), "d001", password)
    assert app.test_client().get(url.removeprefix("http://localhost")).status_code == 302


def test_deactivated_deputy_cannot_be_reset(app, client, secretariat, sitting):
    deputy_id, _, _, _ = _deputy_with_link(app, sitting[0])
    with app_db(app) as s:
        roster.set_deputy_active(s, user(s, "clerk"), deputy_id=deputy_id, active=False)
    r = client.post("/sessions/deputies/reset", data={"deputy_id": [deputy_id],
                                                      "csrf_token": secretariat})
    assert r.status_code == 302
    assert "停用" in client.get(r.headers["Location"]).get_data(as_text=True)
