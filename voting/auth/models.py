from __future__ import annotations

import secrets
from datetime import datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from voting.db import Base, UTCDateTime, utcnow


class Role(StrEnum):
    SECRETARIAT = "secretariat"
    TELLER = "teller"  # scrutineers and tellers (监票人 / 计票人)
    UNIT = "unit"  # a responsible unit (责任单位) reporting progress
    DEPUTY = "deputy"


ROLE_VALUES = tuple(r.value for r in Role)


def _new_login_token() -> str:
    return secrets.token_urlsafe(16)


class User(UserMixin, Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role IN ('secretariat', 'teller', 'unit', 'deputy')", name="role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    display_name: Mapped[str] = mapped_column(String(120))
    active: Mapped[bool] = mapped_column(default=True)
    # Part of the Flask-Login id: changing it (credential reset) signs out every old session.
    login_token: Mapped[str] = mapped_column(String(32), default=_new_login_token)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.login_token}"

    def has_role(self, *roles: str) -> bool:
        return self.role in roles

    def rotate_login_token(self) -> None:
        self.login_token = _new_login_token()
