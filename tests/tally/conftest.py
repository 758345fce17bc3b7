"""Polls arranged directly in the database (ballots signed with the poll's own key, as a
finalized blind signature is exactly a PSS signature over prefix || msg)."""

from __future__ import annotations

import secrets

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from tests.sessions.conftest import add_deputies, app_db, clerk, sitting, user  # noqa: F401
from voting.ballots.models import Ballot, Poll, PollCandidate, PollKey, TokenIssuance
from voting.crypto import blind_rsa
from voting.crypto.encoding import b64url_encode
from voting.sessions import services as sessions

PSS = padding.PSS(mgf=padding.MGF1(hashes.SHA384()), salt_length=blind_rsa.SALT_LEN)
TITLES = ["老旧小区改造", "城市道路维修", "中小学校建设", "社区养老服务", "农贸市场升级",
          "公共厕所改造", "供热管网改造"]


@pytest.fixture(scope="session")
def poll_key():
    return blind_rsa.generate_private_key(2048)


def sign_ballot(key, choices) -> dict:
    msg, prefix = blind_rsa.random_message()
    sig = key.sign(blind_rsa.prepare(msg, prefix), PSS, hashes.SHA384())
    return {"msg": b64url_encode(msg), "msg_prefix": b64url_encode(prefix),
            "sig": b64url_encode(sig), "choices": choices}


def make_poll(s, key, session_id: int, *, candidates: int = 5, seats: int = 2,
              max_choices: int | None = None, kind: str = "selection",
              threshold_base: str = "roster", status: str = "closed",
              parent_id: int | None = None, title: str = "2024年民生实事项目票决") -> Poll:
    pub = key.public_key()
    poll = Poll(session_id=session_id, title=title, kind=kind, status=status, seats=seats,
                max_choices=max_choices or seats, threshold_base=threshold_base,
                parent_id=parent_id, public_key_pem=blind_rsa.public_key_pem(pub),
                key_fingerprint=blind_rsa.key_fingerprint(pub))
    poll.candidates = [PollCandidate(candidate_id=f"c{i + 1}", title=TITLES[i % len(TITLES)],
                                     position=i) for i in range(candidates)]
    s.add(poll)
    s.flush()
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
        sessions.check_in(s, actor, session_id=session_id, deputy_id=d.id, by_desk=True)
    if poll is not None:
        for d in deputies[:present if tokens is None else tokens]:
            s.add(TokenIssuance(poll_id=poll.id, deputy_id=d.id, blinded_msg=b"x", blind_sig=b"y"))
    s.flush()
    return deputies
