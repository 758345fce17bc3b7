"""Paper ballots of a poll: the secretariat's issued/returned counts, the officials, and each
teller's independent entry of every returned ballot.

A paper entry carries a ballot number (its place in the pile the tellers count from) and
what is marked on it; nothing in these tables names or orders the deputies who voted.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from voting.db import Base, UTCDateTime, utcnow

TELLER_SLOTS = (1, 2)
FLAGS = ("unreadable", "blank")


class PaperTally(Base):
    """One poll's paper record. `issued`/`returned` stay NULL until the secretariat records
    them; returned > issued is stored as recorded (it voids the vote, it is not a typo to
    refuse)."""

    __tablename__ = "paper_tallies"
    __table_args__ = (
        CheckConstraint("issued >= 0", name="issued"),
        CheckConstraint("returned >= 0", name="returned"),
    )

    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id"), primary_key=True)
    issued: Mapped[int | None]
    returned: Mapped[int | None]
    teller1_name: Mapped[str | None] = mapped_column(String(80))
    teller2_name: Mapped[str | None] = mapped_column(String(80))
    scrutineers: Mapped[list] = mapped_column(JSON, default=list)  # names, in the order given
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class PaperEntry(Base):
    """Ballot `number` as teller `teller` read it: `marks` (selection: candidate ids;
    for_against: {candidate id: mark}) or a `flag` (unreadable, blank), never both."""

    __tablename__ = "paper_entries"
    __table_args__ = (
        UniqueConstraint("poll_id", "teller", "number"),
        CheckConstraint("teller IN (1, 2)", name="teller"),
        CheckConstraint("number >= 1", name="number"),
        CheckConstraint("flag IS NULL OR flag IN ('unreadable', 'blank')", name="flag"),
        CheckConstraint("(flag IS NULL) <> (marks IS NULL)", name="marks_or_flag"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id"))
    teller: Mapped[int]
    number: Mapped[int]
    marks: Mapped[list | dict | None] = mapped_column(JSON(none_as_null=True))
    flag: Mapped[str | None] = mapped_column(String(20))
