"""The deputy roster: deputies and their user accounts, delegations, search.

Services flush and never commit. A deputy's plain password exists only in the return value of
the call that made it (to be printed on a slip): the database keeps only its hash.
"""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from voting.audit.services import record
from voting.auth.credentials import generate_password
from voting.auth.models import Role, User
from voting.auth.services import end_user_sessions, hash_password
from voting.db import get_one
from voting.errors import Conflict, Invalid
from voting.sessions.congresses import clean_text, get_congress
from voting.sessions.freeze import refuse_roster_change
from voting.sessions.models import Delegation, Deputy, LoginLink


USERNAME_RE = re.compile(r"^[A-Za-z0-9._-]{1,80}$")
NAME_MAX, NUMBER_MAX, DELEGATION_MAX = 80, 40, 120


def get_deputy(db: Session, deputy_id: int) -> Deputy:
    return get_one(db, Deputy, deputy_id, _l("No such deputy."))


def username_taken(db: Session, username: str) -> bool:
    return db.scalar(select(User.id).where(User.username == username)) is not None


def _number_taken(db: Session, congress_id: int, number: str,
                  exclude_id: int | None = None) -> bool:
    query = select(Deputy.id).where(Deputy.congress_id == congress_id, Deputy.number == number)
    if exclude_id is not None:
        query = query.where(Deputy.id != exclude_id)
    return db.scalar(query) is not None


def generate_username(db: Session, number: str, reserved: set[str]) -> str:
    """"d" + the roster number's letters and digits; a suffix when another congress has it."""
    base = "d" + ("".join(ch for ch in number.lower() if ch.isascii() and ch.isalnum()) or "x")
    candidate, k = base[:72], 1
    while candidate in reserved or username_taken(db, candidate):
        k += 1
        candidate = f"{base[:72]}-{k}"
    reserved.add(candidate)
    return candidate


def _delegation_id(db: Session, congress_id: int, name: str | None) -> int | None:
    if not name:
        return None
    found = db.scalar(select(Delegation).where(Delegation.congress_id == congress_id,
                                               Delegation.name == name))
    if found is None:
        found = Delegation(congress_id=congress_id, name=name)
        db.add(found)
        db.flush()
    return found.id


def new_deputy(db: Session, congress_id: int, *, name: str, number: str, delegation: str | None,
                username: str, password_hash: str) -> Deputy:
    """The deputy and their user account; callers have validated every value."""
    user = User(username=username, password_hash=password_hash, role=Role.DEPUTY.value,
                display_name=name)
    db.add(user)
    db.flush()
    deputy = Deputy(congress_id=congress_id, user_id=user.id, number=number, name=name,
                    delegation_id=_delegation_id(db, congress_id, delegation), active=True)
    db.add(deputy)
    db.flush()
    return deputy


def _check_username(username: str | None) -> str | None:
    username = (username or "").strip() or None
    if username is not None and not USERNAME_RE.match(username):
        raise Invalid(_l("Use only letters, digits, dots, dashes and underscores (at most 80)."),
                      field="username")
    return username


def add_deputy(db: Session, actor, *, congress_id: int, name: str, number: str,
               delegation: str | None, username: str | None = None,
               password: str | None = None, hash_method: str) -> tuple[Deputy, str]:
    """A deputy with a user account (role deputy); returns the plain password, generated
    unless given, for the credential slip."""
    congress = get_congress(db, congress_id)
    refuse_roster_change(db, congress.id)
    name = clean_text(name, NAME_MAX, "name", required=True)
    number = clean_text(number, NUMBER_MAX, "number", required=True)
    delegation = clean_text(delegation, DELEGATION_MAX, "delegation", required=False)
    username = _check_username(username)
    if password is not None and len(password) < 8:
        raise Invalid(_l("A password needs at least 8 characters."), field="password")
    if _number_taken(db, congress.id, number):
        raise Conflict(_l("Number %(number)s is already on the roster.", number=number),
                       field="number")
    if username is not None and username_taken(db, username):
        raise Conflict(_l("The username %(name)s is taken.", name=username), field="username")
    username = username or generate_username(db, number, set())
    password = password or generate_password()
    deputy = new_deputy(db, congress.id, name=name, number=number, delegation=delegation,
                         username=username, password_hash=hash_password(password, hash_method))
    record(db, actor, "deputy.add", "deputy", deputy.id, congress_id=congress.id, number=number,
           name=name, delegation=delegation, username=username)
    return deputy, password


def update_deputy(db: Session, actor, *, deputy_id: int, name: str, number: str,
                  delegation: str | None) -> Deputy:
    deputy = get_deputy(db, deputy_id)
    refuse_roster_change(db, deputy.congress_id)
    name = clean_text(name, NAME_MAX, "name", required=True)
    number = clean_text(number, NUMBER_MAX, "number", required=True)
    delegation = clean_text(delegation, DELEGATION_MAX, "delegation", required=False)
    if _number_taken(db, deputy.congress_id, number, exclude_id=deputy.id):
        raise Conflict(_l("Number %(number)s is already on the roster.", number=number),
                       field="number")
    old = {"name": deputy.name, "number": deputy.number,
           "delegation": deputy.delegation.name if deputy.delegation else None}
    new = {"name": name, "number": number, "delegation": delegation}
    changes = {k: [old[k], new[k]] for k in old if old[k] != new[k]}
    if not changes:
        return deputy
    deputy.name = deputy.user.display_name = name
    deputy.number = number
    deputy.delegation_id = _delegation_id(db, deputy.congress_id, delegation)
    db.flush()
    db.expire(deputy, ["delegation"])
    record(db, actor, "deputy.update", "deputy", deputy.id, changes=changes)
    return deputy


def set_deputy_active(db: Session, actor, *, deputy_id: int, active: bool) -> Deputy:
    """Off when a deputy leaves office: they leave the quorum and can no longer sign in."""
    deputy = get_deputy(db, deputy_id)
    refuse_roster_change(db, deputy.congress_id)
    if deputy.active == active:
        return deputy
    deputy.active = deputy.user.active = active
    if not active:
        end_user_sessions(db, deputy.user_id)
        db.execute(delete(LoginLink).where(LoginLink.user_id == deputy.user_id))
    db.flush()
    record(db, actor, "deputy.reactivate" if active else "deputy.deactivate", "deputy",
           deputy.id, number=deputy.number, name=deputy.name)
    return deputy


def search_deputies(db: Session, congress_id: int, q: str = "", *, active_only: bool = False,
                    offset: int = 0, limit: int | None = None) -> tuple[int, list[Deputy]]:
    """Deputies whose name, number, username or delegation contains `q`, by number, and
    how many match in all."""
    query = (select(Deputy).join(User, User.id == Deputy.user_id)
             .outerjoin(Delegation, Delegation.id == Deputy.delegation_id)
             .where(Deputy.congress_id == congress_id))
    if active_only:
        query = query.where(Deputy.active.is_(True))
    q = q.strip()
    if q:
        query = query.where(or_(Deputy.name.icontains(q, autoescape=True),
                                Deputy.number.icontains(q, autoescape=True),
                                User.username.icontains(q, autoescape=True),
                                Delegation.name.icontains(q, autoescape=True)))
    total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
    query = query.order_by(Deputy.number, Deputy.id).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return total, list(db.scalars(query))


def delegation_names(db: Session, congress_id: int) -> list[str]:
    return list(db.scalars(select(Delegation.name).where(Delegation.congress_id == congress_id)
                           .order_by(Delegation.name)))
