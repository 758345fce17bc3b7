"""Staff accounts: the secretariat makes tellers' (and units') accounts on a page or from the
command line; the password is shown once; a reset ends the old sessions."""

from __future__ import annotations

import re

from sqlalchemy import select

from tests.helpers import login
from voting import db
from voting.audit.models import AuditEntry
from voting.auth.models import User


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def _create(client, **fields):
    page = client.get("/accounts")
    assert page.status_code == 200
    return client.post("/accounts", data={"csrf_token": _csrf(page.get_data(as_text=True)),
                                          **fields})


def _issued_password(html: str) -> str:
    return re.search(r'<output id="issued-password">([^<]+)</output>', html).group(1)


def test_the_secretariat_creates_a_teller_who_can_then_sign_in(app, client, secretariat):
    r = _create(client, username="teller1", display_name="计票人甲", role="teller")
    assert r.status_code == 201
    html = r.get_data(as_text=True)
    assert "只显示这一次" in html and "计票人甲" in html
    password = _issued_password(html)
    with app.app_context():
        user = db.session().scalar(select(User).where(User.username == "teller1"))
        assert user.role == "teller" and password not in user.password_hash
        entry = db.session().scalar(select(AuditEntry).where(AuditEntry.action == "account.create"))
        assert entry.details == {"username": "teller1", "role": "teller", "display_name": "计票人甲"}
        assert password not in str(entry.details)
    other = app.test_client()
    assert other.post("/api/v1/auth/login", json={"username": "teller1", "password": password}
                      ).get_json()["role"] == "teller"
    # The password is not in the session cookie (a flash message would put it there).
    assert all(password not in c.value for c in client._cookies.values())
    # …and is not shown again.
    assert password not in client.get("/accounts").get_data(as_text=True)


def test_bad_input_changes_nothing_and_says_why(app, client, secretariat):
    r = _create(client, username="secretariat", display_name="重名", role="teller")
    assert r.status_code == 422 and "已被占用" in r.get_data(as_text=True)
    r = _create(client, username="someone", display_name="代表", role="deputy")
    assert r.status_code == 422
    with app.app_context():
        assert db.session().scalar(select(User).where(User.username == "someone")) is None


def test_only_the_secretariat_manages_accounts(client, make_user):
    make_user("teller9", "teller")
    login(client, "teller9")
    assert client.get("/accounts").status_code == 403
    assert client.post("/accounts", data={}).status_code in (400, 403)


def test_a_reset_ends_the_old_sessions(app, client, secretariat):
    password = _issued_password(_create(client, username="unit1", display_name="市住建局",
                                        role="unit").get_data(as_text=True))
    teller = app.test_client()
    login(teller, "unit1", password)
    assert teller.get("/api/v1/auth/me").status_code == 200
    with app.app_context():
        uid = db.session().scalar(select(User.id).where(User.username == "unit1"))
    page = client.get("/accounts").get_data(as_text=True)
    r = client.post(f"/accounts/{uid}/password", data={"csrf_token": _csrf(page)})
    new = _issued_password(r.get_data(as_text=True))
    assert new != password
    assert teller.get("/api/v1/auth/me").status_code == 401
    login(app.test_client(), "unit1", new)


def test_deactivation_signs_out_and_is_refused_for_oneself(app, client, secretariat):
    password = _issued_password(_create(client, username="teller2", display_name="计票人乙",
                                        role="teller").get_data(as_text=True))
    teller = app.test_client()
    login(teller, "teller2", password)
    with app.app_context():
        s = db.session()
        uid = s.scalar(select(User.id).where(User.username == "teller2"))
        own = s.scalar(select(User.id).where(User.username == "secretariat"))
    csrf = _csrf(client.get("/accounts").get_data(as_text=True))
    client.post(f"/accounts/{uid}/active/0", data={"csrf_token": csrf})
    assert teller.get("/api/v1/auth/me").status_code == 401
    r = client.post(f"/accounts/{own}/active/0", data={"csrf_token": csrf},
                    follow_redirects=True)
    assert "不能停用自己的账户" in r.get_data(as_text=True)
    with app.app_context():
        assert db.session().get(User, own).active


def test_the_command_line_adds_a_teller(app):
    result = app.test_cli_runner().invoke(args=["account", "add", "teller3", "--name", "计票人丙",
                                                "--role", "teller"])
    assert result.exit_code == 0, result.output
    username, password = result.output.strip().split(" / ")
    assert username == "teller3"
    login(app.test_client(), "teller3", password)
