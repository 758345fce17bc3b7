"""Who took part (TokenIssuance) and what was chosen (Ballot) share no key: see docs/threat-model.md."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (JSON, Boolean, CheckConstraint, ForeignKey, LargeBinary, String, Text,
                        UniqueConstraint)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.expression import ColumnElement

from voting.ballots import kinds
from voting.db import Base, UTCDateTime, utcnow

POLL_STATUSES = ("draft", "open", "closed", "tallied", "published")
THRESHOLD_BASES = ("roster", "present", "cast")


class RegisteredKinds(ColumnElement[bool]):
    """`kind IN (…)` over the kinds registered (voting.ballots.kinds), written out when the
    DDL is compiled: the one list of kinds is the registry's."""

    type = Boolean()
    inherit_cache = True


@compiles(RegisteredKinds)
def _registered_kinds(element, compiler, **kw) -> str:
    return kinds.check_sql("kind")


class Poll(Base):
    __tablename__ = "polls"
    __table_args__ = (
        CheckConstraint("status IN ('draft', 'open', 'closed', 'tallied', 'published')", name="status"),
        CheckConstraint(RegisteredKinds(), name="kind"),
        CheckConstraint("threshold_base IN ('roster', 'present', 'cast')", name="threshold_base"),
        # Null where the kind has no seats (evaluation): the kind's settings() decides.
        CheckConstraint("(seats IS NULL OR seats >= 1) AND (max_choices IS NULL OR max_choices >= 1)",
                        name="seats"),
        CheckConstraint("present_at_close IS NULL OR (present_at_close >= 0 AND "
                        "present_at_close <= eligible_at_close)", name="turnout_at_close"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("congress_sessions.id"))
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), default="selection")
    status: Mapped[str] = mapped_column(String(20), default="draft")
    seats: Mapped[int | None]
    max_choices: Mapped[int | None]
    threshold_base: Mapped[str] = mapped_column(String(20), default="roster")
    # A runoff (tie at the last seat) or further poll (too few over the threshold) names its parent.
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("polls.id"))
    public_key_pem: Mapped[str] = mapped_column(Text)
    key_fingerprint: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Poll-level times only (PROTOCOL: "no time finer than the poll itself").
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The roster and the deputies present when the poll closed: the count's turnout, which a
    # check-in after the close (for a later poll of the session) does not change.
    eligible_at_close: Mapped[int | None]
    present_at_close: Mapped[int | None]

    candidates: Mapped[list[PollCandidate]] = relationship(
        back_populates="poll", order_by="PollCandidate.position", cascade="all, delete-orphan")
    parent: Mapped[Poll | None] = relationship(remote_side=[id])


class PollKey(Base):
    """The poll's RSA private key: kept apart from `polls` so that no query of public data
    can ever carry it along."""

    __tablename__ = "poll_keys"

    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id"), primary_key=True)
    private_key_pem: Mapped[str] = mapped_column(Text)


class PollCandidate(Base):
    """A candidate on one poll's ballot; `candidate_id` is the string the protocol uses."""

    __tablename__ = "poll_candidates"
    __table_args__ = (UniqueConstraint("poll_id", "candidate_id"),
                      UniqueConstraint("poll_id", "position"))

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id"))
    candidate_id: Mapped[str] = mapped_column(String(40))
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id"))
    title: Mapped[str] = mapped_column(String(200))  # as on the ballot, kept if the project changes
    position: Mapped[int]

    poll: Mapped[Poll] = relationship(back_populates="candidates")


class TokenIssuance(Base):
    """This deputy was issued a blind signature for this poll. What it signed is blinded:
    nothing here can be matched to a ballot."""

    __tablename__ = "token_issuances"
    __table_args__ = (UniqueConstraint("poll_id", "deputy_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id"))
    deputy_id: Mapped[int] = mapped_column(ForeignKey("deputies.id"))
    blinded_msg: Mapped[bytes] = mapped_column(LargeBinary)
    blind_sig: Mapped[bytes] = mapped_column(LargeBinary)


class Ballot(Base):
    """One cast ballot. No deputy, no time, no sequence: the key is random, and on SQLite the
    table has no rowid (storage order follows the random key, not arrival)."""

    __tablename__ = "ballots"
    __table_args__ = (
        UniqueConstraint("poll_id", "msg"),  # a token is spent once, under any concurrency
        {"sqlite_with_rowid": False},
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # random hex
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id"))
    msg: Mapped[str] = mapped_column(String(64))  # base64url, as on the board
    msg_prefix: Mapped[str] = mapped_column(String(64))
    sig: Mapped[str] = mapped_column(Text)
    choices: Mapped[list | dict] = mapped_column(JSON)  # sorted ids; a mapping for other kinds
    receipt: Mapped[str] = mapped_column(String(64), unique=True)
