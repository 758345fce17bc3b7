from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from voting.auth.models import User
from voting.db import Base, UTCDateTime, utcnow


class Congress(Base):
    """A people's congress for one term, e.g. 哈尔滨市第十六届人民代表大会."""

    __tablename__ = "congresses"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    term: Mapped[int | None]

    sessions: Mapped[list[CongressSession]] = relationship(back_populates="congress",
                                                           order_by="CongressSession.id")
    deputies: Mapped[list[Deputy]] = relationship(back_populates="congress",
                                                  order_by="Deputy.id")


class CongressSession(Base):
    """One sitting of a congress (第二次会议). Quorum: at least numerator/denominator of the
    roster present (三分之二以上 includes two thirds)."""

    __tablename__ = "congress_sessions"
    __table_args__ = (
        UniqueConstraint("congress_id", "name"),
        CheckConstraint("quorum_numerator > 0 AND quorum_denominator >= quorum_numerator",
                        name="quorum"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    congress_id: Mapped[int] = mapped_column(ForeignKey("congresses.id"))
    name: Mapped[str] = mapped_column(String(120))
    year: Mapped[int]
    opens_on: Mapped[date | None]
    quorum_numerator: Mapped[int] = mapped_column(default=2)
    quorum_denominator: Mapped[int] = mapped_column(default=3)

    congress: Mapped[Congress] = relationship(back_populates="sessions")

    @property
    def title(self) -> str:
        return f"{self.congress.name}{self.name}"


class Delegation(Base):
    """代表团: the group a deputy sits with (by district or sector)."""

    __tablename__ = "delegations"
    __table_args__ = (UniqueConstraint("congress_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    congress_id: Mapped[int] = mapped_column(ForeignKey("congresses.id"))
    name: Mapped[str] = mapped_column(String(120))


class Deputy(Base):
    """A deputy on a congress's roster, signing in through their own user account."""

    __tablename__ = "deputies"
    __table_args__ = (UniqueConstraint("congress_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    congress_id: Mapped[int] = mapped_column(ForeignKey("congresses.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    number: Mapped[str] = mapped_column(String(40))  # 代表证号 / roster number
    name: Mapped[str] = mapped_column(String(80))
    delegation_id: Mapped[int | None] = mapped_column(ForeignKey("delegations.id"))
    active: Mapped[bool] = mapped_column(default=True)  # off when a deputy leaves office

    congress: Mapped[Congress] = relationship(back_populates="deputies")
    user: Mapped[User] = relationship()
    delegation: Mapped[Delegation | None] = relationship()


class Attendance(Base):
    """A deputy checked in to a session. Knows nothing of any ballot."""

    __tablename__ = "attendances"
    __table_args__ = (UniqueConstraint("session_id", "deputy_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("congress_sessions.id"))
    deputy_id: Mapped[int] = mapped_column(ForeignKey("deputies.id"))
    checked_in_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    by_desk: Mapped[bool] = mapped_column(default=False)  # at the secretariat's desk, not self


class LoginLink(Base):
    """A one-time sign-in link printed as a QR code on a deputy's credential slip. Only the
    token's SHA-256 is kept, so the database alone cannot sign anyone in."""

    __tablename__ = "login_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
