"""The app keeps no state in its processes: two gunicorn instances on one database (and one
Redis for the sign-in throttle) serve one vote, requests alternating between them, and every
check of a single instance still holds: one token per deputy, one spend per token, the
throttle's counts shared."""

from __future__ import annotations

import json
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.helpers import PASSWORD, app_db, free_port
from tests.polls import Voter
from voting.ballots.models import Ballot, TokenIssuance

ROOT = Path(__file__).resolve().parent.parent
REDIS = "redis://127.0.0.1:6379"


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


class Device:
    """A browser: its own cookies, talking to whichever instance it is given."""

    def __init__(self):
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    def call(self, base, method, path, body=None, headers=None):
        req = urllib.request.Request(base + path, method=method,
                                     data=None if body is None else json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json",
                                              **(headers or {})})
        try:
            with self.opener.open(req, timeout=30) as r:
                return r.status, json.loads(r.read() or b"null")
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"null")


@pytest.fixture
def two_instances(app, hall):
    if not _redis_up():
        pytest.fail("Redis must run at 127.0.0.1:6379 for the shared throttle")
    prefix = f"two-instances-{secrets.token_hex(6)}"
    factory = (f"voting:create_app('test', instance_path={app.instance_path!r}, "
               f"DATABASE_URL={app.config['DATABASE_URL']!r}, "
               f"RATELIMIT_STORAGE_URI={REDIS!r}, LOGIN_THROTTLE_PREFIX={prefix!r})")
    servers, bases = [], []
    try:
        for _ in range(2):
            port = free_port()
            servers.append(subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"),
                 "--bind", f"127.0.0.1:{port}", "--workers", "1", factory],
                cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE))
            bases.append(f"http://127.0.0.1:{port}")
        for base in bases:
            for _ in range(300):
                try:
                    urllib.request.urlopen(base + "/healthz", timeout=1).read()
                    break
                except OSError:
                    time.sleep(0.1)
            else:
                pytest.fail(f"gunicorn at {base} did not start")
        yield bases
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=30)


def test_one_vote_through_two_instances(app, hall, two_instances):
    a, b = two_instances
    poll_id = hall["poll_id"]
    receipts = []
    for i, username in enumerate(("d001", "d002", "d003")):
        first, second = (a, b) if i % 2 == 0 else (b, a)
        device = Device()
        status, body = device.call(first, "POST", "/api/v1/auth/login",
                                   {"username": username, "password": PASSWORD})
        assert status == 200, body
        csrf = body["csrf_token"]
        # signed in on one instance, the session holds on the other (signed cookie + the table)
        assert device.call(second, "GET", "/api/v1/auth/me")[0] == 200
        pem = device.call(first, "GET", f"/api/v1/polls/{poll_id}")[1]["public_key_pem"]
        voter = Voter(pem)
        status, body = device.call(second, "POST", f"/api/v1/polls/{poll_id}/tokens",
                                   voter.token_request(), {"X-CSRFToken": csrf})
        assert status == 200, body
        voter.finalize(body["blind_sig"])
        # a second token for another blinded message, asked of the other instance: refused
        other = Voter(pem)
        status, body = device.call(first, "POST", f"/api/v1/polls/{poll_id}/tokens",
                                   other.token_request(), {"X-CSRFToken": csrf})
        assert status == 409 and body["error"] == "token_already_issued"
        # the same ballot sent to both instances: stored once, the same receipt twice
        ballot = voter.ballot(["c01", "c02"])
        anonymous = Device()
        s1, r1 = anonymous.call(first, "POST", f"/api/v1/polls/{poll_id}/ballots", ballot)
        s2, r2 = anonymous.call(second, "POST", f"/api/v1/polls/{poll_id}/ballots", ballot)
        assert (s1, s2) == (201, 200) and r1["receipt"] == r2["receipt"]
        # the same token with other choices, on either instance: spent
        spent = anonymous.call(second, "POST", f"/api/v1/polls/{poll_id}/ballots",
                               {**ballot, "choices": ["c03"]})
        assert spent[0] == 409 and spent[1]["error"] == "token_spent"
        receipts.append(r1["receipt"])
    with app_db(app) as s:
        assert s.scalar(select(func.count()).select_from(Ballot)
                        .where(Ballot.poll_id == poll_id)) == 3
        assert s.scalar(select(func.count()).select_from(TokenIssuance)
                        .where(TokenIssuance.poll_id == poll_id)) == 3
    assert len(set(receipts)) == 3


def test_the_sign_in_throttle_counts_failures_on_both_instances(app, hall, two_instances):
    free = app.config["LOGIN_ACCOUNT_FREE_FAILURES"]
    statuses = []
    for i in range(free):  # alternate: each instance alone sees fewer than `free`
        base = two_instances[i % 2]
        statuses.append(Device().call(base, "POST", "/api/v1/auth/login",
                                      {"username": "d004", "password": "wrong"})[0])
    assert statuses == [401] * free
    status, body = Device().call(two_instances[free % 2], "POST", "/api/v1/auth/login",
                                 {"username": "d004", "password": PASSWORD})
    assert status == 429 and body["error"] == "too_many_requests"
