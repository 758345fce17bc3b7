"""Polls for tests, built one of two ways, and the ballots that go in them.

- `poll_via_services(app, session_id, ...)`: the clerk creates (and by default opens) a poll
  through `voting.ballots.services`, on the candidate projects in the database; the server
  generates the poll's key. Returns the poll's id.
- `poll_in_database(s, key, session_id, ...)`: a poll row arranged directly in the database
  (default status "closed"), with candidates c1..cN and the given private key, so that
  `cast` can store ballots signed with it: a finalized blind signature is exactly a PSS
  signature over prefix || msg; or with no key at all (`key=None`), for paper ballots.
  Returns the Poll.

And a Python ballot client built on `voting.crypto.blind_rsa`, as a terminal would use it.
"""

from __future__ import annotations

import secrets
from decimal import Decimal

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from tests.helpers import PASSWORD, add_deputies, app_db, login, user
from voting.ballots import services
from voting.ballots.models import Ballot, Poll, PollCandidate, PollKey, TokenIssuance
from voting.crypto import blind_rsa
from voting.crypto.encoding import b64url_decode, b64url_encode
from voting.pool.models import Project
from voting.sessions import attendance

PSS = padding.PSS(mgf=padding.MGF1(hashes.SHA384()), salt_length=blind_rsa.SALT_LEN)
TITLES = ["老旧小区改造", "城市道路维修", "中小学校建设", "社区养老服务", "农贸市场升级",
          "公共厕所改造", "供热管网改造"]


# ---- through the services ------------------------------------------------------------

def add_candidates(s, year: int = 2023, n: int = 15) -> list[Project]:
    projects = [Project(title=f"民生项目{i:02d}", year=year, stage="candidate",
                        investment_wan_yuan=Decimal("100.00") * i) for i in range(1, n + 1)]
    s.add_all(projects)
    s.flush()
    return projects


def poll_via_services(app, session_id: int, *, kind="selection", seats=10, max_choices=None,
                      open_it=True, title="2023年民生实事项目票决",
                      project_ids: list[int] | None = None) -> int:
    """A poll the clerk creates (and opens, unless `open_it` is false) on `project_ids`, by
    default every candidate project in the database."""
    with app_db(app) as s:
        ids = project_ids if project_ids is not None else [
            p.id for p in s.query(Project).filter_by(stage="candidate").order_by(Project.id)]
        poll = services.create_poll(s, user(s, "clerk"), session_id=session_id,
                                    title=title, kind=kind, seats=seats,
                                    max_choices=max_choices, candidate_project_ids=ids,
                                    key_bits=app.config["POLL_KEY_BITS"])
        if open_it:
            services.open_poll(s, user(s, "clerk"), poll.id)
        return poll.id


def close(app, poll_id: int) -> None:
    with app_db(app) as s:
        services.close_poll(s, user(s, "clerk"), poll_id)


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
    own = app.test_client()
    csrf = login(own, username, PASSWORD)
    voter = Voter.for_poll(client, poll_id)
    r = get_token(own, csrf, poll_id, voter)
    assert r.status_code == 200, r.get_json()
    voter.finalize(r.get_json()["blind_sig"])
    return voter


# ---- arranged in the database ----------------------------------------------------------

def sign_ballot(key, choices) -> dict:
    msg, prefix = blind_rsa.random_message()
    sig = key.sign(blind_rsa.prepare(msg, prefix), PSS, hashes.SHA384())
    return {"msg": b64url_encode(msg), "msg_prefix": b64url_encode(prefix),
            "sig": b64url_encode(sig), "choices": choices}


def poll_in_database(s, key, session_id: int, *, candidates: int = 5, seats: int = 2,
                     max_choices: int | None = None, kind: str = "selection",
                     threshold_base: str = "roster", status: str = "closed",
                     parent_id: int | None = None, title: str = "2024年民生实事项目票决",
                     titles: list[str] = TITLES, first_position: int = 0) -> Poll:
    """A poll row with candidates c1..c`candidates` (titled from `titles`, in turn; positions
    counted from `first_position`). With `key` None the poll has no key at all (paper
    ballots never use one)."""
    if key is None:
        pem, fingerprint = "-", "0" * 64
    else:
        pem, fingerprint = (blind_rsa.public_key_pem(key.public_key()),
                            blind_rsa.key_fingerprint(key.public_key()))
    poll = Poll(session_id=session_id, title=title, kind=kind, status=status, seats=seats,
                max_choices=max_choices or seats, threshold_base=threshold_base,
                parent_id=parent_id, public_key_pem=pem, key_fingerprint=fingerprint)
    poll.candidates = [PollCandidate(candidate_id=f"c{i + 1}", title=titles[i % len(titles)],
                                     position=first_position + i) for i in range(candidates)]
    s.add(poll)
    s.flush()
    if key is not None:
        s.add(PollKey(poll_id=poll.id, private_key_pem=blind_rsa.private_key_pem(key)))
        s.flush()
    return poll


def cast(s, key, poll: Poll, ballots: list) -> list[dict]:
    """Store signed ballots with the given choices; returns them as on the board."""
    stored = []
    for choices in ballots:
        b = sign_ballot(key, sorted(choices) if isinstance(choices, list) else choices)
        b["receipt"] = secrets.token_hex(16)
        s.add(Ballot(id=secrets.token_hex(16), poll_id=poll.id, **b))
        stored.append(b)
    s.flush()
    return stored


def roster(s, congress_id: int, session_id: int, n: int, *, present: int | None = None,
           poll: Poll | None = None, tokens: int | None = None):
    """n deputies, `present` (default all) checked in, `tokens` (default present) of them
    issued a token for `poll`."""
    actor = user(s, "clerk")
    deputies = [d for d, _pw in add_deputies(s, actor, congress_id, n)]
    present = n if present is None else present
    for d in deputies[:present]:
        attendance.check_in(s, actor, session_id=session_id, deputy_id=d.id, by_desk=True)
    if poll is not None:
        for d in deputies[:present if tokens is None else tokens]:
            s.add(TokenIssuance(poll_id=poll.id, deputy_id=d.id, blinded_msg=b"x", blind_sig=b"y"))
    s.flush()
    return deputies


def closed_poll(app, key, sitting, ballots, *, deputies: int = 10, count: bool = False,
                publish: bool = False, **poll) -> tuple[int, list[int]]:
    """A closed poll arranged in the database (`poll_in_database`, options in `poll`), with
    `deputies` on the roster, all present and issued a token, and `ballots` cast; counted
    (and published) when asked. Returns (poll id, the deputies' ids)."""
    congress_id, session_id = sitting
    with app_db(app) as s:
        p = poll_in_database(s, key, session_id, **poll)
        people = roster(s, congress_id, session_id, deputies, poll=p)
        cast(s, key, p, [list(b) if isinstance(b, tuple) else b for b in ballots])
        poll_id, ids = p.id, [d.id for d in people]
    if count or publish:
        from voting.tally import services as tally

        with app_db(app) as s:
            tally.tally_poll(s, user(s, "clerk"), poll_id, app.instance_path)
            if publish:
                tally.publish_poll(s, user(s, "clerk"), poll_id)
    return poll_id, ids
