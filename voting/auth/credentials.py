"""Deputies' credentials: generated passwords, one-time sign-in links (the QR code on the
slip) and credential resets.

Services flush and never commit. A plain password or sign-in token exists only in the return
value of the call that made it: the database keeps only their hashes.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from voting.audit.services import record
from voting.auth.models import User
from voting.auth.services import end_user_sessions, hash_password
from voting.db import utcnow
from voting.errors import Conflict, Invalid, NotFound
from voting.sessions.freeze import refuse_roster_change
from voting.sessions.models import Deputy, LoginLink


# No i/l/o/0/1: a deputy types the password from paper.
PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
PASSWORD_LENGTH = 10
LOGIN_LINK_TTL = timedelta(days=7)


@dataclass(frozen=True)
class Credential:
    """What a credential slip prints; the password and token are not stored anywhere."""

    deputy: Deputy
    password: str
    login_token: str


def generate_password() -> str:
    return "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(PASSWORD_LENGTH))


def hash_passwords(passwords: list[str], method: str) -> list[str]:
    """Hash in parallel threads (the KDF releases the GIL): at ~60 ms a hash, a roster of
    several hundred deputies would otherwise take half a minute."""
    if len(passwords) < 2:
        return [hash_password(p, method) for p in passwords]
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        return list(pool.map(lambda p: hash_password(p, method), passwords))


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_login_link(db: Session, user_id: int) -> str:
    """A new one-time sign-in token for the QR code; any earlier link of the user stops working.
    Refused for a deputy while a poll of their congress is open."""
    deputy = db.scalar(select(Deputy).where(Deputy.user_id == user_id))
    if deputy is not None:
        refuse_roster_change(db, deputy.congress_id)
    db.execute(delete(LoginLink).where(LoginLink.user_id == user_id))
    token = secrets.token_urlsafe(32)
    db.add(LoginLink(user_id=user_id, token_hash=_token_hash(token),
                     expires_at=utcnow() + LOGIN_LINK_TTL))
    db.flush()
    return token


def use_login_link(db: Session, token: str) -> User | None:
    """The active user the token signs in, spending it; None when unknown, used or expired."""
    link = db.scalar(select(LoginLink).where(LoginLink.token_hash == _token_hash(token)))
    if link is None or link.used_at is not None or link.expires_at <= utcnow():
        return None
    # A conditional update, so two simultaneous scans cannot both spend it.
    spent = db.execute(update(LoginLink)
                       .where(LoginLink.id == link.id, LoginLink.used_at.is_(None))
                       .values(used_at=utcnow())
                       .execution_options(synchronize_session=False))
    if spent.rowcount != 1:
        return None
    user = db.get(User, link.user_id)
    return user if user is not None and user.active else None


def deputies_to_reset(db: Session, deputy_ids: list[int]) -> list[Deputy]:
    """The deputies a reset would give new credentials, by number; refuses (changing
    nothing) what `reset_credentials` would refuse, so the confirmation page can too."""
    ids = sorted(set(deputy_ids))
    if not ids:
        raise Invalid(_l("Select at least one deputy."))
    deputies = list(db.scalars(select(Deputy).where(Deputy.id.in_(ids)).order_by(Deputy.number,
                                                                                   Deputy.id)))
    if len(deputies) != len(ids):
        raise NotFound(_l("No such deputy."))
    for congress_id in sorted({d.congress_id for d in deputies}):
        refuse_roster_change(db, congress_id)
    for deputy in deputies:
        if not deputy.active:
            raise Conflict(_l("%(name)s is deactivated; reactivate the deputy first.",
                              name=deputy.name))
    return deputies


def reset_credentials(db: Session, actor, *, deputy_ids: list[int],
                      hash_method: str) -> list[Credential]:
    """New password and QR link for each deputy; their old password, sessions and link stop
    working."""
    deputies = deputies_to_reset(db, deputy_ids)
    passwords = [generate_password() for _ in deputies]
    credentials = []
    for deputy, password, hashed in zip(deputies, passwords, hash_passwords(passwords, hash_method)):
        deputy.user.password_hash = hashed
        end_user_sessions(db, deputy.user_id)  # signs out every session of the old credential
        credentials.append(Credential(deputy, password, issue_login_link(db, deputy.user_id)))
        record(db, actor, "deputy.reset_credential", "deputy", deputy.id, number=deputy.number,
               username=deputy.user.username)
    return credentials
