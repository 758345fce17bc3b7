"""The sign-in throttle: a growing delay per account (never a lock), a limit per address, and a
browser that signed in to the account before is not locked out by strangers."""

import secrets
import time

import pytest
from werkzeug.security import generate_password_hash

from tests.helpers import login
from voting import create_app, db
from voting.auth import services
from voting.auth.throttle import DEVICE_COOKIE, account_delay, login_throttle
from voting.auth.credentials import issue_login_link

LOGIN = "/api/v1/auth/login"


def _try(client, username="alice", password="wrong-pass"):
    return client.post(LOGIN, json={"username": username, "password": password})


def _from(app, address):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


@pytest.fixture
def quick(app):
    """Small numbers, so that a test sees the delay grow within a few seconds."""
    app.config.update(LOGIN_ACCOUNT_FREE_FAILURES=2, LOGIN_ACCOUNT_MAX_DELAY=2)
    return app


def test_account_delay_grows_and_is_capped():
    assert [account_delay(n, 5, 60) for n in range(1, 13)] == [0, 0, 0, 0, 1, 2, 4, 8, 16, 32, 60, 60]
    assert account_delay(10_000, 5, 60) == 60


def test_account_gets_a_growing_delay_never_a_lock(quick, make_user):
    make_user("alice", "deputy")
    attacker = _from(quick, "10.0.0.66")
    assert _try(attacker).status_code == 401
    assert _try(attacker).status_code == 401  # the second failure starts a 1 s delay
    r = _try(attacker, password="correct-horse")
    assert r.status_code == 429 and r.headers["Retry-After"] == "1"
    body = r.get_json()
    assert body["error"] == "too_many_requests" and "秒后再试" in body["message"]
    time.sleep(1.1)
    assert _try(attacker).status_code == 401  # tried again after the wait: 2 s now
    r = _try(attacker)
    assert r.status_code == 429 and r.headers["Retry-After"] == "2"
    time.sleep(2.1)
    assert _try(attacker).status_code == 401
    assert _try(attacker).headers["Retry-After"] == "2"  # capped
    time.sleep(2.1)
    # The deputy is never locked for longer than the cap, and the right password resets it.
    assert _try(_from(quick, "10.0.0.7"), password="correct-horse").status_code == 200
    assert _try(attacker).status_code == 401
    assert _try(attacker).status_code == 401


def test_a_stranger_cannot_lock_a_deputy_out_of_their_own_phone(app, make_user):
    make_user("alice", "deputy")
    make_user("bob", "deputy")
    phone = _from(app, "10.0.0.7")
    token = login(phone, "alice")
    phone.post("/logout", headers={"X-CSRFToken": token})
    assert phone.get_cookie(DEVICE_COOKIE, path=LOGIN) is not None
    attacker = _from(app, "10.0.0.7")  # in the same hall, behind the same address
    codes = [_try(attacker).status_code for _ in range(30)]
    assert codes[:5] == [401] * 5 and codes[-1] == 429
    assert _try(_from(app, "10.0.0.8"), password="correct-horse").status_code == 429
    # Her phone signs in at once.
    assert _try(phone, password="correct-horse").status_code == 200
    # Alice's device cookie vouches for alice only.
    for _ in range(5):
        _try(attacker, "bob")
    assert _try(phone, "bob", password="correct-horse").status_code == 429


def test_a_recognised_browser_has_its_own_limit(app, make_user):
    app.config["LOGIN_DEVICE_LIMIT"] = "3 per minute"
    make_user("alice", "deputy")
    phone = _from(app, "10.0.0.7")
    login(phone, "alice")
    assert [_try(phone).status_code for _ in range(4)] == [401, 401, 401, 429]
    assert _try(_from(app, "10.0.0.8"), password="correct-horse").status_code == 200


def test_the_address_limit_counts_failures_across_accounts(app, make_user):
    app.config["LOGIN_ADDRESS_LIMIT"] = "3 per minute"
    make_user("alice", "deputy")
    guesser = _from(app, "10.0.0.66")
    assert [_try(guesser, name).status_code for name in ("a1", "a2", "a3")] == [401] * 3
    r = _try(guesser, "alice", "correct-horse")
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
    assert _try(_from(app, "10.0.0.7"), "alice", "correct-horse").status_code == 200


def test_successful_sign_ins_do_not_count_against_a_hall_address(app, make_user):
    app.config["LOGIN_ADDRESS_LIMIT"] = "3 per minute"
    for i in range(6):
        make_user(f"d{i}", "deputy")
    hall = _from(app, "10.0.0.1")
    assert [_try(hall, f"d{i}", "correct-horse").status_code for i in range(6)] == [200] * 6


def test_the_qr_link_bypasses_the_account_throttle(quick, make_user):
    uid = make_user("alice", "deputy")
    attacker = _from(quick, "10.0.0.66")
    for _ in range(3):
        _try(attacker)
    assert _try(attacker, password="correct-horse").status_code == 429
    with quick.test_request_context():
        s = db.session()
        token = issue_login_link(s, uid)
        s.commit()
    phone = _from(quick, "10.0.0.66")
    assert phone.get(f"/login/qr/{token}").status_code == 302
    assert phone.get("/api/v1/auth/me").get_json()["username"] == "alice"
    # The QR sign-in vouches for the phone and starts the account's delay over.
    assert _try(_from(quick, "10.0.0.9"), password="correct-horse").status_code == 200


def test_sign_in_page_is_throttled_with_a_clear_message(quick, make_user):
    make_user("staff", "secretariat")
    client = quick.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    form = {"username": "staff", "password": "bad-password", "csrf_token": token}
    assert [client.post("/login", data=form).status_code for _ in range(2)] == [401, 401]
    r = client.post("/login", data=dict(form, password="correct-horse"))
    assert r.status_code == 429 and r.headers["Retry-After"] == "1"
    assert "登录尝试过多" in r.get_data(as_text=True)
    client.get("/lang/en")
    r = client.post("/login", data=dict(form, password="correct-horse"))
    assert r.status_code == 429 and "Too many sign-in attempts" in r.get_data(as_text=True)


def test_redis_counters_are_shared_by_workers(app, make_user, tmp_path):
    """Two app instances (two gunicorn workers) on the real Redis see one count."""
    import redis

    prefix = f"test-signin-{secrets.token_hex(6)}"
    settings = dict(DATABASE_URL=app.config["DATABASE_URL"],
                    RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379", LOGIN_THROTTLE_PREFIX=prefix,
                    LOGIN_ACCOUNT_FREE_FAILURES=2, LOGIN_ACCOUNT_MAX_DELAY=30)
    workers = [create_app("test", instance_path=str(tmp_path / f"w{i}"), **settings)
               for i in range(2)]
    conn = redis.Redis.from_url("redis://127.0.0.1:6379")
    try:
        make_user("alice", "deputy")
        one, two = (_from(w, "10.0.0.66") for w in workers)
        assert _try(one).status_code == 401
        assert _try(two).status_code == 401  # the second failure, counted across workers
        r = _try(one, password="correct-horse")
        assert r.status_code == 429
        assert conn.keys(f"*{prefix}*")
    finally:
        for key in conn.scan_iter(f"*{prefix}*"):
            conn.delete(key)
        for w in workers:
            w.extensions["db_engine"].dispose()
    assert conn.keys(f"*{prefix}*") == []
    conn.close()


@pytest.mark.parametrize("method", ["scrypt", "pbkdf2:sha256:1000"])
def test_unknown_user_is_checked_against_a_hash_of_the_configured_method(app, monkeypatch,
                                                                          make_user, method):
    app.config["PASSWORD_HASH_METHOD"] = method
    make_user("alice", "deputy")
    checked = []
    real_check = services.check_password_hash
    monkeypatch.setattr(services, "check_password_hash",
                        lambda pwhash, password: checked.append(pwhash) or real_check(pwhash, password))
    with app.app_context():
        s = db.session()
        assert services.authenticate(s, "nobody", "some-password", method=method) is None
        assert services.authenticate(s, "alice", "some-password", method=method) is None
    unknown, known = checked
    # Same method and parameters (everything before the salt) as a real hash, so the same time.
    real = generate_password_hash("x", method=method)
    assert unknown.split("$")[0] == known.split("$")[0] == real.split("$")[0]
    assert unknown.split("$")[0].startswith(method.split(":")[0])


def test_throttle_is_per_app(app, tmp_path):
    other = create_app("test", instance_path=str(tmp_path / "other"),
                       DATABASE_URL=app.config["DATABASE_URL"])
    assert login_throttle(app) is not login_throttle(other)
    assert login_throttle(app) is login_throttle(app)
    other.extensions["db_engine"].dispose()
