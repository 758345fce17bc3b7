"""Congresses and their sessions.

Services flush and never commit.
"""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from voting.audit.services import record
from voting.core.years import check_year
from voting.db import get_one
from voting.errors import Conflict, Invalid
from voting.sessions.models import Congress, CongressSession


def get_congress(db: Session, congress_id: int) -> Congress:
    return get_one(db, Congress, congress_id, _l("No such congress."))


def get_session(db: Session, session_id: int) -> CongressSession:
    return get_one(db, CongressSession, session_id, _l("No such session."))


def clean_text(value: str | None, limit: int, field_name: str, *, required: bool) -> str | None:
    value = (value or "").strip()
    if not value:
        if required:
            raise Invalid(_l("A value is required."), field=field_name)
        return None
    if len(value) > limit:
        raise Invalid(_l("At most %(n)s characters.", n=limit), field=field_name)
    return value


def create_congress(db: Session, actor, *, name: str, term: int | None) -> Congress:
    name = clean_text(name, 120, "name", required=True)
    if term is not None and not 1 <= term <= 100:
        raise Invalid(_l("The term must be a number from 1 to 100."), field="term")
    if db.scalar(select(Congress.id).where(Congress.name == name)) is not None:
        raise Conflict(_l("A congress named %(name)s already exists.", name=name), field="name")
    congress = Congress(name=name, term=term)
    db.add(congress)
    db.flush()
    record(db, actor, "congress.create", "congress", congress.id, name=name, term=term)
    return congress


def create_session(db: Session, actor, *, congress_id: int, name: str, year: int,
                   opens_on: date | None = None, quorum_numerator: int = 2,
                   quorum_denominator: int = 3) -> CongressSession:
    congress = get_congress(db, congress_id)
    name = clean_text(name, 120, "name", required=True)
    check_year(year)
    if not 0 < quorum_numerator <= quorum_denominator <= 100:
        raise Invalid(_l("The quorum must be a fraction between 0 and 1, such as 2/3."),
                      field="quorum_numerator")
    taken = select(CongressSession.id).where(CongressSession.congress_id == congress.id,
                                             CongressSession.name == name)
    if db.scalar(taken) is not None:
        raise Conflict(_l("This congress already has a session named %(name)s.", name=name),
                       field="name")
    session = CongressSession(congress_id=congress.id, name=name, year=year, opens_on=opens_on,
                              quorum_numerator=quorum_numerator,
                              quorum_denominator=quorum_denominator)
    db.add(session)
    db.flush()
    record(db, actor, "session.create", "congress_session", session.id, congress_id=congress.id,
           name=name, year=year, opens_on=opens_on.isoformat() if opens_on else None,
           quorum=f"{quorum_numerator}/{quorum_denominator}")
    return session
