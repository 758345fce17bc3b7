from flask_login import current_user

from tests.helpers import HASH, login
from voting import db
from voting.auth.models import User
from voting.auth.services import set_password


def test_api_login_returns_csrf_token_and_role(client, make_user):
    make_user("alice", "deputy")
    r = client.post("/api/v1/auth/login", json={"username": "alice", "password": "correct-horse"})
    assert r.status_code == 200
    body = r.get_json()
    assert body["role"] == "deputy" and body["csrf_token"]
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_api_login_wrong_password_is_401(client, make_user):
    make_user("alice", "deputy")
    r = client.post("/api/v1/auth/login", json={"username": "alice", "password": "nope-nope"})
    assert r.status_code == 401
    assert r.get_json()["error"] == "unauthorized"
    r = client.post("/api/v1/auth/login", json={"username": "nobody", "password": "nope-nope"})
    assert r.status_code == 401


def test_api_login_malformed_body_is_400(client):
    assert client.post("/api/v1/auth/login", data="x", content_type="text/plain").status_code == 400
    assert client.post("/api/v1/auth/login", json={"username": 1}).status_code == 400


def test_web_login_form_requires_csrf_and_signs_in(app, client, make_user):
    make_user("staff", "secretariat")
    assert client.post("/login", data={"username": "staff", "password": "correct-horse"}).status_code == 400
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    r = client.post("/login?next=/audit", data={"username": "staff", "password": "correct-horse",
                                               "csrf_token": token})
    assert r.status_code == 302 and r.headers["Location"] == "/audit"
    with client:
        client.get("/")
        assert current_user.username == "staff"


def test_login_page_rejects_open_redirect(client, make_user):
    make_user("staff", "secretariat")
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    r = client.post("/login?next=//evil.example/x", data={"username": "staff", "password": "correct-horse",
                                                          "csrf_token": token})
    assert r.headers["Location"] == "/"


def test_wrong_password_on_form_shows_message_in_chinese(client, make_user):
    make_user("staff", "secretariat")
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    r = client.post("/login", data={"username": "staff", "password": "bad-password", "csrf_token": token})
    assert r.status_code == 401
    assert "用户名或密码错误" in r.get_data(as_text=True)


def test_password_change_signs_out_old_sessions(app, client, make_user):
    uid = make_user("alice", "deputy")
    login(client, "alice")
    assert client.get("/api/v1/auth/me").status_code == 200
    with app.app_context():
        s = db.session()
        set_password(s.get(User, uid), "another-password", hash_method=HASH)
        s.commit()
    assert client.get("/api/v1/auth/me").status_code == 401


def test_language_switch(client):
    assert "候选" in client.get("/").get_data(as_text=True) or "民生" in client.get("/").get_data(as_text=True)
    client.get("/lang/en")
    assert "Livelihood" in client.get("/").get_data(as_text=True)
