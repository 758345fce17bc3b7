"""What supervision keeps. Every row here is history: the database refuses edits and deletions
(a correction is a new report version, a new schedule is a new row, a rectification moves on by
a new step). Completion and status are never stored: `rules` derives them from these rows."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from voting.db import Base, UTCDateTime, make_immutable, one_of, utcnow

FREQUENCIES = ("monthly", "quarterly")
# Where a report came from: a unit's form, its XLSX upload or the JSON endpoint; the demo; or a
# seed document of a past year (figures as the source published them).
REPORT_SOURCES = ("form", "xlsx", "api", "demo", "seed")
# What the unit says is delivered, as the mid-year review counts it (seed 004):
# 已完工并投入使用 / 部分投入使用 / 推进中.
DELIVERY = ("in_use", "partly_in_use", "under_way")
STEP_KINDS = ("report", "follow_up", "closed", "reopened")


class ReportingSchedule(Base):
    """A year's reporting schedule as the secretariat set it: monthly or quarterly, the day of
    the period's last month a report is due (seed 003: the 25th), and the final deadline. The
    year's schedule is its newest row; older rows stay as the record of changes."""

    __tablename__ = "reporting_schedules"
    __table_args__ = (
        CheckConstraint(one_of("frequency", FREQUENCIES), name="frequency"),
        CheckConstraint("due_day >= 1 AND due_day <= 31", name="due_day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(index=True)
    frequency: Mapped[str] = mapped_column(String(20))
    due_day: Mapped[int]
    final_deadline: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text, default="")
    set_by: Mapped[str] = mapped_column(String(80))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ProgressReport(Base):
    """One version of a unit's report on one project for one period: achieved to date per
    target (`values`), a narrative, spending. A correction is the next version; the earlier
    stays. `late` is fixed when filed: submitted after the period's due date."""

    __tablename__ = "progress_reports"
    __table_args__ = (
        UniqueConstraint("project_id", "period", "version"),
        CheckConstraint("version >= 1", name="version"),
        CheckConstraint(one_of("source", REPORT_SOURCES), name="source"),
        CheckConstraint("delivery IS NULL OR " + one_of("delivery", DELIVERY), name="delivery"),
        CheckConstraint("spending_wan_yuan IS NULL OR spending_wan_yuan >= 0", name="spending"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    period: Mapped[str] = mapped_column(String(10))  # "2025-Q1" or "2025-03"; "2022" for a seed year
    version: Mapped[int]
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    submitted_by: Mapped[str] = mapped_column(String(80))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    due: Mapped[date | None] = mapped_column(Date)  # None for a seed document's figures
    late: Mapped[bool] = mapped_column(default=False)
    narrative: Mapped[str] = mapped_column(Text, default="")
    spending_wan_yuan: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))  # 完成投资, 万元
    delivery: Mapped[str | None] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(10), default="form")

    values: Mapped[list[ReportValue]] = relationship(
        back_populates="report", order_by="ReportValue.target_id", cascade="all")
    unit = relationship("Unit")


class ReportValue(Base):
    """Achieved to date on one target, in the target's own unit as a decimal string. What the
    unit typed (e.g. 17600 株 against a target in 万株) is kept beside it. `stated_completion`
    is a seed document's own percent for a target whose annual value the source never gave."""

    __tablename__ = "report_values"

    report_id: Mapped[int] = mapped_column(ForeignKey("progress_reports.id"), primary_key=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("project_targets.id"), primary_key=True,
                                           index=True)
    achieved: Mapped[str] = mapped_column(String(40))
    entered: Mapped[str] = mapped_column(String(40))
    entered_unit: Mapped[str] = mapped_column(String(40))
    stated_completion: Mapped[str | None] = mapped_column(String(12))

    report: Mapped[ProgressReport] = relationship(back_populates="values")


class Rectification(Base):
    """整改: a project rated dissatisfied by a published evaluation poll, tracked to closure
    through its steps (the unit's rectification report, the secretariat's follow-up, closed)."""

    __tablename__ = "rectifications"
    __table_args__ = (UniqueConstraint("project_id", "poll_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id"), index=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    steps: Mapped[list[RectificationStep]] = relationship(
        back_populates="rectification", order_by="RectificationStep.id")

    @property
    def closed(self) -> bool:
        kinds = [s.kind for s in self.steps if s.kind in ("closed", "reopened")]
        return bool(kinds) and kinds[-1] == "closed"


class RectificationStep(Base):
    __tablename__ = "rectification_steps"
    __table_args__ = (CheckConstraint(one_of("kind", STEP_KINDS), name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rectification_id: Mapped[int] = mapped_column(ForeignKey("rectifications.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    body: Mapped[str] = mapped_column(Text)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    by: Mapped[str] = mapped_column(String(80))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    rectification: Mapped[Rectification] = relationship(back_populates="steps")


for _table, _message in ((ReportingSchedule.__table__, "reporting schedules are history"),
                         (ProgressReport.__table__, "progress reports are history"),
                         (ReportValue.__table__, "progress reports are history"),
                         (Rectification.__table__, "rectifications are history"),
                         (RectificationStep.__table__, "rectification steps are history")):
    make_immutable(_table, _message)
