from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (DDL, CheckConstraint, Date, ForeignKey, Numeric, String, Text,
                        UniqueConstraint, event)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from voting.db import Base, UTCDateTime, make_immutable, one_of, utcnow

# The order of the funnel. A project moves only through recorded screening rounds.
STAGES = ("pool", "alternative", "candidate", "selected")


class Project(Base):
    __tablename__ = "projects"
    __table_args__ = (
        CheckConstraint(one_of("stage", STAGES), name="stage"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    field: Mapped[str] = mapped_column(String(40), default="")  # 领域
    content: Mapped[str] = mapped_column(Text, default="")  # 内容
    significance: Mapped[str] = mapped_column(Text, default="")  # 意义
    investment_wan_yuan: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))  # 估算投资, 万元
    # The display copy of the unit links below (牵头单位; 责任单位 "、"-separated), written only
    # together with them by voting.pool.units.set_project_units: pages and open data read these.
    lead_unit: Mapped[str] = mapped_column(String(200), default="")
    responsible_units: Mapped[str] = mapped_column(Text, default="")
    year: Mapped[int]
    stage: Mapped[str] = mapped_column(String(20), default="pool")
    source: Mapped[str] = mapped_column(String(200), default="")  # where the data comes from
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    targets: Mapped[list[ProjectTarget]] = relationship(
        back_populates="project", order_by="ProjectTarget.position", cascade="all, delete-orphan")
    # The suggestions merged into this project.
    suggestions: Mapped[list[Suggestion]] = relationship(back_populates="project",
                                                         order_by="Suggestion.id")
    unit_links: Mapped[list[ProjectUnit]] = relationship(
        back_populates="project", order_by="(ProjectUnit.role, ProjectUnit.position)",
        cascade="all, delete-orphan")

    @property
    def lead(self) -> Unit | None:
        """The lead unit (牵头单位) as an entity, or None when the source names none."""
        return next((link.unit for link in self.unit_links if link.role == "lead"), None)

    @property
    def units(self) -> list[Unit]:
        """The responsible units (责任单位) in the order the source lists them."""
        return [link.unit for link in self.unit_links if link.role == "responsible"]


class ProjectTarget(Base):
    """A quantified target (目标任务), e.g. 改造老旧住宅 1005 万平方米."""

    __tablename__ = "project_targets"
    __table_args__ = (UniqueConstraint("project_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    position: Mapped[int]
    metric: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(40))
    # None where the source states no annual value (a past year's results give only what was
    # achieved and its percent): completion is then the source's stated percent, or none.
    value: Mapped[Decimal | None] = mapped_column(Numeric(18, 4))

    project: Mapped[Project] = relationship(back_populates="targets")
    amendments: Mapped[list[TargetAmendment]] = relationship(
        back_populates="target", order_by="TargetAmendment.id")


class TargetAmendment(Base):
    """A change to a target of a selected project. Once selected, a target's id is what a
    progress report points at: it is never deleted or renumbered, and every change of its
    metric, unit or value is recorded here (who, when, why, before and after). Never edited."""

    __tablename__ = "target_amendments"

    id: Mapped[int] = mapped_column(primary_key=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("project_targets.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    amended_by: Mapped[str] = mapped_column(String(80))
    amended_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    old_metric: Mapped[str] = mapped_column(String(200))
    old_unit: Mapped[str] = mapped_column(String(40))
    old_value: Mapped[Decimal | None] = mapped_column(Numeric(18, 4))
    new_metric: Mapped[str] = mapped_column(String(200))
    new_unit: Mapped[str] = mapped_column(String(40))
    new_value: Mapped[Decimal] = mapped_column(Numeric(18, 4))

    target: Mapped[ProjectTarget] = relationship(back_populates="amendments")


# ---- responsible units -----------------------------------------------------------------

UNIT_ROLES = ("lead", "responsible")


class Unit(Base):
    """A responsible unit (责任单位), e.g. 省教育厅: it reports progress on its projects through
    the users attached to it (role `unit`)."""

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    members: Mapped[list[UnitMember]] = relationship(back_populates="unit",
                                                     order_by="UnitMember.user_id")
    project_links: Mapped[list[ProjectUnit]] = relationship(back_populates="unit")


class UnitMember(Base):
    """A user who reports for a unit."""

    __tablename__ = "unit_members"

    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    unit: Mapped[Unit] = relationship(back_populates="members")
    user = relationship("User")


class ProjectUnit(Base):
    """A unit's part in a project: its one lead unit (position 1) or one of its responsible
    units, in the source's order. The primary key makes a second lead impossible."""

    __tablename__ = "project_units"
    __table_args__ = (
        UniqueConstraint("project_id", "role", "unit_id"),
        CheckConstraint(one_of("role", UNIT_ROLES), name="role"),
        CheckConstraint("position >= 1 AND (role = 'responsible' OR position = 1)",
                        name="position"),
    )

    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"),
                                            primary_key=True)
    role: Mapped[str] = mapped_column(String(20), primary_key=True)
    position: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)

    project: Mapped[Project] = relationship(back_populates="unit_links")
    unit: Mapped[Unit] = relationship(back_populates="project_links")


def frozen_targets_ddl() -> dict[str, list[str]]:
    """The database refuses to delete a target of a selected project (reports point at it).
    The migration i9c1_units holds a frozen copy of these statements."""
    message = "targets of a selected project are never deleted"
    return {
        "sqlite": [
            "CREATE TRIGGER project_targets_frozen BEFORE DELETE ON project_targets "
            "WHEN (SELECT stage FROM projects WHERE id = OLD.project_id) = 'selected' "
            f"BEGIN SELECT RAISE(ABORT, '{message}'); END",
        ],
        "postgresql": [
            "CREATE OR REPLACE FUNCTION project_targets_frozen() RETURNS trigger AS $$ "
            "BEGIN IF (SELECT stage FROM projects WHERE id = OLD.project_id) = 'selected' "
            f"THEN RAISE EXCEPTION '{message}'; END IF; RETURN OLD; END; $$ LANGUAGE plpgsql",
            "CREATE TRIGGER project_targets_frozen BEFORE DELETE ON project_targets "
            "FOR EACH ROW EXECUTE FUNCTION project_targets_frozen()",
        ],
    }


for _dialect, _statements in frozen_targets_ddl().items():
    for _statement in _statements:
        event.listen(ProjectTarget.__table__, "after_create",
                     DDL(_statement).execute_if(dialect=_dialect))


# Who may send a suggestion (征集意见): the public and the three kinds of representative
# the 2023 Harbin reserve pool was built from.
SUBMITTER_KINDS = ("public", "deputy", "cppcc", "adviser")
SUGGESTION_STATUSES = ("pending", "approved", "rejected", "merged")


class Suggestion(Base):
    """A project idea sent in by the public or a representative; shown to nobody until moderated."""

    __tablename__ = "suggestions"
    __table_args__ = (
        CheckConstraint(one_of("status", SUGGESTION_STATUSES), name="status"),
        CheckConstraint(one_of("submitter_kind", SUBMITTER_KINDS), name="submitter_kind"),
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

DIRECTIONS = ("forward", "reverse")  # a round moves projects one stage on, or (to undo) back
ROUND_OUTCOMES = ("advanced", "kept")


class ScreeningRound(Base):
    """One recorded decision moving chosen projects of one year one stage on (or, to undo a
    mistake, one stage back). Never edited once recorded."""

    __tablename__ = "screening_rounds"
    __table_args__ = (
        CheckConstraint(one_of("direction", DIRECTIONS), name="direction"),
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
        CheckConstraint(one_of("outcome", ROUND_OUTCOMES), name="outcome"),
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
make_immutable(TargetAmendment.__table__, "target amendments are immutable")
