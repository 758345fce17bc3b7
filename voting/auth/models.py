from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from voting.db import Base, UTCDateTime, one_of, utcnow


class Role(StrEnum):
    SECRETARIAT = "secretariat"
    TELLER = "teller"  # scrutineers and tellers (监票人 / 计票人)
    UNIT = "unit"  # a responsible unit (责任单位) reporting progress
    DEPUTY = "deputy"


ROLE_VALUES = tuple(r.value for r in Role)


class User(UserMixin, Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(one_of("role", ROLE_VALUES), name="role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    display_name: Mapped[str] = mapped_column(String(120))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @property
    def is_active(self) -> bool:
        return self.active

    # The id Flask-Login puts in the cookie (extensions.login_manager.id_attribute): the live
    # login session's, set by voting.auth.access.sign_in and by the user loader.
    login_session_id = None  # str, not a column

    def get_login_session_id(self) -> str:
        if not self.login_session_id:
            raise RuntimeError("sign users in with voting.auth.access.sign_in")
        return self.login_session_id

    def has_role(self, *roles: str) -> bool:
        return self.role in roles


class LoginSession(Base):
    """One signed-in browser. The signed cookie carries a random id; the database keeps only its
    hash, so ending the row ends the session whatever copy of the cookie is left."""

    __tablename__ = "login_sessions"
    __table_args__ = (
        CheckConstraint("last_seen_at >= created_at", name="seen_after_created"),
        CheckConstraint("ended_at IS NULL OR ended_at >= created_at", name="ended_after_created"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # hex SHA-256 of the cookie's id
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Renewed at most once a touch interval (config SESSION_TOUCH_SECONDS), not on every request.
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
