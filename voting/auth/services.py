from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session, object_session
from werkzeug.security import check_password_hash, generate_password_hash

from voting.auth.models import ROLE_VALUES, LoginSession, Role, User
from voting.db import utcnow
from voting.errors import Conflict, Invalid

# Checked against when the username is unknown, so a miss costs the same time as a wrong
# password: one per hashing method, made with the method the real hashes use.
_DUMMY_HASHES: dict[str, str] = {}


def hash_password(password: str, method: str) -> str:
    """`method` is the configured PASSWORD_HASH_METHOD, passed in by the request edge."""
    return generate_password_hash(password, method=method)


def dummy_hash(method: str) -> str:
    if method not in _DUMMY_HASHES:
        _DUMMY_HASHES[method] = generate_password_hash(secrets.token_urlsafe(16), method=method)
    return _DUMMY_HASHES[method]


def authenticate(db: Session, username: str, password: str, *, method: str) -> User | None:
    dummy = dummy_hash(method)  # made before the lookup, so even the first miss takes no longer
    user = db.scalar(select(User).where(User.username == username.strip()))
    if user is None:
        check_password_hash(dummy, password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.active:
        return None
    return user


def create_user(db: Session, *, username: str, password: str, role: str, display_name: str,
                hash_method: str) -> User:
    username = username.strip()
    if role not in ROLE_VALUES:
        raise Invalid(_l("Unknown role."), field="role")
    if not username:
        raise Invalid(_l("A username is required."), field="username")
    if len(password) < 8:
        raise Invalid(_l("A password needs at least 8 characters."), field="password")
    if db.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(_l("The username %(name)s is taken.", name=username), field="username")
    user = User(username=username, password_hash=hash_password(password, hash_method), role=role,
                display_name=display_name.strip() or username)
    db.add(user)
    db.flush()
    return user


def set_password(user: User, password: str, *, hash_method: str) -> None:
    """Set a new password and end every session that used the old credential (in the user's
    own database session)."""
    user.password_hash = hash_password(password, hash_method)
    end_user_sessions(object_session(user), user.id)


# ---- login sessions --------------------------------------------------------------------

@dataclass(frozen=True)
class SessionPolicy:
    """How long a login session lives: idle times and touch intervals per role, one lifetime."""

    idle: timedelta
    deputy_idle: timedelta
    max_age: timedelta
    touch: timedelta
    deputy_touch: timedelta

    @classmethod
    def from_config(cls, config) -> SessionPolicy:
        return cls(idle=timedelta(minutes=config["SESSION_IDLE_MINUTES"]),
                   deputy_idle=timedelta(minutes=config["DEPUTY_SESSION_IDLE_MINUTES"]),
                   max_age=timedelta(hours=config["SESSION_MAX_HOURS"]),
                   touch=timedelta(seconds=config["SESSION_TOUCH_SECONDS"]),
                   deputy_touch=timedelta(seconds=config["DEPUTY_SESSION_TOUCH_SECONDS"]))

    def idle_for(self, role: str) -> timedelta:
        return self.deputy_idle if role == Role.DEPUTY else self.idle

    def touch_for(self, role: str) -> timedelta:
        return self.deputy_touch if role == Role.DEPUTY else self.touch


def _session_key(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def start_session(db: Session, user: User, *, policy: SessionPolicy,
                  now: datetime | None = None) -> str:
    """A new login session for `user`; returns its id for the cookie (the database keeps only
    the hash). The user's ended and expired sessions are cleared away on the way."""
    now = now or utcnow()
    db.execute(delete(LoginSession).where(
        LoginSession.user_id == user.id,
        or_(LoginSession.ended_at.is_not(None), LoginSession.created_at < now - policy.max_age)))
    session_id = secrets.token_urlsafe(32)
    db.add(LoginSession(id=_session_key(session_id), user_id=user.id, created_at=now,
                        last_seen_at=now))
    db.flush()
    user.login_session_id = session_id
    return session_id


def end_session(db: Session, session_id: str, *, now: datetime | None = None) -> None:
    """Sign-out: the session stops working for every copy of its cookie."""
    db.execute(update(LoginSession)
               .where(LoginSession.id == _session_key(session_id), LoginSession.ended_at.is_(None))
               .values(ended_at=now or utcnow())
               .execution_options(synchronize_session=False))


def end_user_sessions(db: Session, user_id: int, *, now: datetime | None = None) -> int:
    """End every live session of the user (a credential reset, a new password); how many."""
    result = db.execute(update(LoginSession)
                        .where(LoginSession.user_id == user_id, LoginSession.ended_at.is_(None))
                        .values(ended_at=now or utcnow())
                        .execution_options(synchronize_session=False))
    return result.rowcount


def load_user(db: Session, user_id: str, *, policy: SessionPolicy,
              now: datetime | None = None) -> User | None:
    """The user of a live login session, or None when it was ended, has been idle too long, has
    outlived its lifetime or its user is inactive. Renews the last-seen mark at most once a
    touch interval and ends a session found expired (flushed; the request edge commits)."""
    now = now or utcnow()
    row = db.get(LoginSession, _session_key(user_id))
    if row is None or row.ended_at is not None:
        return None
    user = db.get(User, row.user_id)
    if user is None or not user.active:
        return None
    if now - row.created_at >= policy.max_age or now - row.last_seen_at >= policy.idle_for(user.role):
        row.ended_at = now
        db.flush()
        return None
    if now - row.last_seen_at >= policy.touch_for(user.role):
        row.last_seen_at = now
        db.flush()
    user.login_session_id = user_id
    return user
