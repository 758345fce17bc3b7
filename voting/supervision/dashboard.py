"""The secretariat's view of a year under supervision: every selected project's completion and
status, its last report, the periods overdue with the units that owe them and the days late,
the late reports; and the overdue list as a table for export. A unit's own view of its
projects' periods is here too. Read-only; figures come from `progress`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select, union
from sqlalchemy.orm import Session

from voting.pool.models import Project
from voting.pool.units import unit_projects, units_of_user
from voting.supervision import progress, rules
from voting.supervision.models import ProgressReport, ReportingSchedule


def years(db: Session) -> list[int]:
    """Years with selected projects or a schedule, newest first."""
    rows = db.execute(union(select(Project.year).where(Project.stage == "selected"),
                            select(ReportingSchedule.year))).scalars()
    return sorted(set(rows), reverse=True)


def unit_names(project: Project) -> str:
    names = [project.lead_unit] if project.lead_unit else []
    for name in (project.responsible_units or "").split("、"):
        if name and name not in names:
            names.append(name)
    return "、".join(names)


@dataclass
class OverdueRow:
    project: Project
    period: rules.Period
    days: int
    units: str


@dataclass
class LateRow:
    project: Project
    report: ProgressReport
    days: int  # days after the due date it was filed (local date)


@dataclass
class YearDashboard:
    year: int
    schedule: ReportingSchedule | None
    rows: list[progress.ProjectProgress]
    overdue: list[OverdueRow]
    late: list[LateRow]


def year_dashboard(db: Session, year: int, *, today: date, zone: str) -> YearDashboard:
    rows = progress.projects_progress(db, progress.year_projects(db, year), today=today)
    overdue = [OverdueRow(pp.project, o.period, o.days, unit_names(pp.project))
               for pp in rows for o in pp.overdue]
    overdue.sort(key=lambda r: (-r.days, r.project.id))
    late = [LateRow(pp.project, r, rules.days_late(r.due, progress.local_date(r.submitted_at,
                                                                             zone)))
            for pp in rows for r in pp.late_reports if r.due is not None]
    late.sort(key=lambda x: x.report.submitted_at, reverse=True)
    return YearDashboard(year, progress.current_schedule(db, year), rows, overdue, late)


def overdue_table(board: YearDashboard) -> tuple[list[str], list[list]]:
    """The overdue list as the export writes it: one row per project and period missed."""
    headers = [_("Project ID"), _("Project"), _("Period"), _("Due date"), _("Days overdue"),
               _("Units")]
    rows = [[r.project.id, r.project.title, r.period.key, r.period.due.isoformat(), r.days,
             r.units] for r in board.overdue]
    return headers, rows


# ---- a unit's own projects ---------------------------------------------------------------

@dataclass
class PeriodState:
    period: rules.Period
    versions: list[ProgressReport]
    # "on_time" / "late": filed (its first version on time or not); "overdue": due date
    # passed without a report; "open": not yet due, not filed
    state: str
    days: int  # days late (the first version's) or overdue (today), else 0

    @property
    def current(self) -> ProgressReport | None:
        return self.versions[-1] if self.versions else None


@dataclass
class UnitProject:
    progress: progress.ProjectProgress
    roles: list[str]  # "lead" / "responsible"
    periods: list[PeriodState]


def period_states(pp: progress.ProjectProgress, *, today: date, zone: str) -> list[PeriodState]:
    out = []
    for period in pp.schedule:
        versions = [r for r in pp.reports if r.period == period.key]
        if versions:
            first = versions[0]
            filed_on = progress.local_date(first.submitted_at, zone)
            out.append(PeriodState(period, versions, "late" if first.late else "on_time",
                                   rules.days_late(period.due, filed_on)))
        elif period.due < today:
            out.append(PeriodState(period, [], "overdue", rules.days_late(period.due, today)))
        else:
            out.append(PeriodState(period, [], "open", 0))
    return out


def user_projects(db: Session, user, *, today: date, zone: str) -> list[UnitProject]:
    """The selected projects of the user's units, newest year first, each once."""
    roles: dict[int, list[str]] = {}
    projects: dict[int, Project] = {}
    for unit in units_of_user(db, user):
        for project, role in unit_projects(db, unit.id):
            if project.stage != "selected":
                continue
            projects[project.id] = project
            if role not in roles.setdefault(project.id, []):
                roles[project.id].append(role)
    ordered = sorted(projects.values(), key=lambda p: (-p.year, p.id))
    out = []
    for pp in progress.projects_progress(db, ordered, today=today):
        out.append(UnitProject(pp, roles[pp.project.id],
                               period_states(pp, today=today, zone=zone)))
    return out
