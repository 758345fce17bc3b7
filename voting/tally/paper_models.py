"""Paper ballots of a poll: the secretariat's issued/returned counts, the officials, and each
teller's independent entry of every returned ballot.

A paper entry carries a ballot number (its place in the pile the tellers count from) and
what is marked on it; nothing in these tables names or orders the deputies who voted.

Each entry slot belongs to one named teller's user account, and a third teller-role account
may be named scrutineer: the database itself refuses one account in two of these roles.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from voting.db import Base, UTCDateTime, one_of, utcnow

TELLER_SLOTS = (1, 2)
FLAGS = ("unreadable", "blank")


class PaperTally(Base):
    """One poll's paper record. `issued`/`returned` stay NULL until the secretariat records
    them; returned > issued is stored as recorded (it voids the vote, it is not a typo to
    refuse). `teller1_name`/`teller2_name` are the slot accounts' names as they were when
    assigned (what the result lists)."""

    __tablename__ = "paper_tallies"
    __table_args__ = (
        CheckConstraint("issued >= 0", name="issued"),
        CheckConstraint("returned >= 0", name="returned"),
        CheckConstraint("teller1_user_id <> teller2_user_id", name="two_tellers"),
        CheckConstraint("scrutineer_user_id <> teller1_user_id "
                        "AND scrutineer_user_id <> teller2_user_id", name="scrutineer_apart"),
    )

    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id"), primary_key=True)
    issued: Mapped[int | None]
    returned: Mapped[int | None]
    teller1_name: Mapped[str | None] = mapped_column(String(80))
    teller2_name: Mapped[str | None] = mapped_column(String(80))
    teller1_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    teller2_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    scrutineer_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    scrutineers: Mapped[list] = mapped_column(JSON, default=list)  # names, in the order given
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    def slot_of(self, user_id: int | None) -> int | None:
        """The entry slot (1 or 2) this account holds, if any."""
        if user_id is None:
            return None
        return 1 if user_id == self.teller1_user_id else 2 if user_id == self.teller2_user_id \
            else None


def _reading_checks() -> tuple[CheckConstraint, ...]:
    """The checks of a row holding one teller's reading of one ballot."""
    return (CheckConstraint(one_of("teller", TELLER_SLOTS), name="teller"),
            CheckConstraint("number >= 1", name="number"),
            CheckConstraint(f"flag IS NULL OR {one_of('flag', FLAGS)}", name="flag"),
            CheckConstraint("(flag IS NULL) <> (marks IS NULL)", name="marks_or_flag"))


class _Reading:
    """One teller's reading of ballot `number`: `marks` or a `flag`, never both."""

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id"))
    teller: Mapped[int]
    number: Mapped[int]
    marks: Mapped[list | dict | None] = mapped_column(JSON(none_as_null=True))
    flag: Mapped[str | None] = mapped_column(String(20))


class PaperEntry(_Reading, Base):
    """Ballot `number` as teller `teller` read it: `marks` (selection: candidate ids;
    for_against: {candidate id: mark}) or a `flag` (unreadable, blank), never both."""

    __tablename__ = "paper_entries"
    __table_args__ = (UniqueConstraint("poll_id", "teller", "number"), *_reading_checks())


class PaperResolution(_Reading, Base):
    """One slot teller's confirmation of how a disputed ballot reads. When both slots have
    confirmed the same reading it replaces both entries (and these rows go); a scrutineer's
    resolution needs no confirmation."""

    __tablename__ = "paper_resolutions"
    __table_args__ = (UniqueConstraint("poll_id", "number", "teller"), *_reading_checks())
