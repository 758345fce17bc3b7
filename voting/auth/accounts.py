"""Staff accounts: the secretariat, tellers and scrutineers, responsible units' reporters.

Deputies' accounts come with the roster (voting.sessions.roster) and their credential slips;
these are the other people who sign in. A password is generated, shown once, and never kept
in the clear; a reset ends every session of the account."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from voting.audit.services import record
from voting.auth.credentials import generate_password
from voting.auth.models import Role, User
from voting.auth.services import create_user, end_user_sessions, set_password
from voting.db import get_one
from voting.errors import Conflict, Invalid

STAFF_ROLES = (Role.TELLER.value, Role.UNIT.value, Role.SECRETARIAT.value)
ROLE_LABELS = {Role.TELLER.value: _l("Teller or scrutineer (监票人 / 计票人)"),
               Role.UNIT.value: _l("Responsible unit's reporter"),
               Role.SECRETARIAT.value: _l("Secretariat")}
NAME_MAX = 80


def staff_accounts(db: Session) -> list[User]:
    """Every account that is not a deputy's, by role then username."""
    return list(db.scalars(select(User).where(User.role.in_(STAFF_ROLES))
                           .order_by(User.role, User.username)))


def _staff(db: Session, user_id: int) -> User:
    user = get_one(db, User, user_id, _l("No such account."))
    if user.role not in STAFF_ROLES:
        raise Conflict(_l("A deputy's credential is reset from the roster, with a new slip."))
    return user


def create_account(db: Session, actor, *, username: str, display_name: str, role: str,
                   hash_method: str) -> tuple[User, str]:
    """A new staff account with a generated password, returned once for the page to show."""
    if role not in STAFF_ROLES:
        raise Invalid(_l("Choose the secretariat, a teller or scrutineer, or a unit."),
                      field="role")
    display_name = (display_name or "").strip()
    if not display_name:
        raise Invalid(_l("A value is required."), field="display_name")
    if len(display_name) > NAME_MAX or len((username or "").strip()) > NAME_MAX:
        raise Invalid(_l("At most %(n)s characters.", n=NAME_MAX), field="display_name")
    password = generate_password()
    user = create_user(db, username=username, password=password, role=role,
                       display_name=display_name, hash_method=hash_method)
    record(db, actor, "account.create", "user", user.id, username=user.username, role=role,
           display_name=user.display_name)
    return user, password


def reset_password(db: Session, actor, user_id: int, *, hash_method: str) -> tuple[User, str]:
    """A new generated password; every session of the old one ends."""
    user = _staff(db, user_id)
    password = generate_password()
    set_password(user, password, hash_method=hash_method)
    record(db, actor, "account.reset", "user", user.id, username=user.username)
    return user, password


def set_active(db: Session, actor, user_id: int, active: bool) -> User:
    """Deactivate (its sessions end, it cannot sign in) or reactivate an account."""
    user = _staff(db, user_id)
    if getattr(actor, "id", None) == user.id and not active:
        raise Conflict(_l("You cannot deactivate your own account."))
    if user.active == active:
        return user
    user.active = active
    if not active:
        end_user_sessions(db, user.id)
    db.flush()
    record(db, actor, "account.activate" if active else "account.deactivate", "user", user.id,
           username=user.username)
    return user
