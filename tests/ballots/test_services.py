"""Poll life cycle: creation with its own key, opening only with a quorum, closing."""

from __future__ import annotations

import hashlib

import pytest
from cryptography.hazmat.primitives import serialization
from sqlalchemy import select, text

from tests.helpers import HASH, app_db, user
from tests.polls import add_candidates, close, poll_via_services
from voting.audit.models import AuditEntry
from voting.ballots import services
from voting.ballots.models import Ballot, Poll, PollKey
from voting.crypto import blind_rsa
from voting.errors import Conflict, Invalid
from voting.sessions import attendance, roster


def test_create_poll_makes_its_own_key_and_stable_candidate_ids(app, sitting):
    _, session_id = sitting
    with app_db(app) as s:
        projects = add_candidates(s)
    poll_id = poll_via_services(app, session_id, open_it=False)
    with app_db(app) as s:
        poll = s.get(Poll, poll_id)
        assert (poll.status, poll.kind, poll.seats, poll.max_choices, poll.threshold_base) == \
            ("draft", "selection", 10, 10, "roster")
        assert [c.candidate_id for c in poll.candidates] == [f"c{i:02d}" for i in range(1, 16)]
        assert [c.project_id for c in poll.candidates] == [p.id for p in projects]
        pub = serialization.load_pem_public_key(poll.public_key_pem.encode())
        der = pub.public_bytes(serialization.Encoding.DER,
                               serialization.PublicFormat.SubjectPublicKeyInfo)
        assert poll.key_fingerprint == hashlib.sha256(der).hexdigest()
        assert pub.key_size == app.config["POLL_KEY_BITS"]
        priv = blind_rsa.load_private_key(s.get(PollKey, poll_id).private_key_pem)
        assert blind_rsa.key_fingerprint(priv.public_key()) == poll.key_fingerprint
        assert "PRIVATE" not in poll.public_key_pem
        entry = s.scalar(select(AuditEntry).where(AuditEntry.action == "poll.create"))
        assert entry.details["key_fingerprint"] == poll.key_fingerprint


def test_two_polls_have_different_keys(app, hall):
    second = poll_via_services(app, hall["session_id"], open_it=False)
    with app_db(app) as s:
        assert s.get(Poll, hall["poll_id"]).key_fingerprint != s.get(Poll, second).key_fingerprint


@pytest.mark.parametrize("kwargs, field", [
    ({"seats": 16}, "seats"), ({"seats": 0}, "seats"), ({"max_choices": 16}, "max_choices"),
    ({"title": " "}, "title"), ({"kind": "lottery"}, "kind"),
    ({"threshold_base": "half"}, "threshold_base"),
    ({"candidate_project_ids": []}, "candidates"),
    ({"candidate_project_ids": [999999]}, "candidates")])
def test_create_poll_refuses_bad_rules_and_changes_nothing(app, hall, kwargs, field):
    with app_db(app) as s:
        ids = [c.project_id for c in s.get(Poll, hall["poll_id"]).candidates]
        args = {"session_id": hall["session_id"], "title": "票决", "candidate_project_ids": ids,
                "key_bits": 2048, **kwargs}
        with pytest.raises(Invalid) as exc:
            services.create_poll(s, user(s, "clerk"), **args)
        assert exc.value.field == field
        assert len(services.polls_of_session(s, hall["session_id"])) == 1


def test_runoff_keeps_candidate_ids(app, hall):
    with app_db(app) as s:
        runoff = services.create_poll(
            s, "cli", session_id=hall["session_id"], title="复选", seats=1,
            candidates=[("c03", "民生项目03"), ("c07", "民生项目07", None)],
            parent_id=hall["poll_id"], key_bits=2048)
        assert [c.candidate_id for c in runoff.candidates] == ["c03", "c07"]
        assert (runoff.parent_id, runoff.max_choices) == (hall["poll_id"], 1)


def test_open_refused_without_quorum(app, sitting):
    congress_id, session_id = sitting
    with app_db(app) as s:
        actor = user(s, "clerk")
        deputies = [roster.add_deputy(s, actor, hash_method=HASH, congress_id=congress_id, name=f"代表{i}",
                                      number=f"{i:03d}", delegation=None)[0]
                    for i in range(1, 7)]
        for d in deputies[:3]:  # 3 of 6: short of two thirds (4 of 6 would be a quorum)
            attendance.check_in(s, actor, session_id=session_id, deputy_id=d.id, by_desk=True)
        add_candidates(s)
    poll_id = poll_via_services(app, session_id, open_it=False)
    with app_db(app) as s:
        with pytest.raises(Conflict) as exc:
            services.open_poll(s, user(s, "clerk"), poll_id)
        assert exc.value.code == "no_quorum"
        assert "4" in str(exc.value.message)
    with app_db(app) as s:
        assert s.get(Poll, poll_id).status == "draft"
        attendance.check_in(s, user(s, "clerk"), session_id=session_id, deputy_id=deputies[3].id,
                            by_desk=True)
    with app_db(app) as s:
        assert services.open_poll(s, user(s, "clerk"), poll_id).status == "open"


def test_open_and_close_only_in_order(app, hall):
    with app_db(app) as s:
        with pytest.raises(Conflict):
            services.open_poll(s, "cli", hall["poll_id"])
    close(app, hall["poll_id"])
    with app_db(app) as s:
        poll = s.get(Poll, hall["poll_id"])
        assert poll.status == "closed" and poll.closed_at is not None
        with pytest.raises(Conflict):
            services.close_poll(s, "cli", hall["poll_id"])
        actions = s.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "poll")
                            .order_by(AuditEntry.seq)).all()
        assert actions == ["poll.create", "poll.open", "poll.close"]


def test_close_stores_ballots_in_key_order(app, hall):
    """No arrival order survives the close: storage follows the random key (and on PostgreSQL
    every row carries the closing transaction's xmin)."""
    from tests.polls import signed_voter

    client = app.test_client()
    receipts = []
    for username in ("d001", "d002", "d003"):
        voter = signed_voter(app, client, hall["poll_id"], username)
        r = client.post(f"/api/v1/polls/{hall['poll_id']}/ballots", json=voter.ballot(["c01"]))
        receipts.append(r.get_json()["receipt"])
    close(app, hall["poll_id"])
    with app_db(app) as s:
        ids = sorted(s.scalars(select(Ballot.id)))
        assert len(ids) == 3
        if s.get_bind().dialect.name == "postgresql":
            stored = s.execute(text("SELECT id, xmin::text FROM ballots WHERE poll_id = :p "
                                    "ORDER BY ctid"), {"p": hall["poll_id"]}).all()
            assert [row[0] for row in stored] == ids
            assert len({row[1] for row in stored}) == 1
        else:
            # sig is in no index: this reads the table itself, in its stored order
            assert list(s.scalars(text("SELECT id, sig FROM ballots"))) == ids
        assert sorted(s.scalars(select(Ballot.receipt))) == sorted(receipts)
