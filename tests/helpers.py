"""Plain helpers every test may import (the fixtures built on them live in tests/conftest.py):
the database in a short request context, accounts and deputies, signing in through the API
or in a browser, and the CSRF token of a page.

Client tests arrange and inspect data inside `app_db(app)` blocks rather than through `dbs`:
while `dbs` holds its app context, every request shares its `g`, and with it the signed-in
user of whichever client went first.
"""

from __future__ import annotations

import os
import re
import socket
from contextlib import contextmanager

from sqlalchemy import select

from config import TestConfig

from tests.lazy_playwright import expect
from voting import db
from voting.auth.models import User
from voting.sessions import roster

PG_URL = os.environ.get("TEST_DATABASE_URL")
PASSWORD = "correct-horse"
# The test configuration's password hashing (fast): what the request edge passes in production.
HASH = TestConfig.PASSWORD_HASH_METHOD

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2,
         "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}


@contextmanager
def app_db(app):
    """A database session in a short request context (domain errors translate their message
    for the request's locale); commits what the block did."""
    with app.test_request_context():
        s = db.session()
        yield s
        s.commit()


def user(s, username: str) -> User:
    return s.scalar(select(User).where(User.username == username))


def add_deputies(s, actor, congress_id: int, n: int, *, start: int = 1,
                 delegation: str | None = "道里区代表团"):
    """n deputies numbered from `start`; returns [(deputy, password)]."""
    return [roster.add_deputy(s, actor, hash_method=HASH, congress_id=congress_id, name=f"代表{i:03d}",
                              number=f"{i:03d}", delegation=delegation)
            for i in range(start, start + n)]


def add_staff(s, username: str) -> None:
    """A secretariat account `username`, flushed (for tests of what a transaction keeps)."""
    from voting.auth.services import create_user

    create_user(s, hash_method=HASH, username=username, password=PASSWORD, role="secretariat",
                display_name=username)
    s.flush()


def stored_usernames(app) -> list[str]:
    """The usernames in the database, as another connection sees them."""
    with app.app_context():
        s = db.new_session()
        try:
            return list(s.scalars(select(User.username).order_by(User.username)))
        finally:
            s.close()


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def csrf_meta(html: str) -> str:
    """The CSRF token every page carries in its <meta name="csrf-token">."""
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', html).group(1)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now (for a server a test starts)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def login(client, username, password=PASSWORD):
    """Sign in through the JSON API; returns the CSRF token for later JSON POSTs."""
    r = client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert r.status_code == 200, r.get_data(as_text=True)
    return r.get_json()["csrf_token"]


def sign_in(page, base: str, username: str = "d001", password: str = PASSWORD) -> None:
    """Sign in on the login page in a browser, and wait until the signed-in page is there."""
    page.goto(f"{base}/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("button", name="退出")).to_be_visible()
