"""Replacements: a paper ballot given to a deputy who already holds a ballot token (a lost or
broken device). Listed by name on the result, so that the turnout's arithmetic (tokens plus
paper issued, at most those present plus the replacements) stays public and exact."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from voting.audit.services import record
from voting.ballots.models import Poll, TokenIssuance
from voting.db import get_one
from voting.errors import Conflict, Invalid
from voting.sessions.models import Attendance, CongressSession, Deputy
from voting.tally import paper
from voting.tally.models import BallotReplacement

MAX_REASON = 200

REPLACEABLE_STATUSES = ("open", "closed")


def replacements(db: Session, poll_id: int) -> list[dict]:
    """The deputies given a paper ballot in place of their token, as the result lists them:
    {number, name}, sorted by roster number (no trace of the order they were recorded in)."""
    rows = db.execute(select(Deputy.number, Deputy.name)
                      .join(BallotReplacement, BallotReplacement.deputy_id == Deputy.id)
                      .where(BallotReplacement.poll_id == poll_id)).all()
    return sorted(({"number": number, "name": name} for number, name in rows),
                  key=lambda r: (r["number"], r["name"]))


def record_replacement(db: Session, actor, *, poll_id: int, number: str,
                       reason: str) -> BallotReplacement:
    """Deputy `number` (checked in, holding a token) was given a paper ballot in its place:
    their device was lost or broken. Once per deputy and poll, before the count; on the
    audit log. Without this record the count refuses a paper ballot beyond those present."""
    poll = get_one(db, Poll, poll_id, _l("No such poll."), with_for_update=True,
                   populate_existing=True)
    if poll.status not in REPLACEABLE_STATUSES:
        raise Conflict(_l("A replacement can be recorded only while the poll is open or closed, "
                          "before the count."), code="not_replaceable")
    if not paper.takes_paper(poll):
        raise Conflict(_l("Paper ballots are not available for this kind of poll."))
    number = (number or "").strip()
    reason = (reason or "").strip()
    if not number:
        raise Invalid(_l("Enter the deputy's number."), field="number")
    if not reason:
        raise Invalid(_l("Say why the deputy was given a paper ballot."), field="reason")
    if len(reason) > MAX_REASON:
        raise Invalid(_l("At most %(n)s characters.", n=MAX_REASON), field="reason")
    session = db.get(CongressSession, poll.session_id)
    deputy = db.scalar(select(Deputy).where(Deputy.congress_id == session.congress_id,
                                            Deputy.number == number))
    if deputy is None:
        raise Invalid(_l("No deputy of this congress has the number %(number)s.", number=number),
                      field="number")
    present = db.scalar(select(Attendance.id).where(Attendance.session_id == session.id,
                                                    Attendance.deputy_id == deputy.id))
    if present is None:
        raise Conflict(_l("%(name)s (%(number)s) is not checked in: a replacement is only for a "
                          "deputy present.", name=deputy.name, number=deputy.number),
                       field="number")
    token = db.scalar(select(TokenIssuance.id).where(TokenIssuance.poll_id == poll.id,
                                                     TokenIssuance.deputy_id == deputy.id))
    if token is None:
        raise Conflict(_l("%(name)s (%(number)s) was not issued a ballot token for this poll: "
                          "they need an ordinary paper ballot, not a replacement.",
                          name=deputy.name, number=deputy.number), field="number")
    already = db.scalar(select(BallotReplacement.id).where(
        BallotReplacement.poll_id == poll.id, BallotReplacement.deputy_id == deputy.id))
    if already is not None:
        raise Conflict(_l("%(name)s (%(number)s) has already been given a replacement paper "
                          "ballot for this poll.", name=deputy.name, number=deputy.number),
                       field="number", code="already_replaced")
    row = BallotReplacement(poll_id=poll.id, deputy_id=deputy.id, reason=reason)
    db.add(row)
    try:
        db.flush()
    except IntegrityError as exc:  # recorded meanwhile by another request
        raise Conflict(_l("%(name)s (%(number)s) has already been given a replacement paper "
                          "ballot for this poll.", name=deputy.name, number=deputy.number),
                       field="number", code="already_replaced") from exc
    record(db, actor, "poll.replacement", "poll", poll.id, deputy_id=deputy.id,
           number=deputy.number, reason=reason)
    return row


