"""A hall: a congress session with deputies (some checked in), 15 candidate projects and a
poll; and a Python ballot client built on `voting.crypto.blind_rsa`, as a terminal would."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.sessions.conftest import app_db, clerk, sitting, user  # noqa: F401
from voting.ballots import services
from voting.crypto import blind_rsa
from voting.crypto.encoding import b64url_decode, b64url_encode
from voting.pool.models import Project
from voting.sessions import services as sessions

PASSWORD = "correct-horse"


def add_candidates(s, year: int = 2023, n: int = 15) -> list[Project]:
    projects = [Project(title=f"民生项目{i:02d}", year=year, stage="candidate",
                        investment_wan_yuan=Decimal("100.00") * i) for i in range(1, n + 1)]
    s.add_all(projects)
    s.flush()
    return projects


def new_poll(app, session_id: int, *, kind="selection", seats=10, max_choices=None,
             open_it=True) -> int:
    with app_db(app) as s:
        ids = [p.id for p in s.query(Project).filter_by(stage="candidate").order_by(Project.id)]
        poll = services.create_poll(s, user(s, "clerk"), session_id=session_id,
                                    title="2023年民生实事项目票决", kind=kind, seats=seats,
                                    max_choices=max_choices, candidate_project_ids=ids,
                                    key_bits=app.config["POLL_KEY_BITS"])
        if open_it:
            services.open_poll(s, user(s, "clerk"), poll.id)
        return poll.id


@pytest.fixture
def hall(app, sitting):  # noqa: F811
    """Deputies d001..d004 (d001..d003 checked in: a quorum of 4), 15 candidates and an open
    selection poll of 10 seats."""
    congress_id, session_id = sitting
    with app_db(app) as s:
        actor = user(s, "clerk")
        deputies = [sessions.add_deputy(s, actor, congress_id=congress_id, name=f"代表{i}",
                                        number=f"00{i}", delegation="道里区代表团",
                                        password=PASSWORD)[0] for i in (1, 2, 3, 4)]
        for d in deputies[:3]:
            sessions.check_in(s, actor, session_id=session_id, deputy_id=d.id, by_desk=True)
        add_candidates(s)
    poll_id = new_poll(app, session_id)
    return {"congress_id": congress_id, "session_id": session_id, "poll_id": poll_id}


class Voter:
    """One deputy's token: blinded here, signed by the server, finalized, then cast."""

    def __init__(self, public_key_pem: str):
        self.pub = blind_rsa.load_public_key(public_key_pem)
        self.msg, self.prefix = blind_rsa.random_message()
        self.prepared = blind_rsa.prepare(self.msg, self.prefix)
        self.blinded, self.inv = blind_rsa.blind(self.pub, self.prepared)
        self.sig = None

    @classmethod
    def for_poll(cls, client, poll_id: int) -> Voter:
        return cls(client.get(f"/api/v1/polls/{poll_id}").get_json()["public_key_pem"])

    def token_request(self) -> dict:
        return {"blinded_msg": b64url_encode(self.blinded)}

    def finalize(self, blind_sig: str) -> bytes:
        self.sig = blind_rsa.finalize(self.pub, self.prepared, b64url_decode(blind_sig), self.inv)
        return self.sig

    def ballot(self, choices) -> dict:
        return {"msg": b64url_encode(self.msg), "msg_prefix": b64url_encode(self.prefix),
                "sig": b64url_encode(self.sig), "choices": choices}


def get_token(client, csrf: str, poll_id: int, voter: Voter):
    return client.post(f"/api/v1/polls/{poll_id}/tokens", json=voter.token_request(),
                       headers={"X-CSRFToken": csrf})


def signed_voter(app, client, poll_id: int, username: str = "d001") -> Voter:
    """A voter whose token the server signed (signing in as `username` on its own client)."""
    from tests.conftest import login

    own = app.test_client()
    csrf = login(own, username, PASSWORD)
    voter = Voter.for_poll(client, poll_id)
    r = get_token(own, csrf, poll_id, voter)
    assert r.status_code == 200, r.get_json()
    voter.finalize(r.get_json()["blind_sig"])
    return voter


def close(app, poll_id: int) -> None:
    with app_db(app) as s:
        services.close_poll(s, user(s, "clerk"), poll_id)
