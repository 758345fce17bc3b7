"""The certified count of a poll, and the people named on it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (JSON, CheckConstraint, ForeignKey, ForeignKeyConstraint, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column

from voting.db import Base, UTCDateTime, utcnow


class PollResult(Base):
    """The signed result document of one poll (docs/protocol.md, /result). `document` is the
    signed body, everything but the signature, exactly as signed."""

    __tablename__ = "poll_results"

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id"), unique=True)
    document: Mapped[dict] = mapped_column(JSON)
    signature: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def signed(self) -> dict:
        return {**self.document, "signature": self.signature}


class CountOfficials(Base):
    """Scrutineers (监票人) and tellers (计票人) of a poll's count, named by the secretariat
    before tallying and printed on the result."""

    __tablename__ = "count_officials"

    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id"), primary_key=True)
    scrutineers: Mapped[list] = mapped_column(JSON, default=list)
    tellers: Mapped[list] = mapped_column(JSON, default=list)


class BallotReplacement(Base):
    """A paper ballot handed to a deputy who already holds an electronic token (a lost or
    broken device), recorded so that the count can tell a replacement from a second ballot.
    It names who took part, never what they chose. The composite foreign key makes the
    database itself refuse a replacement for a deputy who was never issued a token."""

    __tablename__ = "ballot_replacements"
    __table_args__ = (
        UniqueConstraint("poll_id", "deputy_id"),
        ForeignKeyConstraint(["poll_id", "deputy_id"],
                             ["token_issuances.poll_id", "token_issuances.deputy_id"],
                             name="fk_ballot_replacements_token"),
        CheckConstraint("length(reason) > 0", name="reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id"))
    deputy_id: Mapped[int] = mapped_column(ForeignKey("deputies.id"))
    reason: Mapped[str] = mapped_column(String(200))


class CountProgress(Base):
    """How far a running count has got: ballots whose signature is checked, of how many. It is
    written on a connection of its own (autocommit) while the count's transaction is still open,
    so that another worker can answer the count page's progress bar. Counts only: nothing about
    any ballot. No foreign key to polls: the count holds its poll row FOR UPDATE (PostgreSQL),
    which would block the key-share lock an insert checking that key takes."""

    __tablename__ = "count_progress"
    __table_args__ = (CheckConstraint("checked >= 0 AND checked <= total", name="checked"),)

    poll_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    checked: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
