from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from voting.db import Base, UTCDateTime, make_immutable, utcnow

# The order of the funnel. A project moves only through recorded screening rounds.
STAGES = ("pool", "alternative", "candidate", "selected")


class Project(Base):
    __tablename__ = "projects"
    __table_args__ = (
        CheckConstraint("stage IN ('pool', 'alternative', 'candidate', 'selected')", name="stage"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    field: Mapped[str] = mapped_column(String(40), default="")  # 领域
    content: Mapped[str] = mapped_column(Text, default="")  # 内容
    significance: Mapped[str] = mapped_column(Text, default="")  # 意义
    investment_wan_yuan: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))  # 估算投资, 万元
    lead_unit: Mapped[str] = mapped_column(String(200), default="")  # 牵头单位
    responsible_units: Mapped[str] = mapped_column(Text, default="")  # 责任单位, "、"-separated
    year: Mapped[int]
    stage: Mapped[str] = mapped_column(String(20), default="pool")
    source: Mapped[str] = mapped_column(String(200), default="")  # where the data comes from
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    targets: Mapped[list[ProjectTarget]] = relationship(
        back_populates="project", order_by="ProjectTarget.position", cascade="all, delete-orphan")
    # The suggestions merged into this project.
    suggestions: Mapped[list[Suggestion]] = relationship(back_populates="project",
                                                         order_by="Suggestion.id")


class ProjectTarget(Base):
    """A quantified target (目标任务), e.g. 改造老旧住宅 1005 万平方米."""

    __tablename__ = "project_targets"
    __table_args__ = (UniqueConstraint("project_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    position: Mapped[int]
    metric: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(40))
    value: Mapped[Decimal] = mapped_column(Numeric(18, 4))

    project: Mapped[Project] = relationship(back_populates="targets")


# Who may send a suggestion (征集意见): the public and the three kinds of representative
# the 2023 Harbin reserve pool was built from.
SUBMITTER_KINDS = ("public", "deputy", "cppcc", "adviser")
SUGGESTION_STATUSES = ("pending", "approved", "rejected", "merged")


class Suggestion(Base):
    """A project idea sent in by the public or a representative; shown to nobody until moderated."""

    __tablename__ = "suggestions"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'approved', 'rejected', 'merged')", name="status"),
        CheckConstraint("submitter_kind IN ('public', 'deputy', 'cppcc', 'adviser')",
                        name="submitter_kind"),
        CheckConstraint("(status = 'merged') = (project_id IS NOT NULL)", name="merged_project"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    submitter_kind: Mapped[str] = mapped_column(String(20), default="public")
    submitter_name: Mapped[str] = mapped_column(String(80), default="")
    submitter_contact: Mapped[str] = mapped_column(String(120), default="")
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    moderation_note: Mapped[str] = mapped_column(Text, default="")
    moderated_by: Mapped[str] = mapped_column(String(80), default="")
    moderated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The project this suggestion was merged into: the project remembers where it came from.
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    project: Mapped[Project | None] = relationship(back_populates="suggestions")


class ScreeningRound(Base):
    """One recorded decision moving chosen projects of one year one stage on (or, to undo a
    mistake, one stage back). Never edited once recorded."""

    __tablename__ = "screening_rounds"
    __table_args__ = (
        CheckConstraint("direction IN ('forward', 'reverse')", name="direction"),
        CheckConstraint(
            "(direction = 'forward' AND ((from_stage = 'pool' AND to_stage = 'alternative') OR "
            "(from_stage = 'alternative' AND to_stage = 'candidate') OR "
            "(from_stage = 'candidate' AND to_stage = 'selected'))) OR "
            "(direction = 'reverse' AND ((from_stage = 'alternative' AND to_stage = 'pool') OR "
            "(from_stage = 'candidate' AND to_stage = 'alternative')))", name="stages"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(index=True)
    from_stage: Mapped[str] = mapped_column(String(20))
    to_stage: Mapped[str] = mapped_column(String(20))
    direction: Mapped[str] = mapped_column(String(10), default="forward")
    body: Mapped[str] = mapped_column(String(200))  # the deciding body, e.g. 领导小组第二次会议
    decided_on: Mapped[date | None] = mapped_column(Date)  # None: the source does not say
    rationale: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    entries: Mapped[list[RoundEntry]] = relationship(back_populates="round",
                                                     order_by="RoundEntry.id")


class RoundEntry(Base):
    """One project that went into a round, and whether it came out moved or kept."""

    __tablename__ = "round_entries"
    __table_args__ = (
        UniqueConstraint("round_id", "project_id"),
        CheckConstraint("outcome IN ('advanced', 'kept')", name="outcome"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("screening_rounds.id"), index=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    outcome: Mapped[str] = mapped_column(String(10))

    round: Mapped[ScreeningRound] = relationship(back_populates="entries")
    project: Mapped[Project] = relationship()


# A recorded round is history: the database refuses edits and deletions (undo = a reverse round).
for _table in (ScreeningRound.__table__, RoundEntry.__table__):
    make_immutable(_table, "screening rounds are immutable")
