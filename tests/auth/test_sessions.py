"""Login sessions live in the database: sign-out, idle time, lifetime and credential resets end
them server-side, whatever copy of the cookie is left."""

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import select, update

import config
from tests.helpers import HASH, login
from voting import create_app, db
from voting.auth.models import LoginSession, User
from voting.auth.services import set_password
from voting.db import utcnow


def _me(client):
    r = client.get("/api/v1/auth/me")
    return r.get_json()["username"] if r.status_code == 200 else None


def _rows(app):
    with app.app_context():
        return list(db.session().scalars(select(LoginSession).order_by(LoginSession.created_at)))


def _age(app, *, created=None, seen=None):
    """Move every session's times back by the given amounts."""
    with app.app_context():
        s = db.session()
        for row in s.scalars(select(LoginSession)):
            if created is not None:
                row.created_at -= created
            if seen is not None:
                row.last_seen_at -= seen
                row.last_seen_at = max(row.last_seen_at, row.created_at)
        s.commit()


def _copy_cookie(app, client):
    """A second browser holding a copy of `client`'s session cookie."""
    name = app.config["SESSION_COOKIE_NAME"]
    thief = app.test_client()
    thief.set_cookie(name, client.get_cookie(name).value)
    return thief


def test_sign_out_ends_the_session_for_every_copy_of_the_cookie(app, client, make_user):
    make_user("staff", "secretariat")
    token = login(client, "staff")
    thief = _copy_cookie(app, client)
    assert _me(thief) == "staff"
    r = client.post("/logout", headers={"X-CSRFToken": token})
    assert r.status_code == 302
    assert _me(client) is None
    assert _me(thief) is None  # the saved cookie no longer signs anyone in
    row, = _rows(app)
    assert row.ended_at is not None


def test_cookie_holds_a_random_session_id_and_the_database_only_its_hash(app, client, make_user):
    uid = make_user("staff", "secretariat")
    login(client, "staff")
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
    data = app.session_interface.get_signing_serializer(app).loads(cookie)
    session_id = data["_user_id"]
    assert str(uid) not in session_id.split(":") and len(session_id) >= 40
    row, = _rows(app)
    assert row.id == hashlib.sha256(session_id.encode()).hexdigest() and row.user_id == uid


def test_staff_session_ends_after_the_idle_time(app, client, make_user):
    make_user("staff", "secretariat")
    login(client, "staff")
    _age(app, created=timedelta(minutes=59), seen=timedelta(minutes=59))
    assert _me(client) == "staff"  # and the visit renews the last-seen mark
    _age(app, created=timedelta(minutes=61), seen=timedelta(minutes=61))
    assert _me(client) is None
    row, = _rows(app)
    assert row.ended_at is not None
    _age(app, seen=-timedelta(minutes=61))  # coming back into time does not revive it
    assert _me(client) is None


def test_deputy_keeps_a_ballot_page_open_for_a_sitting_but_not_overnight(app, client, make_user):
    make_user("alice", "deputy")
    login(client, "alice")
    _age(app, created=timedelta(hours=3), seen=timedelta(hours=3))
    assert _me(client) == "alice"
    _age(app, created=timedelta(hours=8, minutes=1), seen=timedelta(hours=8, minutes=1))
    assert _me(client) is None


def test_a_busy_session_still_ends_at_its_lifetime(app, client, make_user):
    make_user("staff", "secretariat")
    login(client, "staff")
    _age(app, created=timedelta(hours=11, minutes=59))
    assert _me(client) == "staff"
    _age(app, created=timedelta(minutes=2))
    assert _me(client) is None


def test_last_seen_is_written_at_most_once_a_minute(app, client, make_user):
    make_user("staff", "secretariat")
    login(client, "staff")
    _age(app, created=timedelta(minutes=5), seen=timedelta(seconds=30))
    before, = _rows(app)
    for _ in range(3):
        assert _me(client) == "staff"
    after, = _rows(app)
    assert after.last_seen_at == before.last_seen_at
    _age(app, seen=timedelta(seconds=40))
    assert _me(client) == "staff"
    renewed, = _rows(app)
    assert renewed.last_seen_at > utcnow() - timedelta(seconds=10)


def test_deputies_sessions_are_marked_less_often(app, client, make_user):
    make_user("alice", "deputy")
    login(client, "alice")
    _age(app, created=timedelta(hours=1), seen=timedelta(minutes=10))
    before, = _rows(app)
    assert _me(client) == "alice"
    assert _rows(app)[0].last_seen_at == before.last_seen_at
    _age(app, seen=timedelta(minutes=6))
    assert _me(client) == "alice"
    assert _rows(app)[0].last_seen_at > utcnow() - timedelta(seconds=10)


def test_new_password_ends_every_session_of_the_user(app, make_user):
    uid = make_user("alice", "deputy")
    phone, tablet = app.test_client(), app.test_client()
    login(phone, "alice")
    login(tablet, "alice")
    with app.app_context():
        s = db.session()
        set_password(s.get(User, uid), "another-password", hash_method=HASH)
        s.commit()
    assert _me(phone) is None and _me(tablet) is None
    assert all(row.ended_at is not None for row in _rows(app))


def test_signing_in_again_ends_the_browsers_earlier_session(app, client, make_user):
    make_user("staff", "secretariat")
    make_user("clerk", "secretariat")
    login(client, "staff")
    thief = _copy_cookie(app, client)
    login(client, "clerk")
    assert _me(client) == "clerk"
    assert _me(thief) is None


def test_deactivated_user_is_signed_out(app, client, make_user):
    uid = make_user("staff", "secretariat")
    login(client, "staff")
    with app.app_context():
        s = db.session()
        s.execute(update(User).where(User.id == uid).values(active=False))
        s.commit()
    assert _me(client) is None


def test_cast_writes_nothing_about_the_session(app, client, make_user):
    make_user("alice", "deputy")
    login(client, "alice")
    _age(app, created=timedelta(hours=1), seen=timedelta(hours=1))  # a touch would be due
    before, = _rows(app)
    r = client.post("/api/v1/polls/1/ballots", json={"msg": "x"})
    assert "Set-Cookie" not in r.headers
    after, = _rows(app)
    assert (after.last_seen_at, after.ended_at) == (before.last_seen_at, before.ended_at)


def test_session_cookie_flags(app, client, make_user, tmp_path):
    make_user("alice", "deputy")
    r = client.post("/api/v1/auth/login", json={"username": "alice", "password": "correct-horse"})
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    secure = create_app("test", instance_path=str(tmp_path / "secure"),
                        DATABASE_URL=app.config["DATABASE_URL"], SESSION_COOKIE_SECURE=True)
    r = secure.test_client().post("/api/v1/auth/login",
                                  json={"username": "alice", "password": "correct-horse"})
    assert r.status_code == 200
    cookies = r.headers.getlist("Set-Cookie")
    assert cookies and all("; Secure" in c for c in cookies)
    secure.extensions["db_engine"].dispose()


@pytest.mark.parametrize("value, expected", [("1", True), ("true", True), ("on", True),
                                             ("", False), ("0", False), ("no", False)])
def test_secure_cookie_flag_from_the_environment(monkeypatch, value, expected):
    monkeypatch.setenv("SESSION_COOKIE_SECURE", value)
    assert config._env_flag("SESSION_COOKIE_SECURE") is expected


def test_a_remember_me_cookie_obeys_the_same_revocation(app, client, make_user):
    from flask_login.utils import encode_cookie

    make_user("staff", "secretariat")
    token = login(client, "staff")
    session_id = app.session_interface.get_signing_serializer(app).loads(
        client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value)["_user_id"]
    with app.test_request_context():
        remembered = encode_cookie(session_id)
    other = app.test_client()
    other.set_cookie(app.config.get("REMEMBER_COOKIE_NAME", "remember_token"), remembered)
    assert _me(other) == "staff"
    client.post("/logout", headers={"X-CSRFToken": token})
    fresh = app.test_client()
    fresh.set_cookie(app.config.get("REMEMBER_COOKIE_NAME", "remember_token"), remembered)
    assert _me(fresh) is None
    assert _me(other) is None
