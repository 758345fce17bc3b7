"""Paper ballots: issued/returned reconciliation, double entry by two tellers (each slot
belongs to one named teller account), mismatches and their resolution (both tellers, or the
scrutineer), and what the count receives."""

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from tests.helpers import HASH, app_db, user
from tests.polls import poll_in_database
from voting import db
from voting.audit.models import AuditEntry
from voting.ballots.models import Poll
from voting.auth.services import create_user
from voting.errors import Conflict, Forbidden, Invalid
from voting.tally import paper, paper_tellers
from voting.tally.paper_models import PaperEntry, PaperResolution, PaperTally
from voting.tally.rules import (ForAgainstRules, SelectionRules, Turnout, count_for_against,
                                count_selection)

PROJECTS = ["老旧小区改造", "城市道路维修", "中小学校舍改善", "社区养老服务"]


def paper_poll(s, session_id: int, *, kind="selection", seats=2, max_choices=2,
              status="closed") -> Poll:
    """A poll row with four candidates c1..c4 (no key needed: paper never uses it)."""
    return poll_in_database(s, None, session_id, candidates=len(PROJECTS), seats=seats,
                            max_choices=max_choices, kind=kind, status=status, titles=PROJECTS,
                            first_position=1)


TELLERS = (("t1", "张三"), ("t2", "李四"), ("scr", "王五"), ("t4", "赵六"))


def make_tellers(s) -> None:
    """Teller-role accounts t1 (张三), t2 (李四), scr (王五) and t4 (赵六)."""
    for username, name in TELLERS:
        if user(s, username) is None:
            create_user(s, hash_method=HASH, username=username, password="correct-horse", role="teller",
                        display_name=name)


def assign(s, poll_id: int, *, scrutineer: bool = True) -> None:
    """Slot 1 to t1, slot 2 to t2 and (by default) scr as the scrutineer."""
    make_tellers(s)
    paper_tellers.set_tellers(s, user(s, "clerk"), poll_id, teller1_user_id=user(s, "t1").id,
                              teller2_user_id=user(s, "t2").id,
                              scrutineer_user_id=user(s, "scr").id if scrutineer else None)


def slot(s, teller: int):
    return user(s, f"t{teller}")


def enter(s, poll_id: int, teller: int, number: int, marks):
    return paper.enter_ballot(s, slot(s, teller), poll_id, teller, number, marks)


def enter_both(s, actor, poll_id: int, number: int, marks) -> None:
    for teller in (1, 2):
        enter(s, poll_id, teller, number, marks)


def resolve_both(s, poll_id: int, number: int, marks) -> None:
    assert not paper.resolve(s, slot(s, 1), poll_id, number, marks).done
    assert paper.resolve(s, slot(s, 2), poll_id, number, marks).done


@pytest.fixture
def poll_id(app, sitting):
    with app_db(app) as s:
        poll = paper_poll(s, sitting[1])
        assign(s, poll.id)
        return poll.id


@pytest.fixture
def fa_poll_id(app, sitting):
    with app_db(app) as s:
        poll = paper_poll(s, sitting[1], kind="for_against", seats=2, max_choices=2)
        assign(s, poll.id)
        return poll.id


def test_a_poll_without_paper_is_ready_with_no_ballots(app, sitting):
    with app_db(app) as s:
        poll_id = paper_poll(s, sitting[1]).id
        assert paper.paper_ballots(s, s.get(Poll, poll_id)) == paper.PaperCount(
            ballots=[], issued=0, returned=0, ready=True, problem=None, mismatches=0)


def test_officials_alone_do_not_make_paper_ready(app, poll_id):
    with app_db(app) as s:
        paper_tellers.set_tellers(s, user(s, "clerk"), poll_id, teller1_user_id=slot(s, 1).id,
                                  teller2_user_id=slot(s, 2).id, scrutineers=["王五", "", "孙八"])
        count = paper.paper_ballots(s, s.get(Poll, poll_id))
        tally = paper.paper_record(s, s.get(Poll, poll_id))
    assert not count.ready and "发出和收回的票数尚未登记" in count.problem
    assert tally.scrutineers == ["王五", "孙八"]
    assert (tally.teller1_name, tally.teller2_name) == ("张三", "李四")


def test_more_returned_than_issued_voids_the_vote(app, poll_id):
    with app_db(app) as s:
        actor = user(s, "clerk")
        paper.record_issued_returned(s, actor, poll_id, 2, 3)
        for n in (1, 2, 3):
            enter_both(s, actor, poll_id, n, ["c1"])
        count = paper.paper_ballots(s, s.get(Poll, poll_id))
    assert (count.ready, count.issued, count.returned, count.ballots) == (False, 2, 3, [])
    assert count.problem == "收回票数多于发出票数，本次投票无效"
    with app.test_request_context("/?lang=en"):
        s = db.session()
        count = paper.paper_ballots(s, s.get(Poll, poll_id))
    assert count.problem == "More ballots were returned than issued: this vote is void."


def test_two_agreeing_tellers_make_the_ballots_ready(app, poll_id):
    with app_db(app) as s:
        actor = user(s, "clerk")
        paper.record_issued_returned(s, actor, poll_id, 5, 4)
        readings = [["c2", "c1"], "blank", "unreadable", ["c4"]]
        for n, marks in enumerate(readings, start=1):
            enter_both(s, actor, poll_id, n, marks)
        poll = s.get(Poll, poll_id)
        count = paper.paper_ballots(s, poll)
        assert paper.mismatches(s, poll) == []
        assert paper.progress(s, poll) == {1: 4, 2: 4}
    assert count == paper.PaperCount(ballots=[["c1", "c2"], [], None, ["c4"]], issued=5,
                                     returned=4, ready=True, problem=None, mismatches=0)


def test_a_difference_is_listed_with_both_readings_until_resolved(app, poll_id):
    with app_db(app) as s:
        actor = user(s, "clerk")
        paper.record_issued_returned(s, actor, poll_id, 3, 3)
        enter_both(s, actor, poll_id, 1, ["c1"])
        enter(s, poll_id, 1, 2, ["c1", "c2"])
        enter(s, poll_id, 2, 2, ["c1", "c3"])
        enter(s, poll_id, 1, 3, ["c3"])
        enter(s, poll_id, 2, 3, "blank")
        poll = s.get(Poll, poll_id)
        found = paper.mismatches(s, poll)
        count = paper.paper_ballots(s, poll)
    assert found == [
        paper.Mismatch(2, paper.Reading(["c1", "c2"], None), paper.Reading(["c1", "c3"], None)),
        paper.Mismatch(3, paper.Reading(["c3"], None), paper.Reading(None, "blank"))]
    assert not count.ready and count.mismatches == 2 and count.ballots == []
    assert "两名计票人录入不一致的选票：2 张" in count.problem
    with app_db(app) as s:
        actor = user(s, "clerk")
        resolve_both(s, poll_id, 2, ["c1", "c2"])
        count = paper.paper_ballots(s, s.get(Poll, poll_id))
    assert not count.ready and count.mismatches == 1
    with app_db(app) as s:
        assert paper.resolve(s, user(s, "scr"), poll_id, 3, "blank").done  # the scrutineer
        count = paper.paper_ballots(s, s.get(Poll, poll_id))
        resolutions = s.scalars(select(AuditEntry).where(AuditEntry.action == "paper.resolve")
                                .order_by(AuditEntry.seq)).all()
    assert count.ready and count.ballots == [["c1"], ["c1", "c2"], []]
    assert resolutions[0].details["number"] == 2
    assert resolutions[0].details["replaced"]["2"] == {"marks": ["c1", "c3"], "flag": None}
    assert resolutions[0].details["by"] == "both tellers" and resolutions[0].actor == "t2"
    assert resolutions[1].details["by"] == "scrutineer" and resolutions[1].actor == "scr"


def test_a_ballot_one_teller_has_not_entered_is_a_mismatch(app, poll_id):
    with app_db(app) as s:
        actor = user(s, "clerk")
        paper.record_issued_returned(s, actor, poll_id, 3, 3)
        enter_both(s, actor, poll_id, 1, ["c1"])
        enter_both(s, actor, poll_id, 2, ["c2"])
        enter(s, poll_id, 1, 3, ["c3"])
        poll = s.get(Poll, poll_id)
        found = paper.mismatches(s, poll)
        count = paper.paper_ballots(s, poll)
    assert found == [paper.Mismatch(3, paper.Reading(["c3"], None), None)]
    assert found[0].missing
    assert not count.ready and count.mismatches == 1
    assert "计票人一：3/3" in count.problem and "计票人二：2/3" in count.problem


def test_reentering_a_ballot_replaces_it_on_the_audit_log(app, poll_id):
    with app_db(app) as s:
        actor = user(s, "clerk")
        paper.record_issued_returned(s, actor, poll_id, 1, 1)
        enter(s, poll_id, 1, 1, ["c1"])
        enter(s, poll_id, 1, 1, ["c2"])
        entries = s.scalars(select(PaperEntry)).all()
        log = s.scalars(select(AuditEntry).where(AuditEntry.action == "paper.enter")
                        .order_by(AuditEntry.seq)).all()
    assert [(e.teller, e.number, e.marks) for e in entries] == [(1, 1, ["c2"])]
    assert log[0].details["replaced"] is None
    assert log[1].details["replaced"] == {"marks": ["c1"], "flag": None}
    assert log[1].details["marks"] == ["c2"] and log[1].actor == "t1"


def test_too_many_choices_go_to_the_count_which_finds_them_invalid(app, poll_id):
    with app_db(app) as s:
        actor = user(s, "clerk")
        paper.record_issued_returned(s, actor, poll_id, 3, 3)
        enter_both(s, actor, poll_id, 1, ["c1", "c2", "c3"])  # max_choices is 2
        enter_both(s, actor, poll_id, 2, ["c1", "c2"])
        enter_both(s, actor, poll_id, 3, ["c1"])
        poll = s.get(Poll, poll_id)
        count = paper.paper_ballots(s, poll)
        ids = [c.candidate_id for c in poll.candidates]
        rules = SelectionRules(seats=poll.seats, max_choices=poll.max_choices)
    assert count.ready and count.mismatches == 0
    assert count.ballots[0] == ["c1", "c2", "c3"]
    outcome = count_selection(ids, count.ballots, rules, Turnout(roster=3, present=3))
    assert (outcome.valid, outcome.invalid) == (2, 1)
    assert outcome.counts == {"c1": 2, "c2": 1, "c3": 0, "c4": 0}


def test_for_against_paper_ballots(app, fa_poll_id):
    with app_db(app) as s:
        actor = user(s, "clerk")
        paper.record_issued_returned(s, actor, fa_poll_id, 4, 4)
        # An explicit abstention and no mark count the same: the tellers agree.
        enter(s, fa_poll_id, 1, 1,
                           {"c1": "for", "c2": "against", "c3": "abstain"})
        enter(s, fa_poll_id, 2, 1, {"c1": "for", "c2": "against"})
        enter_both(s, actor, fa_poll_id, 2, {"c1": "for", "c2": "for", "c3": "for"})
        enter_both(s, actor, fa_poll_id, 3, "blank")
        enter(s, fa_poll_id, 1, 4, {"c4": "for"})
        enter(s, fa_poll_id, 2, 4, {"c4": "against"})
        poll = s.get(Poll, fa_poll_id)
        found = paper.mismatches(s, poll)
        paper.resolve(s, user(s, "scr"), fa_poll_id, 4, {"c4": "for", "c1": "abstain"})
        count = paper.paper_ballots(s, poll)
        ids = [c.candidate_id for c in poll.candidates]
        with pytest.raises(Invalid):
            enter(s, fa_poll_id, 1, 1, {"c1": "yes"})
        with pytest.raises(Invalid):
            enter(s, fa_poll_id, 1, 1, ["c1"])
    assert [m.number for m in found] == [4]
    assert count.ready
    assert count.ballots == [{"c1": "for", "c2": "against"}, {"c1": "for", "c2": "for", "c3": "for"},
                             {}, {"c4": "for"}]
    outcome = count_for_against(ids, count.ballots, ForAgainstRules(seats=2, max_for=2),
                                Turnout(roster=4, present=4))
    assert (outcome.valid, outcome.invalid) == (3, 1)  # three "for" marks: invalid
    assert outcome.counts == {"c1": 1, "c2": 0, "c3": 0, "c4": 1}
    assert outcome.against == {"c1": 0, "c2": 1, "c3": 0, "c4": 0}


def test_bad_entries_change_nothing(app, poll_id):
    with app_db(app) as s:
        actor = user(s, "clerk")
        with pytest.raises(Conflict) as exc:
            enter(s, poll_id, 1, 1, ["c1"])
        assert "请先登记" in str(exc.value.message)
        paper.record_issued_returned(s, actor, poll_id, 2, 2)
        enter(s, poll_id, 1, 2, ["c1"])
        cases = [(1, 3, ["c1"], "number"), (1, 0, ["c1"], "number"), (3, 1, ["c1"], "teller"),
                 (1, 1, ["c9"], "marks"), (1, 1, ["c1", "c1"], "marks"), (1, 1, [], "marks"),
                 (1, 1, "torn", "marks")]
        for teller, number, marks, field in cases:
            with pytest.raises(Invalid) as exc:
                paper.enter_ballot(s, slot(s, 1), poll_id, teller, number, marks)
            assert exc.value.field == field, (teller, number, marks)
        with pytest.raises(Invalid) as exc:
            paper.record_issued_returned(s, actor, poll_id, -1, 2)
        assert exc.value.field == "issued"
        with pytest.raises(Conflict) as exc:
            paper.record_issued_returned(s, actor, poll_id, 2, 1)  # ballot 2 is entered
        assert exc.value.field == "returned"
        with pytest.raises(Invalid):
            paper_tellers.set_tellers(s, actor, poll_id, teller1_user_id=slot(s, 1).id,
                                      teller2_user_id=slot(s, 1).id)
        entries = s.scalars(select(PaperEntry)).all()
        assert [(e.teller, e.number) for e in entries] == [(1, 2)]


@pytest.mark.parametrize("status", ["draft", "open", "tallied", "published"])
def test_counts_and_entries_only_while_the_poll_is_closed(app, sitting, status):
    with app_db(app) as s:
        poll = paper_poll(s, sitting[1], status="closed")
        paper.record_issued_returned(s, user(s, "clerk"), poll.id, 1, 1)
        poll.status = status
        poll_id = poll.id
    with app_db(app) as s:
        actor = user(s, "clerk")
        for call in (lambda: paper.record_issued_returned(s, actor, poll_id, 1, 1),
                     lambda: enter(s, poll_id, 1, 1, ["c1"]),
                     lambda: paper.resolve(s, actor, poll_id, 1, ["c1"])):
            with pytest.raises(Conflict):
                call()
        make_tellers(s)
        ids = {"teller1_user_id": slot(s, 1).id, "teller2_user_id": slot(s, 2).id}
        if status in ("draft", "open"):  # officials may be named before the count
            paper_tellers.set_tellers(s, actor, poll_id, **ids)
        else:
            with pytest.raises(Conflict):
                paper_tellers.set_tellers(s, actor, poll_id, **ids)


@pytest.mark.parametrize("values", [dict(teller=3, number=1), dict(teller=1, number=0),
                                    dict(teller=1, number=1, marks=None, flag=None),
                                    dict(teller=1, number=1, marks=["c1"], flag="torn")])
def test_the_database_refuses_impossible_entries(app, poll_id, values):
    row = {"poll_id": poll_id, "marks": ["c1"], "flag": None, **values}
    with app.app_context():
        s = db.session()
        s.add(PaperEntry(**row))
        with pytest.raises(IntegrityError):
            s.flush()
        s.rollback()


def test_the_database_refuses_a_second_entry_of_the_same_ballot(app, poll_id):
    with app.app_context():
        s = db.session()
        s.add_all([PaperEntry(poll_id=poll_id, teller=1, number=1, marks=["c1"]),
                   PaperEntry(poll_id=poll_id, teller=1, number=1, marks=["c2"])])
        with pytest.raises(IntegrityError):
            s.flush()
        s.rollback()


# ---- independent tellers -----------------------------------------------------------------

def test_only_the_slots_account_enters_in_it(app, poll_id):
    with app_db(app) as s:
        paper.record_issued_returned(s, user(s, "clerk"), poll_id, 2, 2)
        for actor, teller in (("t1", 2), ("t2", 1), ("scr", 1), ("t4", 2), ("clerk", 1)):
            with pytest.raises(Forbidden) as exc:
                paper.enter_ballot(s, user(s, actor), poll_id, teller, 1, ["c1"])
            assert ("张三" if teller == 1 else "李四") in str(exc.value.message)
        assert s.scalar(select(PaperEntry.id)) is None
        enter(s, poll_id, 1, 1, ["c1"])
        enter(s, poll_id, 2, 1, ["c1"])
        assert paper.progress(s, s.get(Poll, poll_id)) == {1: 1, 2: 1}


def test_no_entry_before_the_slot_has_an_account(app, sitting):
    with app_db(app) as s:
        poll = paper_poll(s, sitting[1])
        make_tellers(s)
        paper.record_issued_returned(s, user(s, "clerk"), poll.id, 1, 1)
        with pytest.raises(Conflict) as exc:
            paper.enter_ballot(s, user(s, "t1"), poll.id, 1, 1, ["c1"])
        assert "尚未" in str(exc.value.message)


def test_slot_and_scrutineer_accounts_must_be_three_tellers(app, sitting):
    with app_db(app) as s:
        poll = paper_poll(s, sitting[1])
        make_tellers(s)
        clerk_ = user(s, "clerk")
        t1, t2, scr = user(s, "t1").id, user(s, "t2").id, user(s, "scr").id
        bad = [dict(teller1_user_id=t1, teller2_user_id=t1),
               dict(teller1_user_id=t1, teller2_user_id=t2, scrutineer_user_id=t2),
               dict(teller1_user_id=t1, teller2_user_id=t2, scrutineer_user_id=t1),
               dict(teller1_user_id=clerk_.id, teller2_user_id=t2),  # not a teller account
               dict(teller1_user_id=t1, teller2_user_id=999)]
        for ids in bad:
            with pytest.raises(Invalid):
                paper_tellers.set_tellers(s, clerk_, poll.id, **ids)
        assert paper.paper_record(s, poll) is None or \
            paper.paper_record(s, poll).teller1_user_id is None
        tally = paper_tellers.set_tellers(s, clerk_, poll.id, teller1_user_id=t1, teller2_user_id=t2,
                                          scrutineer_user_id=scr, scrutineers=["孙八"])
        assert (tally.teller1_name, tally.teller2_name) == ("张三", "李四")
        assert tally.scrutineers == ["王五", "孙八"]  # the settling scrutineer is listed too


@pytest.mark.parametrize("values", [dict(teller1_user_id="t1", teller2_user_id="t1"),
                                    dict(teller1_user_id="t1", teller2_user_id="t2",
                                         scrutineer_user_id="t1"),
                                    dict(teller1_user_id="t1", teller2_user_id="t2",
                                         scrutineer_user_id="t2")])
def test_the_database_refuses_one_account_in_two_roles(app, sitting, values):
    with app_db(app) as s:
        poll = paper_poll(s, sitting[1])
        make_tellers(s)
        poll_id = poll.id
        ids = {k: user(s, v).id for k, v in values.items()}
    with app.app_context():
        s = db.session()
        s.add(PaperTally(poll_id=poll_id, scrutineers=[], **ids))
        with pytest.raises(IntegrityError):
            s.flush()
        s.rollback()


def test_a_slot_with_entries_keeps_its_teller(app, poll_id):
    with app_db(app) as s:
        paper.record_issued_returned(s, user(s, "clerk"), poll_id, 1, 1)
        enter(s, poll_id, 1, 1, ["c1"])
        with pytest.raises(Conflict):
            paper_tellers.set_tellers(s, user(s, "clerk"), poll_id, teller1_user_id=user(s, "t4").id,
                                      teller2_user_id=slot(s, 2).id)
        # Slot 2 has no entries yet: it may still change hands.
        tally = paper_tellers.set_tellers(s, user(s, "clerk"), poll_id, teller1_user_id=slot(s, 1).id,
                                          teller2_user_id=user(s, "t4").id)
        assert tally.teller2_name == "赵六"


def test_one_teller_alone_cannot_resolve(app, poll_id):
    with app_db(app) as s:
        paper.record_issued_returned(s, user(s, "clerk"), poll_id, 1, 1)
        enter(s, poll_id, 1, 1, ["c1"])
        enter(s, poll_id, 2, 1, ["c2"])
        poll = s.get(Poll, poll_id)
        first = paper.resolve(s, slot(s, 1), poll_id, 1, ["c1"])
        assert (first.done, first.waiting_for, first.differs) == (False, 2, False)
        # Confirming again, alone, still settles nothing.
        assert not paper.resolve(s, slot(s, 1), poll_id, 1, ["c1"]).done
        assert [m.number for m in paper.mismatches(s, poll)] == [1]
        # The other teller reads it differently: still a mismatch, and each is told.
        other = paper.resolve(s, slot(s, 2), poll_id, 1, ["c2"])
        assert (other.done, other.waiting_for, other.differs) == (False, 1, True)
        assert [m.number for m in paper.mismatches(s, poll)] == [1]
        assert set(paper.confirmations(s, poll)) == {(1, 1), (1, 2)}
        # They look again and agree.
        assert paper.resolve(s, slot(s, 2), poll_id, 1, ["c1"]).done
        assert paper.mismatches(s, poll) == [] and paper.confirmations(s, poll) == {}
        assert paper.paper_ballots(s, poll).ballots == [["c1"]]
        assert s.scalar(select(PaperResolution.id)) is None


def test_nobody_else_resolves(app, poll_id):
    with app_db(app) as s:
        paper.record_issued_returned(s, user(s, "clerk"), poll_id, 1, 1)
        enter(s, poll_id, 1, 1, ["c1"])
        enter(s, poll_id, 2, 1, ["c2"])
        for actor in ("clerk", "t4"):
            with pytest.raises(Forbidden):
                paper.resolve(s, user(s, actor), poll_id, 1, ["c1"])
        assert s.scalar(select(PaperResolution.id)) is None
        assert len(paper.mismatches(s, s.get(Poll, poll_id))) == 1


def test_without_a_scrutineer_both_tellers_must_agree(app, sitting):
    with app_db(app) as s:
        poll = paper_poll(s, sitting[1])
        assign(s, poll.id, scrutineer=False)
        paper.record_issued_returned(s, user(s, "clerk"), poll.id, 1, 1)
        enter(s, poll.id, 1, 1, "blank")
        enter(s, poll.id, 2, 1, ["c3"])
        with pytest.raises(Forbidden):
            paper.resolve(s, user(s, "scr"), poll.id, 1, ["c3"])
        resolve_both(s, poll.id, 1, ["c3"])
        assert paper.paper_ballots(s, poll).ballots == [["c3"]]


def test_a_new_entry_drops_the_confirmations_of_that_ballot(app, poll_id):
    with app_db(app) as s:
        paper.record_issued_returned(s, user(s, "clerk"), poll_id, 1, 1)
        enter(s, poll_id, 1, 1, ["c1"])
        enter(s, poll_id, 2, 1, ["c2"])
        paper.resolve(s, slot(s, 1), poll_id, 1, ["c2"])
        enter(s, poll_id, 1, 1, ["c3"])  # teller 1 re-reads the paper
        assert paper.confirmations(s, s.get(Poll, poll_id)) == {}
        # Teller 2's confirmation alone does not now settle it on teller 1's old word.
        assert not paper.resolve(s, slot(s, 2), poll_id, 1, ["c2"]).done


def test_a_ballot_saved_meanwhile_elsewhere_is_a_conflict_not_a_database_error(
        app, poll_id, monkeypatch):
    """Two saves of one ballot at once both look before either stores: the later one meets
    the unique constraint, and the service says so as a domain error (the page shows it)."""
    with app_db(app) as s:
        paper.record_issued_returned(s, user(s, "clerk"), poll_id, 1, 1)
        enter(s, poll_id, 1, 1, ["c1"])
    monkeypatch.setattr(paper, "entry_of", lambda *args: None)  # it looked before the other saved
    with app.test_request_context():
        s = db.session()
        with pytest.raises(Conflict, match="同时保存"):
            enter(s, poll_id, 1, 1, ["c2"])
        s.rollback()
        assert s.scalars(select(PaperEntry.marks)).all() == [["c1"]]
