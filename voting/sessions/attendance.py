"""Attendance: check-in to a session and the quorum (read by ballots and the tally).

Services flush and never commit.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from voting.audit.services import record
from voting.auth.models import Role
from voting.errors import Conflict, Forbidden
from voting.sessions.congresses import get_session
from voting.sessions.freeze import freezing_poll
from voting.sessions.models import Attendance, CongressSession, Delegation, Deputy
from voting.sessions.roster import get_deputy, search_deputies


@dataclass(frozen=True)
class Quorum:
    expected: int  # active deputies on the roster
    present: int  # of them, checked in to the session
    required: int  # the fewest present for a quorum: present * den >= expected * num
    met: bool


@dataclass(frozen=True)
class DelegationCount:
    name: str | None  # None: deputies without a delegation
    expected: int
    present: int


def check_in(db: Session, actor, *, session_id: int, deputy_id: int, by_desk: bool) -> Attendance:
    """Idempotent: a second check-in returns the first. Only active deputies of the session's
    congress; a deputy may check in only themselves."""
    session = get_session(db, session_id)
    deputy = get_deputy(db, deputy_id)
    if deputy.congress_id != session.congress_id:
        raise Forbidden(_l("%(name)s is not a deputy of this congress.", name=deputy.name))
    if not deputy.active:
        raise Forbidden(_l("%(name)s is no longer on the roster.", name=deputy.name))
    if getattr(actor, "role", None) == Role.DEPUTY.value and actor.id != deputy.user_id:
        raise Forbidden(_l("You can only check yourself in."))
    frozen_by = freezing_poll(db, session_id=session.id)
    if frozen_by is not None:
        already = _attendance(db, session.id, deputy.id)
        if already is not None:  # nothing changes: the answer stays idempotent
            return already
        raise Conflict(_l("Check-in is closed while the poll “%(title)s” is open; it reopens "
                          "when the poll is closed.", title=frozen_by.title),
                       code="roster_frozen")
    # Insert-or-ignore: a double tap or a desk and a phone at the same moment make one row,
    # and only the one that made it is audited, in the caller's transaction.
    insert = pg_insert if db.get_bind().dialect.name == "postgresql" else sqlite_insert
    created = db.scalar(insert(Attendance)
                        .values(session_id=session.id, deputy_id=deputy.id, by_desk=by_desk)
                        .on_conflict_do_nothing(index_elements=["session_id", "deputy_id"])
                        .returning(Attendance.id))
    attendance = _attendance(db, session.id, deputy.id)
    if created is None:
        return attendance
    record(db, actor, "attendance.check_in", "attendance", attendance.id, session_id=session.id,
           deputy_id=deputy.id, number=deputy.number, by_desk=by_desk)
    return attendance


def _attendance(db: Session, session_id: int, deputy_id: int) -> Attendance | None:
    return db.scalar(select(Attendance).where(Attendance.session_id == session_id,
                                              Attendance.deputy_id == deputy_id))


def is_checked_in(db: Session, session_id: int, deputy_id: int) -> bool:
    """Checked in and still an active deputy."""
    query = (select(Attendance.id).join(Deputy, Deputy.id == Attendance.deputy_id)
             .where(Attendance.session_id == session_id, Attendance.deputy_id == deputy_id,
                    Deputy.active.is_(True)))
    return db.scalar(query) is not None


def deputy_for_user(db: Session, user_id: int, congress_id: int) -> Deputy | None:
    """The user's deputy record in that congress (inactive ones too: check `active`)."""
    return db.scalar(select(Deputy).where(Deputy.user_id == user_id,
                                          Deputy.congress_id == congress_id))


def deputy_of_user(db: Session, user_id: int) -> Deputy | None:
    """A deputy account belongs to exactly one roster entry."""
    return db.scalar(select(Deputy).where(Deputy.user_id == user_id))


def roster_count(db: Session, congress_id: int) -> int:
    return db.scalar(select(func.count(Deputy.id)).where(Deputy.congress_id == congress_id,
                                                         Deputy.active.is_(True))) or 0


def _present_count(db: Session, session_id: int) -> int:
    query = (select(func.count(Attendance.id)).join(Deputy, Deputy.id == Attendance.deputy_id)
             .where(Attendance.session_id == session_id, Deputy.active.is_(True)))
    return db.scalar(query) or 0


def quorum(db: Session, session: CongressSession) -> Quorum:
    """At least numerator/denominator of the active roster present (default two thirds:
    三分之二以上 includes two thirds itself, so 6 of 9 sit). Integer arithmetic only."""
    expected = roster_count(db, session.congress_id)
    present = _present_count(db, session.id)
    num, den = session.quorum_numerator, session.quorum_denominator
    required = -(-expected * num // den)  # ceil(expected * num / den)
    return Quorum(expected=expected, present=present, required=required,
                  met=present * den >= expected * num)


def delegation_counts(db: Session, session: CongressSession) -> list[DelegationCount]:
    """Active deputies and those present, per delegation (by name; no delegation last)."""
    present = func.count(Attendance.id)
    query = (select(Delegation.name, func.count(Deputy.id), present)
             .select_from(Deputy)
             .outerjoin(Delegation, Delegation.id == Deputy.delegation_id)
             .outerjoin(Attendance, (Attendance.deputy_id == Deputy.id)
                        & (Attendance.session_id == session.id))
             .where(Deputy.congress_id == session.congress_id, Deputy.active.is_(True))
             .group_by(Delegation.name))
    rows = [DelegationCount(name, expected, present)
            for name, expected, present in db.execute(query)]
    return sorted(rows, key=lambda r: (r.name is None, r.name or ""))


def sessions_of_deputy(db: Session,
                       deputy: Deputy) -> list[tuple[CongressSession, Attendance | None]]:
    """The sessions of the deputy's congress, latest first, with the deputy's check-in."""
    query = (select(CongressSession, Attendance)
             .outerjoin(Attendance, (Attendance.session_id == CongressSession.id)
                        & (Attendance.deputy_id == deputy.id))
             .where(CongressSession.congress_id == deputy.congress_id)
             .order_by(CongressSession.year.desc(), CongressSession.id.desc()))
    return [(s, a) for s, a in db.execute(query)]


def desk_search(db: Session, session: CongressSession, q: str,
                limit: int = 50) -> tuple[int, list[tuple[Deputy, Attendance | None]]]:
    """Active deputies matching `q` with their check-in to the session, for the desk."""
    total, deputies = search_deputies(db, session.congress_id, q, active_only=True, limit=limit)
    attendance = {a.deputy_id: a for a in db.scalars(
        select(Attendance).where(Attendance.session_id == session.id,
                                 Attendance.deputy_id.in_([d.id for d in deputies])))}
    return total, [(d, attendance.get(d.id)) for d in deputies]
