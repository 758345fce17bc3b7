"""The roster freeze: while a poll is open, no roster, credential or check-in change."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from voting.ballots.models import Poll
from voting.errors import Conflict
from voting.sessions.models import CongressSession


def freezing_poll(db: Session, *, congress_id: int | None = None,
              session_id: int | None = None) -> Poll | None:
    """The open poll of the session (or of any session of the congress), if there is one.

    While a poll is open the roster, the credentials and check-in are frozen: otherwise the
    secretariat could reset a deputy's password, or add a deputy and check them in, and vote
    in their place. The congress's draft and open polls are locked (FOR SHARE on PostgreSQL)
    so that a poll cannot open in the middle of a change it would have refused."""
    query = (select(Poll).join(CongressSession, CongressSession.id == Poll.session_id)
             .where(Poll.status.in_(("draft", "open"))))
    if session_id is not None:
        query = query.where(Poll.session_id == session_id)
    else:
        query = query.where(CongressSession.congress_id == congress_id)
    polls = db.scalars(query.order_by(Poll.id).with_for_update(read=True, of=Poll)).all()
    return next((p for p in polls if p.status == "open"), None)


def open_polls_by_session(db: Session, session_ids) -> dict[int, Poll]:
    """For pages: the open poll of each of these sessions that has one (no locks)."""
    ids = list(session_ids)
    if not ids:
        return {}
    polls = db.scalars(select(Poll).where(Poll.session_id.in_(ids), Poll.status == "open")
                       .order_by(Poll.id))
    found: dict[int, Poll] = {}
    for poll in polls:
        found.setdefault(poll.session_id, poll)
    return found


def roster_freeze(db: Session, congress_id: int) -> Poll | None:
    """For pages: the open poll that freezes the congress's roster, if any (no locks)."""
    return db.scalar(select(Poll).join(CongressSession, CongressSession.id == Poll.session_id)
                     .where(CongressSession.congress_id == congress_id, Poll.status == "open")
                     .order_by(Poll.id).limit(1))


def refuse_roster_change(db: Session, congress_id: int) -> None:
    poll = freezing_poll(db, congress_id=congress_id)
    if poll is not None:
        raise Conflict(_l("The roster is frozen while the poll “%(title)s” is open: no deputy "
                          "can be added, changed, deactivated or reactivated, and no credential "
                          "or sign-in code can be issued, until the poll is closed.",
                          title=poll.title), code="roster_frozen")
