"""The server killed (SIGKILL, master and worker at once) in the middle of casting: after a
restart every ballot whose receipt was returned is on the board with that receipt, no ballot is
half-stored, and the clients' retries of the identical ballot succeed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from sqlalchemy import select

from tests.helpers import app_db, free_port
from tests.polls import poll_in_database, sign_ballot
from voting.ballots.models import Ballot

ROOT = Path(__file__).resolve().parent.parent
BALLOTS = 240


def _start(app, port):
    factory = (f"voting:create_app('test', instance_path={app.instance_path!r}, "
               f"DATABASE_URL={app.config['DATABASE_URL']!r})")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"),
         "--bind", f"127.0.0.1:{port}", "--workers", "2", factory],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    for _ in range(300):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).read()
            return server
        except OSError:
            time.sleep(0.1)
    raise AssertionError("gunicorn did not start")


def _cast(port, poll_id, ballot):
    req = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/polls/{poll_id}/ballots",
                                 data=json.dumps(ballot).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return r.status, json.loads(r.read())["receipt"]


def open_poll_and_ballots(app, poll_key, session_id: int) -> tuple[int, list[dict]]:
    """An open poll of 5 candidates and 2 seats, and BALLOTS ballots signed for it."""
    with app_db(app) as s:
        poll_id = poll_in_database(s, poll_key, session_id, candidates=5, seats=2,
                                   status="open").id
    return poll_id, [sign_ballot(poll_key, sorted({f"c{1 + i % 5}", f"c{1 + (i * 3) % 5}"}))
                     for i in range(BALLOTS)]


def test_sigkill_in_the_middle_of_casting(app, poll_key, sitting):
    poll_id, ballots = open_poll_and_ballots(app, poll_key, sitting[1])
    port = free_port()
    server = _start(app, port)
    answered: dict[int, str] = {}  # ballot index → the receipt the client was given

    def client(indices):
        for i in indices:
            try:
                status, receipt = _cast(port, poll_id, ballots[i])
            except (OSError, urllib.error.URLError, ValueError):
                continue  # the server died under this request: no receipt, the client retries
            assert status == 201
            answered[i] = receipt

    threads = [threading.Thread(target=client, args=(range(k, BALLOTS, 4),)) for k in range(4)]
    for t in threads:
        t.start()
    while len(answered) < BALLOTS // 3:
        time.sleep(0.005)
    os.killpg(server.pid, signal.SIGKILL)
    server.wait()
    for t in threads:
        t.join()
    assert 0 < len(answered) < BALLOTS  # killed in the middle

    server = _start(app, port)
    try:
        for i, ballot in enumerate(ballots):  # every client retries its identical ballot
            status, receipt = _cast(port, poll_id, ballot)
            if i in answered:
                assert (status, receipt) == (200, answered[i])  # it was durably stored
            else:
                assert status in (200, 201)  # stored before the kill, or now
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)

    with app_db(app) as s:
        rows = s.execute(select(Ballot.msg, Ballot.sig, Ballot.choices, Ballot.receipt)
                         .where(Ballot.poll_id == poll_id)).all()
    assert len(rows) == BALLOTS  # each once
    by_msg = {r.msg: r for r in rows}
    for i, ballot in enumerate(ballots):
        row = by_msg[ballot["msg"]]  # whole: signature and choices as sent
        assert (row.sig, row.choices) == (ballot["sig"], ballot["choices"])
        if i in answered:
            assert row.receipt == answered[i]
