"""Paper ballots: issued/returned reconciliation, double entry by two tellers, and the paper
ballots handed to the count.

When paper may change (documented choice): the officials' names from the poll's creation
until it is counted (scrutineers are chosen before the vote); the issued/returned counts,
ballot entries and resolutions only while the poll is `closed`, that is after the ballot box
is opened and before the count. Once `tallied`, nothing on paper changes.

Each teller enters every returned ballot on their own (slot 1 or 2). The count may use the
paper ballots only when both have entered all of them and agree on each; a ballot the two
read differently, or one has not entered, is a mismatch, settled by `resolve` (both entries
set to what the tellers and scrutineers agreed, on the audit log). A ballot with more marks
than allowed is not a mismatch: it goes to the count as read, and rules.py counts it invalid.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from voting.audit.services import record
from voting.ballots.models import Poll
from voting.errors import Conflict, Invalid, NotFound
from voting.tally.paper_models import FLAGS, TELLER_SLOTS, PaperEntry, PaperTally
from voting.tally.rules import FOR_AGAINST_CHOICES

PAPER_KINDS = ("selection", "for_against")
NAME_MAX = 80
SCRUTINEERS_MAX = 20


@dataclass(frozen=True)
class PaperCount:
    """What the count receives. `ballots` (selection: sorted candidate ids; for_against:
    {candidate id: "for"|"against"}, abstentions left out; None: unreadable) is filled only
    when `ready`; `problem` says why not."""

    ballots: list
    issued: int
    returned: int
    ready: bool
    problem: str | None
    mismatches: int


@dataclass(frozen=True)
class Reading:
    """One teller's entry of one ballot, as entered."""

    marks: list | dict | None
    flag: str | None

    @classmethod
    def of(cls, entry: PaperEntry | None) -> Reading | None:
        return None if entry is None else cls(entry.marks, entry.flag)


@dataclass(frozen=True)
class Mismatch:
    """Ballot `number` is missing for a teller (None) or the two readings differ."""

    number: int
    first: Reading | None
    second: Reading | None

    @property
    def missing(self) -> bool:
        return self.first is None or self.second is None


# ---- reading the record ------------------------------------------------------------------

def get_poll(db: Session, poll_id: int) -> Poll:
    poll = db.get(Poll, poll_id)
    if poll is None:
        raise NotFound(_l("No such poll."))
    return poll


def paper_record(db: Session, poll: Poll) -> PaperTally | None:
    return db.get(PaperTally, poll.id)


def choices_of(poll: Poll, marks, flag: str | None):
    """The ballot as the count reads it: equal for two readings that count the same."""
    if flag == "unreadable":
        return None
    if poll.kind == "for_against":
        return {} if flag == "blank" else {c: m for c, m in sorted(marks.items()) if m != "abstain"}
    return [] if flag == "blank" else sorted(marks)


def _entries(db: Session, poll: Poll) -> dict[tuple[int, int], PaperEntry]:
    rows = db.scalars(select(PaperEntry).where(PaperEntry.poll_id == poll.id))
    return {(e.teller, e.number): e for e in rows}


def progress(db: Session, poll: Poll) -> dict[int, int]:
    """Ballots entered by each teller slot (within the returned count)."""
    tally = paper_record(db, poll)
    limit = tally.returned if tally is not None and tally.returned is not None else 0
    rows = db.execute(select(PaperEntry.teller, func.count())
                      .where(PaperEntry.poll_id == poll.id, PaperEntry.number <= limit)
                      .group_by(PaperEntry.teller)).all()
    done = dict.fromkeys(TELLER_SLOTS, 0)
    done.update({teller: n for teller, n in rows})
    return done


def next_number(db: Session, poll: Poll, teller: int) -> int | None:
    """The first returned ballot this teller has not entered yet."""
    tally = paper_record(db, poll)
    if tally is None or not tally.returned:
        return None
    entered = set(db.scalars(select(PaperEntry.number).where(
        PaperEntry.poll_id == poll.id, PaperEntry.teller == teller)))
    return next((n for n in range(1, tally.returned + 1) if n not in entered), None)


def entry_of(db: Session, poll: Poll, teller: int, number: int) -> PaperEntry | None:
    return db.scalar(select(PaperEntry).where(PaperEntry.poll_id == poll.id,
                                              PaperEntry.teller == teller,
                                              PaperEntry.number == number))


def mismatches(db: Session, poll: Poll) -> list[Mismatch]:
    """Every returned ballot not entered by both tellers or read differently, by number."""
    tally = paper_record(db, poll)
    if tally is None or not tally.returned:
        return []
    entries = _entries(db, poll)
    found = []
    for number in range(1, tally.returned + 1):
        first, second = entries.get((1, number)), entries.get((2, number))
        if (first is None or second is None
                or choices_of(poll, first.marks, first.flag)
                != choices_of(poll, second.marks, second.flag)):
            found.append(Mismatch(number, Reading.of(first), Reading.of(second)))
    return found


def paper_ballots(db: Session, poll: Poll) -> PaperCount:
    """The poll's paper ballots for the count, or why they cannot be counted yet."""
    tally = paper_record(db, poll)
    if tally is None:
        return PaperCount(ballots=[], issued=0, returned=0, ready=True, problem=None,
                          mismatches=0)
    issued, returned = tally.issued, tally.returned
    if issued is None or returned is None:
        return PaperCount([], issued or 0, returned or 0, False,
                          _("The numbers of paper ballots issued and returned have not been "
                            "recorded."), 0)
    found = mismatches(db, poll)
    if returned > issued:
        return PaperCount([], issued, returned, False,
                          _("More ballots were returned than issued: this vote is void."),
                          len(found))
    if found:
        problems = []
        done = progress(db, poll)
        if any(m.missing for m in found):
            problems.append(_("Not every returned ballot has been entered by both tellers "
                              "(teller 1: %(first)s/%(returned)s, teller 2: "
                              "%(second)s/%(returned)s).",
                              first=done[1], second=done[2], returned=returned))
        differ = sum(1 for m in found if not m.missing)
        if differ:
            problems.append(_("Ballots the two tellers entered differently: %(n)s; resolve "
                              "them before counting.", n=differ))
        return PaperCount([], issued, returned, False, " ".join(problems), len(found))
    entries = _entries(db, poll)
    ballots = [choices_of(poll, entries[1, n].marks, entries[1, n].flag)
               for n in range(1, returned + 1)]
    return PaperCount(ballots, issued, returned, True, None, 0)


# ---- changing the record -----------------------------------------------------------------

def _writable(poll: Poll, *, closed_only: bool) -> None:
    if poll.kind not in PAPER_KINDS:
        raise Conflict(_l("Paper ballots are not available for this kind of poll."))
    if poll.status in ("tallied", "published"):
        raise Conflict(_l("The poll has been counted: its paper ballots can no longer change."))
    if closed_only and poll.status != "closed":
        raise Conflict(_l("Paper ballots are counted and entered after the poll is closed."))


def _record_for(db: Session, poll: Poll) -> PaperTally:
    tally = paper_record(db, poll)
    if tally is None:
        tally = PaperTally(poll_id=poll.id, scrutineers=[])
        db.add(tally)
    return tally


def _count(value, field_name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100_000:
        raise Invalid(_l("Enter a whole number from 0 to 100000."), field=field_name)
    return value


def record_issued_returned(db: Session, actor, poll_id: int, issued: int,
                           returned: int) -> PaperTally:
    """The secretariat's counts of paper ballots handed out (发出) and found in the box (收回)."""
    poll = get_poll(db, poll_id)
    _writable(poll, closed_only=True)
    issued, returned = _count(issued, "issued"), _count(returned, "returned")
    highest = db.scalar(select(func.max(PaperEntry.number)).where(PaperEntry.poll_id == poll.id))
    if highest is not None and returned < highest:
        raise Conflict(_l("Ballot %(n)s has already been entered: the number returned cannot be "
                          "lower.", n=highest), field="returned")
    tally = _record_for(db, poll)
    before = {"issued": tally.issued, "returned": tally.returned}
    tally.issued, tally.returned = issued, returned
    db.flush()
    record(db, actor, "paper.counts", "poll", poll.id, issued=issued, returned=returned,
           before=before)
    return tally


def _name(value: str | None, field_name: str) -> str | None:
    value = (value or "").strip()
    if len(value) > NAME_MAX:
        raise Invalid(_l("At most %(n)s characters.", n=NAME_MAX), field=field_name)
    return value or None


def set_tellers(db: Session, actor, poll_id: int, *, teller1: str | None, teller2: str | None,
                scrutineers: Sequence[str] = ()) -> PaperTally:
    """Name the two tellers (计票人, entry slots 1 and 2) and the scrutineers (监票人)."""
    poll = get_poll(db, poll_id)
    _writable(poll, closed_only=False)
    first, second = _name(teller1, "teller1"), _name(teller2, "teller2")
    if first is not None and first == second:
        raise Invalid(_l("The two tellers must be two different people."), field="teller2")
    names = [n for n in (_name(s, "scrutineers") for s in scrutineers) if n]
    if len(names) > SCRUTINEERS_MAX:
        raise Invalid(_l("At most %(n)s scrutineers.", n=SCRUTINEERS_MAX), field="scrutineers")
    tally = _record_for(db, poll)
    tally.teller1_name, tally.teller2_name, tally.scrutineers = first, second, names
    db.flush()
    record(db, actor, "paper.officials", "poll", poll.id, tellers=[first, second],
           scrutineers=names)
    return tally


def _reading(poll: Poll, marks) -> tuple[list | dict | None, str | None]:
    """Check what a teller entered: a flag ("unreadable", "blank") or the marks. Too many
    marks pass: the count decides validity, not the entry."""
    if isinstance(marks, str):
        if marks not in FLAGS:
            raise Invalid(_l("Unknown mark."), field="marks")
        return None, marks
    known = {c.candidate_id for c in poll.candidates}
    if poll.kind == "for_against":
        if not isinstance(marks, Mapping):
            raise Invalid(_l("Unknown mark."), field="marks")
        if not marks.keys() <= known or not set(marks.values()) <= FOR_AGAINST_CHOICES:
            raise Invalid(_l("Unknown candidate or mark."), field="marks")
        value = dict(sorted(marks.items()))
    else:
        if isinstance(marks, Mapping) or not isinstance(marks, Sequence):
            raise Invalid(_l("Unknown mark."), field="marks")
        if not set(marks) <= known or len(set(marks)) != len(marks):
            raise Invalid(_l("Unknown or repeated candidate."), field="marks")
        value = sorted(marks)
    if not value:
        raise Invalid(_l("Nothing is marked: if the ballot is blank, choose “blank”."),
                      field="marks")
    return value, None


def _ballot_number(tally: PaperTally | None, number) -> int:
    if tally is None or tally.returned is None:
        raise Conflict(_l("Record the numbers of ballots issued and returned first."))
    if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= tally.returned:
        raise Invalid(_l("The ballot number must be from 1 to %(n)s.", n=tally.returned),
                      field="number")
    return number


def _as_dict(entry: PaperEntry | None) -> dict | None:
    return None if entry is None else {"marks": entry.marks, "flag": entry.flag}


def _put(db: Session, poll: Poll, teller: int, number: int, value, flag) -> PaperEntry:
    entry = entry_of(db, poll, teller, number)
    if entry is None:
        entry = PaperEntry(poll_id=poll.id, teller=teller, number=number)
        db.add(entry)
    entry.marks, entry.flag = value, flag
    return entry


def enter_ballot(db: Session, actor, poll_id: int, teller: int, number: int,
                 marks) -> PaperEntry:
    """One teller's reading of ballot `number`; entering it again replaces the reading (the
    old one stays on the audit log)."""
    poll = get_poll(db, poll_id)
    _writable(poll, closed_only=True)
    if teller not in TELLER_SLOTS:
        raise Invalid(_l("The teller must be 1 or 2."), field="teller")
    number = _ballot_number(paper_record(db, poll), number)
    value, flag = _reading(poll, marks)
    before = _as_dict(entry_of(db, poll, teller, number))
    entry = _put(db, poll, teller, number, value, flag)
    db.flush()
    record(db, actor, "paper.enter", "poll", poll.id, teller=teller, number=number,
           marks=value, flag=flag, replaced=before)
    return entry


def resolve(db: Session, actor, poll_id: int, number: int, marks) -> None:
    """Settle ballot `number`: both tellers' entries become the agreed reading."""
    poll = get_poll(db, poll_id)
    _writable(poll, closed_only=True)
    number = _ballot_number(paper_record(db, poll), number)
    value, flag = _reading(poll, marks)
    before = {str(t): _as_dict(entry_of(db, poll, t, number)) for t in TELLER_SLOTS}
    for teller in TELLER_SLOTS:
        _put(db, poll, teller, number, value, flag)
    db.flush()
    record(db, actor, "paper.resolve", "poll", poll.id, number=number, marks=value, flag=flag,
           replaced=before)
