"""A project's progress as every page, the open data and the dashboard show it: the year's
schedule, every report version, what is current per period, each target's completion and the
project's status by `rules`. Read-only; `today` is always passed in (the installation's local
date at the edge: `local_today()`), so that the same data give the same figures in a test.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from voting.pool.models import Project
from voting.supervision import rules
from voting.supervision.models import ProgressReport, ReportingSchedule

# A seed document's figures carry the year ("2022", a year-end report) or the year and "H1"
# (seed 004's mid-year review) as their period: such a year has no schedule.
YEAR_END_SUFFIX, MIDYEAR_SUFFIX = "", "-H1"


def local_today(zone_name: str) -> date:
    from zoneinfo import ZoneInfo

    return datetime.now(ZoneInfo(zone_name)).date()


def local_date(moment: datetime, zone_name: str) -> date:
    from zoneinfo import ZoneInfo

    return moment.astimezone(ZoneInfo(zone_name)).date()


def current_schedule(db: Session, year: int) -> ReportingSchedule | None:
    """The year's schedule: its newest row (older rows are the record of changes)."""
    return db.scalar(select(ReportingSchedule).where(ReportingSchedule.year == year)
                     .order_by(ReportingSchedule.id.desc()).limit(1))


def schedule_history(db: Session, year: int) -> list[ReportingSchedule]:
    return list(db.scalars(select(ReportingSchedule).where(ReportingSchedule.year == year)
                           .order_by(ReportingSchedule.id)))


def schedule_periods(schedule: ReportingSchedule | None) -> list[rules.Period]:
    if schedule is None:
        return []
    return rules.periods(schedule.year, schedule.frequency, schedule.due_day,
                         schedule.final_deadline)


@dataclass
class TargetProgress:
    target: object  # ProjectTarget
    state: rules.TargetState
    # (period, achieved, completion) per period with a current report, in period order
    history: list[tuple[str, Decimal | None, Decimal | None]] = field(default_factory=list)


@dataclass
class Overdue:
    period: rules.Period
    days: int  # days past the due date without a report (as of today)


@dataclass
class ProjectProgress:
    project: Project
    schedule: list[rules.Period]
    reports: list[ProgressReport]  # every version, by period then version
    current: dict[str, ProgressReport]  # the newest version per period
    latest: ProgressReport | None  # the current report of the latest period reported
    targets: list[TargetProgress]
    completion: Decimal | None
    status: str | None
    elapsed: Decimal
    year_over: bool
    overdue: list[Overdue]
    # per period, the figure of each target: the newest version that names it
    period_values: dict[str, dict[int, object]] = field(default_factory=dict)

    @property
    def late_reports(self) -> list[ProgressReport]:
        return [r for r in self.reports if r.late]

    @property
    def spending(self) -> Decimal | None:
        """完成投资 as last reported, 万元."""
        for report in reversed(self._by_period()):
            if report.spending_wan_yuan is not None:
                return report.spending_wan_yuan
        return None

    def _by_period(self) -> list[ProgressReport]:
        return [self.current[k] for k in sorted(self.current, key=_period_order)]


def _period_order(key: str) -> tuple:
    """Period keys sort within a year: 2025-01 … 2025-12, 2025-Q1 … Q4, 2021-H1, then 2021."""
    year, _, rest = key.partition("-")
    if not rest:
        return (year, 99, "")
    if rest.startswith("Q"):
        return (year, int(rest[1:]) * 3, rest)
    if rest.startswith("H"):
        return (year, int(rest[1:]) * 6, rest)
    return (year, int(rest), rest)


def _decimal(value) -> Decimal | None:
    return None if value is None else Decimal(value)


def build(project: Project, schedule: ReportingSchedule | None, reports: list[ProgressReport],
          *, today: date) -> ProjectProgress:
    """The figures of one project from its rows (loaded by the caller)."""
    periods = schedule_periods(schedule)
    reports = sorted(reports, key=lambda r: (_period_order(r.period), r.version))
    current: dict[str, ProgressReport] = {}
    for report in reports:
        current[report.period] = report  # ascending versions: the newest wins
    ordered = [current[k] for k in sorted(current, key=_period_order)]
    latest = ordered[-1] if ordered else None

    # A correction changes the targets it names: a target it leaves out keeps the figure of
    # the period's earlier version (nobody reported a decrease).
    merged: dict[str, dict[int, object]] = {}
    for report in reports:
        merged.setdefault(report.period, {}).update({v.target_id: v for v in report.values})
    periods_reported = sorted(merged, key=_period_order)
    achieved: dict[int, tuple[Decimal | None, Decimal | None]] = {}
    history: dict[int, list] = defaultdict(list)
    for period in periods_reported:
        for value in merged[period].values():
            achieved[value.target_id] = (Decimal(value.achieved), _decimal(value.stated_completion))
    targets = []
    for target in project.targets:
        got, stated = achieved.get(target.id, (None, None))
        state = rules.TargetState(target.metric, _decimal(target.value), got, stated)
        for period in periods_reported:
            value = merged[period].get(target.id)
            if value is not None:
                step = rules.TargetState(target.metric, _decimal(target.value),
                                         Decimal(value.achieved), _decimal(value.stated_completion))
                history[target.id].append((period, step.achieved, step.completion))
        targets.append(TargetProgress(target, state, history[target.id]))

    year_end_reported = latest is not None and latest.period == str(project.year)
    if periods:
        year_over = year_end_reported or today > schedule.final_deadline
        elapsed = rules.elapsed_share(periods, today)
    else:
        year_over = year_end_reported
        elapsed = (Decimal(50) if latest is not None and latest.period.endswith(MIDYEAR_SUFFIX)
                   else Decimal(100) if year_over else Decimal(0))
    states = [t.state for t in targets]
    status = rules.status(states, reported=latest is not None, elapsed=elapsed,
                          year_over=year_over, delivery=latest.delivery if latest else None)
    overdue = [Overdue(p, rules.days_late(p.due, today)) for p in periods
               if p.due < today and p.key not in current]
    return ProjectProgress(project=project, schedule=periods, reports=reports, current=current,
                           latest=latest, targets=targets, period_values=merged,
                           completion=rules.project_completion(states), status=status,
                           elapsed=elapsed, year_over=year_over, overdue=overdue)


def _reports_of(db: Session, project_ids: list[int]) -> dict[int, list[ProgressReport]]:
    out: dict[int, list[ProgressReport]] = defaultdict(list)
    if not project_ids:
        return out
    rows = db.scalars(select(ProgressReport).where(ProgressReport.project_id.in_(project_ids))
                      .options(selectinload(ProgressReport.values),
                               selectinload(ProgressReport.unit)))
    for report in rows:
        out[report.project_id].append(report)
    return out


def project_progress(db: Session, project: Project, *, today: date) -> ProjectProgress:
    return build(project, current_schedule(db, project.year),
                 _reports_of(db, [project.id])[project.id], today=today)


def projects_progress(db: Session, projects: list[Project], *,
                      today: date) -> list[ProjectProgress]:
    """Many projects at once (a year's page, the dashboard, the open data): three queries."""
    reports = _reports_of(db, [p.id for p in projects])
    schedules: dict[int, ReportingSchedule | None] = {}
    out = []
    for project in projects:
        if project.year not in schedules:
            schedules[project.year] = current_schedule(db, project.year)
        out.append(build(project, schedules[project.year], reports[project.id], today=today))
    return out


def year_projects(db: Session, year: int, *, stage: str | None = "selected") -> list[Project]:
    query = (select(Project).where(Project.year == year)
             .options(selectinload(Project.targets), selectinload(Project.unit_links))
             .order_by(Project.id))
    if stage is not None:
        query = query.where(Project.stage == stage)
    return list(db.scalars(query))
