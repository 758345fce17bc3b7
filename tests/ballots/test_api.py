"""The ballot API exactly as docs/protocol.md fixes it: tokens, the anonymous cast, the board."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from sqlalchemy import func, select

from tests.helpers import HASH, PASSWORD, app_db, login, user
from tests.polls import Voter, close, get_token, poll_via_services, signed_voter
from voting.ballots.models import Ballot, TokenIssuance
from voting.crypto.encoding import b64url_decode, b64url_encode
from voting.sessions import congresses, roster


def url(poll_id: int, what: str = "") -> str:
    return f"/api/v1/polls/{poll_id}" + (f"/{what}" if what else "")


def assert_error(r, status: int, code: str | None = None):
    assert r.status_code == status, r.get_data(as_text=True)
    body = r.get_json()
    assert set(body) == {"error", "message"} and body["message"]
    if code:
        assert body["error"] == code


# ---- the poll document --------------------------------------------------------------------

def test_poll_document(client, hall):
    r = client.get(url(hall["poll_id"]))
    doc = r.get_json()
    assert r.status_code == 200
    assert {"id", "title", "kind", "status", "seats", "max_choices", "candidates",
            "public_key_pem", "key_fingerprint", "variant"} <= set(doc)
    assert (doc["kind"], doc["status"], doc["seats"], doc["max_choices"]) == \
        ("selection", "open", 10, 10)
    assert doc["variant"] == "RSABSSA-SHA384-PSS-Randomized"
    assert doc["candidates"][0] == {"id": "c01", "title": "民生项目01"}
    assert len(doc["candidates"]) == 15
    serialization.load_pem_public_key(doc["public_key_pem"].encode())
    assert_error(client.get(url(99999)), 404)


def test_for_against_poll_document_names_its_limits(app, client, hall):
    poll_id = poll_via_services(app, hall["session_id"], kind="for_against", seats=5, open_it=False)
    doc = client.get(url(poll_id)).get_json()
    assert (doc["kind"], doc["max_for"], doc["marks"]) == ("for_against", 5,
                                                           ["for", "against", "abstain"])


# ---- tokens ---------------------------------------------------------------------------------

def test_token_needs_a_session(client, hall):
    voter = Voter.for_poll(client, hall["poll_id"])
    assert_error(client.post(url(hall["poll_id"], "tokens"), json=voter.token_request()), 401)


def test_token_needs_the_csrf_header(client, hall):
    login(client, "d001", PASSWORD)
    voter = Voter.for_poll(client, hall["poll_id"])
    r = client.post(url(hall["poll_id"], "tokens"), json=voter.token_request())
    assert r.status_code in (400, 403)
    with app_db(client.application) as s:
        assert s.scalar(select(func.count(TokenIssuance.id))) == 0


def test_token_issued_once_and_retry_is_idempotent(app, client, hall):
    csrf = login(client, "d001", PASSWORD)
    voter = Voter.for_poll(client, hall["poll_id"])
    first = get_token(client, csrf, hall["poll_id"], voter)
    assert first.status_code == 200
    sig = voter.finalize(first.get_json()["blind_sig"])  # verifies, or raises
    assert len(sig) == 2048 // 8
    again = get_token(client, csrf, hall["poll_id"], voter)
    assert (again.status_code, again.get_json()) == (200, first.get_json())
    other = Voter.for_poll(client, hall["poll_id"])
    assert_error(get_token(client, csrf, hall["poll_id"], other), 409)
    with app_db(app) as s:
        rows = s.execute(select(TokenIssuance)).scalars().all()
        assert len(rows) == 1 and bytes(rows[0].blinded_msg) == voter.blinded
        assert set(TokenIssuance.__table__.columns.keys()) == \
            {"id", "poll_id", "deputy_id", "blinded_msg", "blind_sig"}


def test_token_refused_to_the_ineligible(client, hall, make_user):
    voter = Voter.for_poll(client, hall["poll_id"])
    csrf = login(client, "d004", PASSWORD)  # on the roster, not checked in
    assert_error(get_token(client, csrf, hall["poll_id"], voter), 403, "not_checked_in")
    make_user("staff", "secretariat")
    csrf = login(client, "staff")
    assert_error(get_token(client, csrf, hall["poll_id"], voter), 403, "not_eligible")


def test_token_refused_to_a_deputy_of_another_congress(app, client, hall):
    with app_db(app) as s:
        actor = user(s, "clerk")
        other = congresses.create_congress(s, actor, name="另一届人民代表大会", term=15)
        deputy, _ = roster.add_deputy(s, actor, hash_method=HASH, congress_id=other.id, name="外人",
                                      number="900", delegation=None, username="outsider",
                                      password=PASSWORD)
    csrf = login(client, "outsider", PASSWORD)
    voter = Voter.for_poll(client, hall["poll_id"])
    assert_error(get_token(client, csrf, hall["poll_id"], voter), 403, "not_eligible")


def test_token_only_while_open(app, client, hall):
    draft = poll_via_services(app, hall["session_id"], open_it=False)
    csrf = login(client, "d001", PASSWORD)
    assert_error(get_token(client, csrf, draft, Voter.for_poll(client, draft)), 409)
    close(app, hall["poll_id"])
    voter = Voter.for_poll(client, hall["poll_id"])
    assert_error(get_token(client, csrf, hall["poll_id"], voter), 409, "poll_not_open")


@pytest.mark.parametrize("blinded", [None, "not base64!", b64url_encode(b"\x01" * 10),
                                     b64url_encode(b"\xff" * 256)])
def test_token_refuses_malformed_blinded_messages(client, hall, blinded):
    csrf = login(client, "d001", PASSWORD)
    r = client.post(url(hall["poll_id"], "tokens"), json={"blinded_msg": blinded},
                    headers={"X-CSRFToken": csrf})
    assert r.status_code in (400, 422)
    assert set(r.get_json()) == {"error", "message"}


# ---- casting --------------------------------------------------------------------------------

def test_cast_then_identical_retry_gets_the_same_receipt(app, client, hall):
    voter = signed_voter(app, client, hall["poll_id"])
    r = client.post(url(hall["poll_id"], "ballots"), json=voter.ballot(["c02", "c01"]))
    assert r.status_code == 201
    receipt = r.get_json()["receipt"]
    assert len(receipt) >= 32 and int(receipt, 16) >= 0
    again = client.post(url(hall["poll_id"], "ballots"), json=voter.ballot(["c01", "c02"]))
    assert (again.status_code, again.get_json()) == (200, {"receipt": receipt})
    assert_error(client.post(url(hall["poll_id"], "ballots"), json=voter.ballot(["c01"])),
                 409, "token_spent")
    with app_db(app) as s:
        ballot = s.scalar(select(Ballot))
        assert s.scalar(select(func.count()).select_from(Ballot)) == 1
        assert ballot.choices == ["c01", "c02"]
        assert len(ballot.id) == 32 and ballot.id != receipt


def test_empty_ballot_is_valid(app, client, hall):
    voter = signed_voter(app, client, hall["poll_id"])
    assert client.post(url(hall["poll_id"], "ballots"), json=voter.ballot([])).status_code == 201


@pytest.mark.parametrize("choices", [["c99"], ["c01", "c01"],
                                     [f"c{i:02d}" for i in range(1, 12)],
                                     {"c01": "for"}])
def test_bad_choices_422_and_token_not_spent(app, client, hall, choices):
    voter = signed_voter(app, client, hall["poll_id"])
    assert_error(client.post(url(hall["poll_id"], "ballots"), json=voter.ballot(choices)),
                 422, "bad_choices")
    r = client.post(url(hall["poll_id"], "ballots"), json=voter.ballot(["c03"]))
    assert r.status_code == 201


def test_for_against_ballots(app, client, hall):
    poll_id = poll_via_services(app, hall["session_id"], kind="for_against", seats=2)
    voter = signed_voter(app, client, poll_id)
    too_many = {"c01": "for", "c02": "for", "c03": "for"}
    assert_error(client.post(url(poll_id, "ballots"), json=voter.ballot(too_many)), 422)
    assert_error(client.post(url(poll_id, "ballots"), json=voter.ballot({"c01": "maybe"})), 422)
    assert_error(client.post(url(poll_id, "ballots"), json=voter.ballot(["c01"])), 422)
    marks = {"c02": "against", "c01": "for", "c05": "abstain"}
    assert client.post(url(poll_id, "ballots"), json=voter.ballot(marks)).status_code == 201
    close(app, poll_id)
    board = client.get(url(poll_id, "ballots")).get_json()
    assert board["ballots"][0]["choices"] == {"c01": "for", "c02": "against", "c05": "abstain"}


def test_bad_signature_403(app, client, hall):
    voter = signed_voter(app, client, hall["poll_id"])
    forged = voter.ballot(["c01"])
    sig = bytearray(voter.sig)
    sig[-1] ^= 1
    forged["sig"] = b64url_encode(bytes(sig))
    assert_error(client.post(url(hall["poll_id"], "ballots"), json=forged), 403, "bad_signature")
    unsigned = Voter.for_poll(client, hall["poll_id"])
    unsigned.sig = voter.sig  # another token's signature
    assert_error(client.post(url(hall["poll_id"], "ballots"), json=unsigned.ballot([])), 403)
    # Checked before the choices: a bad signature with bad choices is still 403.
    forged["choices"] = ["c99"]
    assert_error(client.post(url(hall["poll_id"], "ballots"), json=forged), 403)


@pytest.mark.parametrize("mutate", [
    lambda b: "not json",
    lambda b: [b],
    lambda b: {k: v for k, v in b.items() if k != "sig"},
    lambda b: {**b, "msg": b["msg"] + "="},
    lambda b: {**b, "msg": b64url_encode(b"\x00" * 31)},
    lambda b: {**b, "msg_prefix": 12},
    lambda b: {**b, "choices": "c01"},
    lambda b: {**b, "choices": [1, 2]},
])
def test_malformed_cast_400(app, client, hall, mutate):
    voter = signed_voter(app, client, hall["poll_id"])
    body = mutate(voter.ballot(["c01"]))
    r = client.post(url(hall["poll_id"], "ballots"), json=body)
    assert_error(r, 400)


def test_malformed_is_checked_before_the_poll_state(app, client, hall):
    close(app, hall["poll_id"])
    assert_error(client.post(url(hall["poll_id"], "ballots"), json={"msg": "x"}), 400)


def test_every_cast_after_close_is_409_even_a_retry(app, client, hall):
    voter = signed_voter(app, client, hall["poll_id"])
    body = voter.ballot(["c01"])
    assert client.post(url(hall["poll_id"], "ballots"), json=body).status_code == 201
    late = signed_voter(app, client, hall["poll_id"], "d002")
    close(app, hall["poll_id"])
    assert_error(client.post(url(hall["poll_id"], "ballots"), json=body), 409, "poll_not_open")
    assert_error(client.post(url(hall["poll_id"], "ballots"), json=late.ballot([])), 409)
    bad = {**late.ballot([]), "sig": b64url_encode(b"\x00" * 256)}
    assert_error(client.post(url(hall["poll_id"], "ballots"), json=bad), 409)


def test_cast_ignores_cookies_and_sets_none(app, client, hall):
    voter = signed_voter(app, client, hall["poll_id"])
    login(client, "d001", PASSWORD)  # this client now holds d001's session cookie
    r = client.post(url(hall["poll_id"], "ballots") + "?lang=en", json=voter.ballot(["c01"]),
                    headers={"Authorization": "Basic ZDAwMTpjb3JyZWN0LWhvcnNl"})
    assert r.status_code == 201
    assert "Set-Cookie" not in r.headers
    assert "Cookie" not in r.headers.get("Vary", "")
    assert r.headers["Cache-Control"] == "no-store"
    # The session survives untouched: the cast neither read nor replaced it.
    assert client.get("/api/v1/auth/me").status_code == 200
    retry = client.post(url(hall["poll_id"], "ballots"), json=voter.ballot(["c01"]))
    assert retry.status_code == 200 and "Set-Cookie" not in retry.headers
    error = client.post(url(hall["poll_id"], "ballots"), json={})
    assert error.status_code == 400 and "Set-Cookie" not in error.headers


def test_a_cookieless_client_can_cast(app, hall):
    fresh = app.test_client(use_cookies=False)
    voter = signed_voter(app, fresh, hall["poll_id"])
    r = fresh.post(url(hall["poll_id"], "ballots"), json=voter.ballot(["c01"]))
    assert r.status_code == 201 and "Set-Cookie" not in r.headers


# ---- the bulletin board ---------------------------------------------------------------------

def test_board_public_after_close_sorted_and_verifiable(app, client, hall):
    assert_error(client.get(url(hall["poll_id"], "ballots")), 409)
    cast = {}
    for username, choices in (("d001", ["c05", "c01"]), ("d002", []), ("d003", ["c15"])):
        voter = signed_voter(app, client, hall["poll_id"], username)
        r = client.post(url(hall["poll_id"], "ballots"), json=voter.ballot(choices))
        cast[b64url_encode(voter.msg)] = (r.get_json()["receipt"], sorted(choices))
    close(app, hall["poll_id"])
    r = client.get(url(hall["poll_id"], "ballots"))
    board = r.get_json()
    poll = client.get(url(hall["poll_id"])).get_json()
    assert board["poll_id"] == hall["poll_id"]
    assert board["key_fingerprint"] == poll["key_fingerprint"]
    msgs = [b["msg"] for b in board["ballots"]]
    assert msgs == sorted(msgs) and set(msgs) == set(cast)
    pub = serialization.load_pem_public_key(poll["public_key_pem"].encode())
    pss = padding.PSS(mgf=padding.MGF1(hashes.SHA384()), salt_length=48)
    for b in board["ballots"]:
        assert set(b) == {"msg", "msg_prefix", "sig", "choices", "receipt"}
        assert (b["receipt"], b["choices"]) == cast[b["msg"]]
        pub.verify(b64url_decode(b["sig"]),
                   b64url_decode(b["msg_prefix"]) + b64url_decode(b["msg"]), pss,
                   hashes.SHA384())


def test_development_server_log_drops_casts(app):
    import logging

    from voting.errors import NoCastLines

    def line(request: str) -> logging.LogRecord:
        return logging.LogRecord("werkzeug", logging.INFO, __file__, 1,
                                 '127.0.0.1 - - [24/Nov/2026 11:00:00] "%s HTTP/1.1" 201 -',
                                 (request,), None)

    keep = NoCastLines()
    assert not keep.filter(line("POST /api/v1/polls/7/ballots"))
    assert not keep.filter(line("GET /api/v1/polls/7/ballots"))  # path only, any method
    assert not keep.filter(line("POST /api/v1/polls/7/ballots?x=1"))
    assert keep.filter(line("POST /api/v1/polls/7/tokens"))
    assert any(isinstance(f, NoCastLines) for f in logging.getLogger("werkzeug").filters)
