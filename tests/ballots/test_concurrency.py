"""Many casts of one token at the same moment, over real HTTP to a threaded server: the
database constraint, not a check in Python, lets exactly one through."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from tests.helpers import app_db
from tests.polls import signed_voter
from voting.ballots.models import Ballot

THREADS = 8


def _post(address: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(address, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def test_one_token_cast_concurrently_is_recorded_once(app, live_server, hall):
    voter = signed_voter(app, app.test_client(), hall["poll_id"])
    address = f"{live_server}/api/v1/polls/{hall['poll_id']}/ballots"
    bodies = [voter.ballot(["c01"] if i % 2 else ["c02"]) for i in range(THREADS)]
    start = threading.Barrier(THREADS)

    def cast(body):
        start.wait()
        return _post(address, body)

    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(cast, bodies))
    statuses = [status for status, _ in results]
    assert statuses.count(201) == 1, results
    assert set(statuses) <= {200, 201, 409}, results
    winner = next(i for i, (status, _) in enumerate(results) if status == 201)
    receipt = results[winner][1]["receipt"]
    for body, (status, answer) in zip(bodies, results):
        if body["choices"] == bodies[winner]["choices"]:
            assert answer == {"receipt": receipt}  # the identical ballot: 201 once, then 200
        else:
            assert status == 409 and answer["error"] == "token_spent"
    with app_db(app) as s:
        assert s.scalar(select(func.count()).select_from(Ballot)) == 1
        assert s.scalar(select(Ballot.receipt)) == receipt


def test_one_deputy_asking_for_tokens_concurrently_gets_one(app, live_server, hall):
    """Two devices of one deputy racing for a token: one blinded message is signed, the
    other device is told it already has one."""
    from tests.polls import Voter
    from tests.helpers import login

    client = app.test_client()
    csrf = login(client, "d002", "correct-horse")
    cookie = client.get_cookie("session").value
    voters = [Voter.for_poll(client, hall["poll_id"]) for _ in range(THREADS)]
    address = f"{live_server}/api/v1/polls/{hall['poll_id']}/tokens"
    start = threading.Barrier(THREADS)

    def ask(voter):
        request = urllib.request.Request(
            address, data=json.dumps(voter.token_request()).encode(), method="POST",
            headers={"Content-Type": "application/json", "X-CSRFToken": csrf,
                     "Cookie": f"session={cookie}"})
        start.wait()
        try:
            with urllib.request.urlopen(request, timeout=60) as r:
                return r.status
        except urllib.error.HTTPError as e:
            return e.code

    with ThreadPoolExecutor(THREADS) as pool:
        statuses = list(pool.map(ask, voters))
    assert sorted(statuses) == [200] + [409] * (THREADS - 1)


def test_casts_racing_the_close_are_either_on_the_board_or_refused(app, live_server, hall):
    """A receipt always means a ballot on the board: a close waits for the casts in flight,
    and a cast that lost the race is refused."""
    from voting import db
    from voting.ballots import services

    client = app.test_client()
    voters = [signed_voter(app, client, hall["poll_id"], u) for u in ("d001", "d002", "d003")]
    address = f"{live_server}/api/v1/polls/{hall['poll_id']}/ballots"
    start = threading.Barrier(len(voters) + 1)

    def cast(voter):
        start.wait()
        return _post(address, voter.ballot(["c01"]))

    def close():
        with app.test_request_context():
            s = db.new_session()
            start.wait()
            services.close_poll(s, "cli", hall["poll_id"])
            s.commit()
            s.close()

    with ThreadPoolExecutor(len(voters) + 1) as pool:
        closing = pool.submit(close)
        results = list(pool.map(cast, voters))
        closing.result()
    receipts = {answer["receipt"] for status, answer in results if status == 201}
    assert all(status == 201 or (status == 409 and answer["error"] == "poll_not_open")
               for status, answer in results), results
    board = client.get(f"/api/v1/polls/{hall['poll_id']}/ballots").get_json()
    assert {b["receipt"] for b in board["ballots"]} == receipts
