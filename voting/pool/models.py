from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from voting.db import Base, UTCDateTime, utcnow

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
