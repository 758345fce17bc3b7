"""Counting, certifying and publishing a closed poll (services)."""

from __future__ import annotations

import hashlib
import json

import pytest
from sqlalchemy import select

from tests.helpers import HASH, app_db, user
from tests.polls import cast, poll_in_database, roster
from voting.audit.models import AuditEntry
from voting.ballots.models import Ballot, Poll
from voting.crypto import result_signing
from voting.errors import Conflict, Invalid
from voting.sessions.models import Deputy
from voting.tally import keys, replacements, services


def _tally(app, poll_id):
    with app_db(app) as s:
        return services.tally_poll(s, user(s, "clerk"), poll_id, app.instance_path).signed


def _setup(app, poll_key, sitting, *, n=10, present=None, tokens=None, ballots=(), **poll):
    congress_id, session_id = sitting
    status = poll.pop("status", "closed")
    with app_db(app) as s:
        p = poll_in_database(s, poll_key, session_id, **poll)
        # The roster is frozen while a poll is open: arrange it first, then set the status.
        roster(s, congress_id, session_id, n, present=present, poll=p, tokens=tokens)
        board = cast(s, poll_key, p, list(ballots))
        p.status = status
        return p.id, board


def test_selection_count_is_signed_and_stored(app, poll_key, sitting):
    ballots = [["c1", "c2"]] * 6 + [["c3"]] * 3 + [[]]
    poll_id, board = _setup(app, poll_key, sitting, ballots=ballots)
    doc = _tally(app, poll_id)
    assert doc["eligible"] == 10 and doc["checked_in"] == 10 and doc["tokens_issued"] == 10
    assert doc["ballots_cast"] == 10 and doc["valid_ballots"] == 10
    assert doc["counts"] == {"c1": 6, "c2": 6, "c3": 3, "c4": 0, "c5": 0}
    assert doc["threshold"] == 6  # more than half of the 10 on the roster
    assert doc["elected"] == ["c1", "c2"] and doc["tied"] == []
    # The signature verifies with the key /api/v1/keys lists.
    listed = [k.public_key for k in keys.all_keys(app.instance_path)]
    assert doc["signing_key"] in listed
    assert result_signing.verify_document(doc)
    # Board digest exactly as PROTOCOL defines it, computed here independently.
    entries = sorted(({"msg": b["msg"], "msg_prefix": b["msg_prefix"], "sig": b["sig"],
                       "choices": sorted(b["choices"])} for b in board), key=lambda b: b["msg"])
    raw = json.dumps(entries, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert doc["board_digest"] == hashlib.sha256(raw.encode("utf-8")).hexdigest()
    with app_db(app) as s:
        assert s.get(Poll, poll_id).status == "tallied"
        actions = s.scalars(select(AuditEntry.action)).all()
        assert "poll.tally" in actions


@pytest.mark.parametrize(("base", "threshold", "elected"), [
    ("roster", 7, []),  # 12 on the roster: 7 needed, c1 has 6
    ("present", 6, ["c1"]),  # 10 present
    ("cast", 5, ["c1", "c2"]),  # 8 ballots
])
def test_threshold_on_each_base(app, poll_key, sitting, base, threshold, elected):
    ballots = [["c1", "c2"]] * 5 + [["c1"]] + [["c3"]] * 2
    poll_id, _ = _setup(app, poll_key, sitting, n=12, present=10, tokens=8, ballots=ballots,
                        threshold_base=base)
    doc = _tally(app, poll_id)
    assert (doc["eligible"], doc["checked_in"], doc["ballots_cast"]) == (12, 10, 8)
    assert doc["threshold"] == threshold and doc["threshold_base"] == base
    assert doc["elected"] == elected
    assert doc["seats_left"] == 2 - len(elected)


def test_tie_at_last_seat_names_the_tied(app, poll_key, sitting):
    ballots = [["c1", "c2"]] * 3 + [["c1", "c3"]] * 3 + [["c2", "c3"]] * 2
    poll_id, _ = _setup(app, poll_key, sitting, ballots=ballots, threshold_base="cast")
    doc = _tally(app, poll_id)
    assert doc["elected"] == ["c1"] and doc["tied"] == ["c2", "c3"]
    assert doc["runoff_reason"] == "tie" and doc["runoff_candidates"] == ["c2", "c3"]
    assert doc["seats_left"] == 1


def test_for_against_kind(app, poll_key, sitting):
    ballots = [{"c1": "for", "c2": "for"}] * 6 + [{"c1": "against", "c2": "abstain"}] * 3 + [{}]
    poll_id, _ = _setup(app, poll_key, sitting, kind="for_against", candidates=3, seats=2,
                        ballots=ballots)
    doc = _tally(app, poll_id)
    assert doc["kind"] == "for_against"
    assert doc["counts"] == {"c1": 6, "c2": 6, "c3": 0}
    assert doc["against"] == {"c1": 3, "c2": 0, "c3": 0}
    assert doc["abstain"] == {"c1": 1, "c2": 4, "c3": 10}
    assert doc["elected"] == ["c1", "c2"]


def test_invalid_ballot_counts_as_cast_not_valid(app, poll_key, sitting):
    poll_id, _ = _setup(app, poll_key, sitting, ballots=[["c1", "c2", "c3"], ["c1"]])
    doc = _tally(app, poll_id)
    assert doc["ballots_cast"] == 2 and doc["valid_ballots"] == 1 and doc["invalid_ballots"] == 1
    assert doc["counts"]["c1"] == 1


def test_tampered_signature_refuses_the_count(app, poll_key, sitting):
    poll_id, board = _setup(app, poll_key, sitting, ballots=[["c1"]] * 3)
    with app_db(app) as s:
        ballot = s.scalar(select(Ballot).where(Ballot.msg == board[1]["msg"]))
        ballot.choices = ["c2"]  # the signature is over the token; swap in another token's sig
        ballot.sig = board[0]["sig"]
    with app_db(app) as s, pytest.raises(Conflict) as err:
        services.tally_poll(s, user(s, "clerk"), poll_id, app.instance_path)
    assert board[1]["receipt"] in str(err.value.message)
    with app_db(app) as s:
        assert s.get(Poll, poll_id).status == "closed"
        assert services.find_result(s, poll_id) is None


def test_more_ballots_than_tokens_refuses(app, poll_key, sitting):
    poll_id, _ = _setup(app, poll_key, sitting, tokens=2, ballots=[["c1"]] * 3)
    with app_db(app) as s, pytest.raises(Conflict) as err:
        services.tally_poll(s, user(s, "clerk"), poll_id, app.instance_path)
    assert err.value.code == "too_many_ballots"


@pytest.mark.parametrize("status", ["draft", "open"])
def test_only_a_closed_poll_is_counted(app, poll_key, sitting, status):
    poll_id, _ = _setup(app, poll_key, sitting, status=status)
    with app_db(app) as s, pytest.raises(Conflict):
        services.tally_poll(s, user(s, "clerk"), poll_id, app.instance_path)


def test_publish_after_tally_and_only_once(app, poll_key, sitting):
    poll_id, _ = _setup(app, poll_key, sitting, ballots=[["c1"]])
    with app_db(app) as s, pytest.raises(Conflict):
        services.publish_poll(s, user(s, "clerk"), poll_id)
    _tally(app, poll_id)
    with app_db(app) as s:
        services.publish_poll(s, user(s, "clerk"), poll_id)
    with app_db(app) as s:
        assert s.get(Poll, poll_id).status == "published"
        assert "poll.publish" in s.scalars(select(AuditEntry.action)).all()
        with pytest.raises(Conflict):
            services.publish_poll(s, user(s, "clerk"), poll_id)


def test_rotation_keeps_old_results_verifiable(app, poll_key, sitting):
    first, _ = _setup(app, poll_key, sitting, ballots=[["c1"]])
    old = _tally(app, first)
    new_key = keys.rotate(app.instance_path)
    listed = {k.public_key: k for k in keys.all_keys(app.instance_path)}
    assert listed[old["signing_key"]].retired is not None
    assert new_key.retired is None and new_key.public_key != old["signing_key"]
    assert result_signing.verify_document(old)
    with app_db(app) as s:
        second = poll_in_database(s, poll_key, sitting[1]).id
    assert _tally(app, second)["signing_key"] == new_key.public_key


def test_key_files_are_private(app):
    key = keys.current_key(app)
    assert key.path.stat().st_mode & 0o777 == 0o600
    assert (key.path.parent / keys.INDEX).stat().st_mode & 0o777 == 0o600


def test_officials_are_named_on_the_result(app, poll_key, sitting):
    poll_id, _ = _setup(app, poll_key, sitting, ballots=[["c1"]])
    with app_db(app) as s:
        services.set_officials(s, user(s, "clerk"), poll_id=poll_id,
                               scrutineers=["张三", " 李四 ", ""], tellers=["王五"])
    doc = _tally(app, poll_id)
    assert doc["scrutineers"] == ["张三", "李四"] and doc["tellers"] == ["王五"]
    with app_db(app) as s, pytest.raises(Conflict):
        services.set_officials(s, user(s, "clerk"), poll_id=poll_id, scrutineers=[], tellers=[])


def test_paper_ballots_join_the_count_once_reconciled(app, poll_key, sitting):
    from voting.tally import paper, paper_tellers

    poll_id, board = _setup(app, poll_key, sitting, tokens=6, ballots=[["c1", "c2"]] * 6)
    from voting.auth.services import create_user

    with app_db(app) as s:
        clerk_ = user(s, "clerk")
        for username, name in (("t1", "赵六"), ("t2", "钱七")):
            create_user(s, hash_method=HASH, username=username, password="correct-horse", role="teller",
                        display_name=name)
        s.flush()
        paper.record_issued_returned(s, clerk_, poll_id, 4, 4)
        paper_tellers.set_tellers(s, clerk_, poll_id, teller1_user_id=user(s, "t1").id,
                                  teller2_user_id=user(s, "t2").id, scrutineers=["孙八"])
    with app_db(app) as s, pytest.raises(Conflict) as err:
        services.tally_poll(s, user(s, "clerk"), poll_id, app.instance_path)
    assert err.value.code == "paper_not_ready"
    with app_db(app) as s:
        for teller in (1, 2):
            for number, marks in ((1, ["c1"]), (2, ["c3"]), (3, ["c1", "c3"]), (4, "unreadable")):
                paper.enter_ballot(s, user(s, f"t{teller}"), poll_id, teller, number, marks)
    doc = _tally(app, poll_id)
    assert doc["electronic_ballots"] == 6 and doc["ballots_cast"] == 10
    assert doc["paper"] == {"issued": 4, "returned": 4,
                            "ballots": [None, ["c1", "c3"], ["c1"], ["c3"]]}
    assert doc["invalid_ballots"] == 1 and doc["valid_ballots"] == 9
    assert doc["counts"]["c1"] == 8 and doc["counts"]["c3"] == 2
    assert doc["tellers"] == ["赵六", "钱七"] and doc["scrutineers"] == ["孙八"]
    assert services.board.recount(doc, board)["counts"] == doc["counts"]


# ---- the turnout's arithmetic and replacements ---------------------------------------------------

def _turnout(**changes):
    base = dict(eligible=30, checked_in=30, tokens_issued=30, electronic=30, paper_issued=0,
                paper_returned=0, replacements=0)
    return services.board.Turnout(**{**base, **changes})


@pytest.mark.parametrize(("changes", "codes"), [
    ({}, []),
    ({"tokens_issued": 24, "electronic": 24, "paper_issued": 7, "paper_returned": 7},
     ["cast_over_checked_in", "issued_over_checked_in"]),
    ({"tokens_issued": 24, "electronic": 24, "paper_issued": 7, "paper_returned": 6},
     ["issued_over_checked_in"]),
    ({"electronic": 31, "checked_in": 31}, ["electronic_over_tokens", "checked_in_over_eligible"]),
    ({"paper_issued": 2, "paper_returned": 3, "electronic": 20}, ["paper_over_issued",
                                                                  "issued_over_checked_in"]),
    ({"electronic": 28, "paper_issued": 2, "paper_returned": 2, "replacements": 2}, []),
    ({"electronic": 29, "paper_issued": 1, "paper_returned": 1, "replacements": 2},
     ["replaced_token_used", "replacements_over_paper"]),
    ({"tokens_issued": 20, "electronic": 20, "paper_issued": 1, "paper_returned": 1,
      "replacements": 1}, ["replaced_token_used"]),
])
def test_turnout_inequalities(changes, codes):
    assert [code for code, _ in services.board.turnout_faults(_turnout(**changes))] == codes


def _replaceable(app, poll_key, sitting, *, present=5, tokens=4, n=6):
    congress_id, session_id = sitting
    with app_db(app) as s:
        p = poll_in_database(s, poll_key, session_id, status="closed")
        deputies = roster(s, congress_id, session_id, n, present=present, poll=p, tokens=tokens)
        return p.id, [d.number for d in deputies]


def _replace(app, poll_id, number, reason="手机丢失，且没有其他设备保存选票码"):
    with app_db(app) as s:
        return replacements.record_replacement(s, user(s, "clerk"), poll_id=poll_id, number=number,
                                               reason=reason)


def test_a_replacement_is_recorded_once_and_audited(app, poll_key, sitting):
    poll_id, numbers = _replaceable(app, poll_key, sitting)
    _replace(app, poll_id, numbers[0])
    with app_db(app) as s:
        assert replacements.replacements(s, poll_id) == [{"number": "001", "name": "代表001"}]
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "poll.replacement")).one()
        assert entry.details["number"] == "001" and "手机丢失" in entry.details["reason"]
    with pytest.raises(Conflict) as err:
        _replace(app, poll_id, numbers[0])
    assert err.value.code == "already_replaced"


@pytest.mark.parametrize(("which", "reason", "error", "words"), [
    (4, "丢失", Conflict, "没有领取选票凭证"),  # checked in, no token
    (5, "丢失", Conflict, "未签到"),  # not checked in
    (None, "丢失", Invalid, "没有编号为"),  # no such deputy
    (0, "  ", Invalid, "原因"),  # no reason
])
def test_a_replacement_is_refused_unless_checked_in_with_a_token(app, poll_key, sitting,
                                                                  which, reason, error, words):
    poll_id, numbers = _replaceable(app, poll_key, sitting)
    number = numbers[which] if which is not None else "999"
    with pytest.raises(error) as err:
        _replace(app, poll_id, number, reason)
    assert words in str(err.value)
    with app_db(app) as s:
        assert replacements.replacements(s, poll_id) == []


def test_no_replacement_after_the_count(app, poll_key, sitting):
    poll_id, numbers = _replaceable(app, poll_key, sitting)
    _tally(app, poll_id)
    with pytest.raises(Conflict) as err:
        _replace(app, poll_id, numbers[0])
    assert err.value.code == "not_replaceable"


def test_the_database_refuses_a_replacement_without_a_token(app, poll_key, sitting):
    from sqlalchemy.exc import IntegrityError

    from voting.sessions.models import Deputy
    from voting.tally.models import BallotReplacement

    poll_id, numbers = _replaceable(app, poll_key, sitting)
    with app_db(app) as s:
        deputy = s.scalar(select(Deputy).where(Deputy.number == numbers[4]))
        with pytest.raises(IntegrityError):
            s.add(BallotReplacement(poll_id=poll_id, deputy_id=deputy.id, reason="x"))
            s.flush()
        s.rollback()


def test_a_count_with_too_many_paper_ballots_names_the_numbers(app, poll_key, sitting,
                                                               monkeypatch):
    poll_id, _ = _setup(app, poll_key, sitting, n=10, present=10, tokens=8,
                        ballots=[["c1"]] * 8)
    monkeypatch.setattr(services, "_paper", lambda db, poll: services.Paper(
        issued=3, returned=3, ballots=[["c2"]] * 3))
    with app_db(app) as s, pytest.raises(Conflict) as err:
        services.tally_poll(s, user(s, "clerk"), poll_id, app.instance_path)
    assert err.value.code == "turnout_mismatch"
    message = str(err.value)  # in the request's language, as the page shows it
    assert "收回选票 11 张（电子 8 张，纸质 3 张），但实到代表只有 10 名" in message
    assert "选票凭证 8 张、纸质选票 3 张" in message and "拒绝计票" in message
    with app_db(app) as s:
        assert s.get(Poll, poll_id).status == "closed" and services.find_result(s, poll_id) is None


def test_a_check_in_after_the_close_makes_no_room_for_a_ballot(app, poll_key, sitting,
                                                               monkeypatch):
    """The turnout is the one at the close: checking in a deputy afterwards (allowed, for a
    later poll of the session) cannot justify a paper ballot too many."""
    from voting.ballots import services as ballots
    from voting.sessions import attendance

    congress_id, session_id = sitting
    poll_id, _ = _setup(app, poll_key, sitting, n=9, present=6, tokens=4,
                        ballots=[["c1"]] * 4, status="open")
    with app_db(app) as s:
        ballots.close_poll(s, user(s, "clerk"), poll_id)
    monkeypatch.setattr(services, "_paper", lambda db, poll: services.Paper(
        issued=3, returned=3, ballots=[["c2"]] * 3))
    with app_db(app) as s:
        late = s.scalars(select(Deputy).where(Deputy.congress_id == congress_id)
                         .order_by(Deputy.number)).all()[6]
        attendance.check_in(s, user(s, "clerk"), session_id=session_id, deputy_id=late.id,
                            by_desk=True)
    with app_db(app) as s, pytest.raises(Conflict) as err:
        services.tally_poll(s, user(s, "clerk"), poll_id, app.instance_path)
    assert err.value.code == "turnout_mismatch" and "实到代表只有 6 名" in str(err.value)
    with app_db(app) as s:
        poll = s.get(Poll, poll_id)
        assert (poll.eligible_at_close, poll.present_at_close) == (9, 6)
