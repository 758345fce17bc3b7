"""Paper ballots: issued/returned reconciliation, double entry by two tellers, and the paper
ballots handed to the count.

When paper may change (documented choice): the officials' names from the poll's creation
until it is counted (scrutineers are chosen before the vote); the issued/returned counts,
ballot entries and resolutions only while the poll is `closed`, that is after the ballot box
is opened and before the count. Once `tallied`, nothing on paper changes.

Each teller enters every returned ballot on their own, in their slot (1 or 2): the
secretariat assigns each slot to a named teller-role account, and only that account can enter
in it, so one person cannot fill both. The count may use the paper ballots only when both have
entered all of them and agree on each; a ballot the two read differently, or one has not
entered, is a mismatch, settled by `resolve`: either both slot tellers confirm the same
reading, or the scrutineer (a third teller-role account, neither slot's) settles it alone.
Both entries are then set to that reading, on the audit log. A ballot with more marks than
allowed is not a mismatch: it goes to the count as read, and rules.py counts it invalid.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from voting.audit.services import record
from voting.ballots import kinds
from voting.ballots.models import Poll
from voting.db import get_one
from voting.errors import MAX_ID, Conflict, Forbidden, Invalid
from voting.tally.paper_models import FLAGS, TELLER_SLOTS, PaperEntry, PaperResolution, PaperTally



@dataclass(frozen=True)
class PaperCount:
    """What the count receives. `ballots` (as the poll's kind reads them, e.g. selection:
    sorted candidate ids; for_against: {candidate id: "for"|"against"}, abstentions left out;
    None: unreadable) is filled only
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
class Resolved:
    """What a resolution did: `done` (both entries now read the same), or it waits for the
    other slot's teller (`waiting_for`), who may have confirmed another reading (`differs`)."""

    done: bool
    waiting_for: int | None = None
    differs: bool = False


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
    return get_one(db, Poll, poll_id, _l("No such poll."))


def paper_record(db: Session, poll: Poll) -> PaperTally | None:
    return db.get(PaperTally, poll.id)


def takes_paper(poll: Poll) -> bool:
    """Whether tellers may enter paper ballots of this poll's kind."""
    try:
        return kinds.of(poll).paper
    except kinds.UnknownKind:
        return False


def choices_of(poll: Poll, marks, flag: str | None):
    """The ballot as the count reads it: equal for two readings that count the same."""
    if flag == "unreadable":
        return None
    return kinds.of(poll).counted(marks, flag == "blank")


def form_marks(poll: Poll, form):
    """The marks a paper-entry form carries, as typed, in the poll kind's shape."""
    return kinds.of(poll).form_marks(poll, form)


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
    if not 0 < number <= MAX_ID:  # no ballot has it, and no integer column holds it
        return None
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

def require_writable(poll: Poll, *, closed_only: bool) -> None:
    if not takes_paper(poll):
        raise Conflict(_l("Paper ballots are not available for this kind of poll."))
    if poll.status in ("tallied", "published"):
        raise Conflict(_l("The poll has been counted: its paper ballots can no longer change."))
    if closed_only and poll.status != "closed":
        raise Conflict(_l("Paper ballots are counted and entered after the poll is closed."))


def record_for(db: Session, poll: Poll) -> PaperTally:
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
    require_writable(poll, closed_only=True)
    issued, returned = _count(issued, "issued"), _count(returned, "returned")
    highest = db.scalar(select(func.max(PaperEntry.number)).where(PaperEntry.poll_id == poll.id))
    if highest is not None and returned < highest:
        raise Conflict(_l("Ballot %(n)s has already been entered: the number returned cannot be "
                          "lower.", n=highest), field="returned")
    tally = record_for(db, poll)
    before = {"issued": tally.issued, "returned": tally.returned}
    tally.issued, tally.returned = issued, returned
    db.flush()
    record(db, actor, "paper.counts", "poll", poll.id, issued=issued, returned=returned,
           before=before)
    return tally


def slot_label(teller: int):
    return _l("Teller 1") if teller == 1 else _l("Teller 2")


def require_slot_holder(tally: PaperTally | None, actor, teller: int) -> None:
    """Only the account assigned to the slot enters in it."""
    if tally is None or getattr(tally, f"teller{teller}_user_id") is None:
        raise Conflict(_l("The secretariat has not yet assigned an account to %(slot)s.",
                          slot=slot_label(teller)))
    if getattr(actor, "id", None) != getattr(tally, f"teller{teller}_user_id"):
        raise Forbidden(_l("Only the account of %(name)s (%(slot)s) can enter ballots in this "
                           "slot.", name=getattr(tally, f"teller{teller}_name"),
                           slot=slot_label(teller)))


def _reading(poll: Poll, marks) -> tuple[list | dict | None, str | None]:
    """Check what a teller entered: a flag ("unreadable", "blank") or the marks. Too many
    marks pass: the count decides validity, not the entry."""
    if isinstance(marks, str):
        if marks not in FLAGS:
            raise Invalid(_l("Unknown mark."), field="marks")
        return None, marks
    value = kinds.of(poll).reading(poll, marks)
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
    require_writable(poll, closed_only=True)
    if teller not in TELLER_SLOTS:
        raise Invalid(_l("The teller must be 1 or 2."), field="teller")
    tally = paper_record(db, poll)
    require_slot_holder(tally, actor, teller)
    number = _ballot_number(tally, number)
    value, flag = _reading(poll, marks)
    before = _as_dict(entry_of(db, poll, teller, number))
    try:
        entry = _put(db, poll, teller, number, value, flag)
        _drop_confirmations(db, poll, number)  # a new reading: what was confirmed no longer holds
        db.flush()
    except IntegrityError as exc:  # the same ballot saved twice at once: the other save won
        raise Conflict(_l("This ballot was saved at the same moment elsewhere; check it and "
                          "save again.")) from exc
    record(db, actor, "paper.enter", "poll", poll.id, teller=teller, number=number,
           marks=value, flag=flag, replaced=before)
    return entry


def confirmations(db: Session, poll: Poll) -> dict[tuple[int, int], Reading]:
    """{(number, slot): the reading that slot's teller confirmed for that disputed ballot}."""
    rows = db.scalars(select(PaperResolution).where(PaperResolution.poll_id == poll.id))
    return {(r.number, r.teller): Reading(r.marks, r.flag) for r in rows}


def _drop_confirmations(db: Session, poll: Poll, number: int) -> None:
    db.execute(delete(PaperResolution).where(PaperResolution.poll_id == poll.id,
                                             PaperResolution.number == number))


def resolver_role(tally: PaperTally | None, actor) -> int | str | None:
    """How this account may settle a mismatch: its slot (1 or 2), "scrutineer", or None."""
    if tally is None:
        return None
    user_id = getattr(actor, "id", None)
    slot = tally.slot_of(user_id)
    if slot is not None:
        return slot
    if user_id is not None and user_id == tally.scrutineer_user_id:
        return "scrutineer"
    return None


def resolve(db: Session, actor, poll_id: int, number: int, marks) -> Resolved:
    """Settle ballot `number`. A slot teller confirms a reading; once the other slot's teller
    has confirmed the same one, both entries become it. The scrutineer settles it at once.
    Nobody else can: one person alone never decides what a disputed ballot says."""
    poll = get_poll(db, poll_id)
    require_writable(poll, closed_only=True)
    # Locked: two tellers confirming at the same moment must see each other's confirmation.
    tally = db.get(PaperTally, poll.id, with_for_update=True, populate_existing=True)
    role = resolver_role(tally, actor)
    if role is None:
        raise Forbidden(_l("Only the two tellers together, or the scrutineer, can settle a "
                           "ballot the tellers read differently."))
    number = _ballot_number(tally, number)
    value, flag = _reading(poll, marks)
    if role != "scrutineer":
        mine = db.scalar(select(PaperResolution).where(PaperResolution.poll_id == poll.id,
                                                       PaperResolution.number == number,
                                                       PaperResolution.teller == role))
        if mine is None:
            mine = PaperResolution(poll_id=poll.id, number=number, teller=role)
            db.add(mine)
        mine.marks, mine.flag = value, flag
        db.flush()
        other = 2 if role == 1 else 1
        theirs = db.scalar(select(PaperResolution).where(PaperResolution.poll_id == poll.id,
                                                         PaperResolution.number == number,
                                                         PaperResolution.teller == other))
        if theirs is None or choices_of(poll, theirs.marks, theirs.flag) \
                != choices_of(poll, value, flag):
            record(db, actor, "paper.resolve_confirm", "poll", poll.id, number=number,
                   teller=role, marks=value, flag=flag)
            return Resolved(False, waiting_for=other, differs=theirs is not None)
    before = {str(t): _as_dict(entry_of(db, poll, t, number)) for t in TELLER_SLOTS}
    for teller in TELLER_SLOTS:
        _put(db, poll, teller, number, value, flag)
    _drop_confirmations(db, poll, number)
    db.flush()
    record(db, actor, "paper.resolve", "poll", poll.id, number=number, marks=value, flag=flag,
           by="scrutineer" if role == "scrutineer" else "both tellers", replaced=before)
    return Resolved(True)


def withdraw_last(db: Session, actor, poll_id: int, reason: str) -> int:
    """Take back both tellers' readings of the highest-numbered ballot, so that a box counted
    one too many can be corrected (then the number returned can be lowered). Only the
    scrutineer, with a reason; the readings taken back stay on the audit log."""
    poll = get_poll(db, poll_id)
    require_writable(poll, closed_only=True)
    tally = db.get(PaperTally, poll.id, with_for_update=True, populate_existing=True)
    if resolver_role(tally, actor) != "scrutineer":
        raise Forbidden(_l("Only the scrutineer's account can take back an entered ballot."))
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(_l("Say why the ballot is taken back."), field="reason")
    highest = db.scalar(select(func.max(PaperEntry.number)).where(PaperEntry.poll_id == poll.id))
    if highest is None:
        raise Conflict(_l("No paper ballot has been entered yet."))
    readings = {str(t): _as_dict(entry_of(db, poll, t, highest)) for t in TELLER_SLOTS}
    db.execute(delete(PaperEntry).where(PaperEntry.poll_id == poll.id,
                                        PaperEntry.number == highest))
    _drop_confirmations(db, poll, highest)
    db.flush()
    record(db, actor, "paper.withdraw", "poll", poll.id, number=highest, reason=reason,
           readings=readings)
    return highest
