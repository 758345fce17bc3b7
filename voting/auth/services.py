from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from voting.auth.models import ROLE_VALUES, User
from voting.errors import Conflict, Invalid

# Checked against when the username is unknown, so a miss costs the same time as a wrong password.
_DUMMY_HASH = generate_password_hash("not-a-password", method="pbkdf2:sha256:1000")


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def authenticate(db: Session, username: str, password: str) -> User | None:
    user = db.scalar(select(User).where(User.username == username.strip()))
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.active:
        return None
    return user


def create_user(db: Session, *, username: str, password: str, role: str, display_name: str) -> User:
    username = username.strip()
    if role not in ROLE_VALUES:
        raise Invalid(_l("Unknown role."), field="role")
    if not username:
        raise Invalid(_l("A username is required."), field="username")
    if len(password) < 8:
        raise Invalid(_l("A password needs at least 8 characters."), field="password")
    if db.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(_l("The username %(name)s is taken.", name=username), field="username")
    user = User(username=username, password_hash=hash_password(password), role=role,
                display_name=display_name.strip() or username)
    db.add(user)
    db.flush()
    return user


def set_password(user: User, password: str) -> None:
    """Set a new password and sign out every session that used the old credential."""
    user.password_hash = hash_password(password)
    user.rotate_login_token()


def load_user(db: Session, user_id: str) -> User | None:
    ident, _, token = user_id.partition(":")
    if not ident.isdigit():
        return None
    user = db.get(User, int(ident))
    if user is None or user.login_token != token or not user.active:
        return None
    return user
