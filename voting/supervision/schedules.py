"""The secretariat sets a year's reporting schedule. A schedule is never edited: each change is
a new row (the newest is the year's schedule, `progress.current_schedule`), audited, so the
record of earlier schedules stays readable."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from voting.audit.services import record
from voting.core.years import YEAR_MESSAGE, check_year
from voting.errors import Invalid
from voting.supervision import rules
from voting.supervision.models import FREQUENCIES, ReportingSchedule

REASON_MAX = 2000


def _actor_name(actor) -> str:
    return getattr(actor, "username", None) or str(actor)


def check_schedule(*, year: int, frequency: str, due_day: int, final_deadline: date,
                   reason: str = "") -> str:
    """Invalid naming the first wrong field; the reason, stripped."""
    if not isinstance(year, int) or isinstance(year, bool):
        raise Invalid(YEAR_MESSAGE, field="year")
    check_year(year)
    if frequency not in FREQUENCIES:
        raise Invalid(_l("Choose monthly or quarterly reports."), field="frequency")
    if not isinstance(due_day, int) or isinstance(due_day, bool) or not 1 <= due_day <= 31:
        raise Invalid(_l("The due day is a day of the month, from 1 to 31."), field="due_day")
    if not isinstance(final_deadline, date) or not (
            date(year, 1, 1) <= final_deadline <= date(year + 1, 1, 31)):
        raise Invalid(_l("The final deadline falls within %(year)s or in January of the next "
                         "year.", year=year), field="final_deadline")
    reason = (reason or "").strip()
    if len(reason) > REASON_MAX:
        raise Invalid(_l("At most %(n)s characters.", n=REASON_MAX), field="reason")
    return reason


def set_schedule(db: Session, actor, *, year: int, frequency: str, due_day: int,
                 final_deadline: date, reason: str = "", today: date | None = None,
                 confirm_past: bool = False) -> ReportingSchedule:
    """A new schedule row for `year`: monthly or quarterly reports due on `due_day` of the
    period's (last) month, none after `final_deadline`, which falls within the year or up to
    the end of the next January (a year-end report written in January). Given `today` (the
    page), a change that redefines past periods needs `confirm_past`."""
    reason = check_schedule(year=year, frequency=frequency, due_day=due_day,
                            final_deadline=final_deadline, reason=reason)
    if today is not None and not confirm_past and schedule_change(
            db, year=year, frequency=frequency, due_day=due_day,
            final_deadline=final_deadline, today=today).touches_past:
        raise Invalid(_l("This change redefines periods already past: read what it does "
                         "below and tick the box to confirm it."), field="confirm_past")
    schedule = ReportingSchedule(year=year, frequency=frequency, due_day=due_day,
                                 final_deadline=final_deadline, reason=reason,
                                 set_by=_actor_name(actor))
    db.add(schedule)
    db.flush()
    record(db, actor, "schedule.set", "schedule", schedule.id, year=year, frequency=frequency,
           due_day=due_day, final_deadline=final_deadline.isoformat(), reason=reason)
    return schedule


@dataclass
class ScheduleChange:
    """What replacing the year's schedule would do, as of `today`."""

    added: list[rules.Period] = field(default_factory=list)
    removed: list[rules.Period] = field(default_factory=list)
    moved: list[tuple[rules.Period, rules.Period]] = field(default_factory=list)  # old, new
    orphaned: list[tuple[str, int]] = field(default_factory=list)  # removed period, projects
    new_overdue: list[tuple[rules.Period, int]] = field(default_factory=list)  # period, missing
    touches_past: bool = False  # a past period appears, goes or moves (a first schedule: no)

    @property
    def any(self) -> bool:
        return bool(self.added or self.removed or self.moved)


def schedule_change(db: Session, *, year: int, frequency: str, due_day: int,
                    final_deadline: date, today: date) -> ScheduleChange:
    """The periods a new schedule adds, removes or moves against the current one, the reports
    filed for periods that would no longer exist, and the periods that would become overdue
    (due before `today`, not overdue before, some selected project without a report). A past
    period redefined changes what the dashboard and the public pages say about the past."""
    from voting.pool.models import Project
    from voting.supervision import progress
    from voting.supervision.models import ProgressReport

    old = {p.key: p for p in progress.schedule_periods(progress.current_schedule(db, year))}
    new = {p.key: p for p in rules.periods(year, frequency, due_day, final_deadline)}
    change = ScheduleChange(
        added=[p for k, p in new.items() if k not in old],
        removed=[p for k, p in old.items() if k not in new],
        moved=[(old[k], p) for k, p in new.items() if k in old and old[k].due != p.due])
    if change.removed:
        change.orphaned = [tuple(row) for row in db.execute(
            select(ProgressReport.period, func.count(distinct(ProgressReport.project_id)))
            .join(Project, Project.id == ProgressReport.project_id)
            .where(Project.year == year,
                   ProgressReport.period.in_([p.key for p in change.removed]))
            .group_by(ProgressReport.period).order_by(ProgressReport.period))]
    became_due = [p for k, p in new.items()
                  if p.due < today and not (k in old and old[k].due < today)]
    if became_due:
        project_ids = [p.id for p in progress.year_projects(db, year)]
        filed = {(pid, period) for pid, period in db.execute(
            select(ProgressReport.project_id, ProgressReport.period).where(
                ProgressReport.project_id.in_(project_ids),
                ProgressReport.period.in_([p.key for p in became_due])))}
        for p in became_due:
            missing = sum((pid, p.key) not in filed for pid in project_ids)
            if missing:
                change.new_overdue.append((p, missing))
    change.touches_past = bool(old) and (any(p.due < today for p in change.added + change.removed)
                           or any(min(o.due, n.due) < today for o, n in change.moved))
    return change


# ---- who reports: a selected project's units -----------------------------------------------

UNITS_MAX = 30


def split_units(text: str) -> list[str]:
    """Unit names typed one a line, or separated by 、 ， , ；"""
    import re

    return [n.strip() for n in re.split(r"[\n、，,；;]+", text or "") if n.strip()]


_BRACKETS = str.maketrans({"〔": "(", "〕": ")", "【": "(", "】": ")", "［": "(", "］": ")",
                           "[": "(", "]": ")", "〈": "(", "〉": ")", "《": "(", "》": ")"})


def name_key(name: str) -> str:
    """A unit name for matching: half- and full-width forms alike (NFKC), any bracket read as
    a parenthesis, no white space. 演示责任单位(教育) is 演示责任单位（教育）."""
    import re
    import unicodedata

    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", name or "").translate(_BRACKETS))


def match_units(db: Session, names: list[str]) -> tuple[list[str], list[str]]:
    """The names as the existing units spell them (a name differing only in width or
    brackets is that unit), and the names that match no unit (they would be created)."""
    from voting.pool.models import Unit

    existing = {name_key(n): n for n in db.scalars(select(Unit.name))}
    matched, new = [], []
    for name in names:
        found = existing.get(name_key(name))
        matched.append(found or name)
        if found is None and name not in new:
            new.append(name)
    return matched, new


def units_without_account(db: Session, project) -> list[str]:
    """The names of the project's units that no reporting account reports for."""
    units = ([project.lead] if project.lead else []) + list(project.units)
    out: list[str] = []
    for unit in units:
        if not unit.members and unit.name not in out:
            out.append(unit.name)
    return out


def assign_units(db: Session, actor, project_id: int, *, lead: str,
                 responsible: list[str], confirm_new: bool = False) -> None:
    """Set a selected project's lead unit and responsible units: their reporting accounts then
    report on it. A name differing from a unit's only in width or brackets is that unit; a
    name matching no unit creates one, only with `confirm_new` (a typo would otherwise make
    a unit nobody reports for, and the real unit would lose the project). Audited."""
    from voting.pool import projects as projects_svc
    from voting.pool import units as units_svc

    project = projects_svc.get_project(db, project_id)
    if project.stage != "selected":
        raise Invalid(_l("Units are assigned here to a selected project only."), field="lead")
    lead = (lead or "").strip()
    names = [n.strip() for n in responsible if n and n.strip()]
    if not lead and not names:
        raise Invalid(_l("Name the lead unit or at least one responsible unit."), field="lead")
    if len(lead) > units_svc.NAME_MAX:
        raise Invalid(_l("At most %(n)s characters.", n=units_svc.NAME_MAX), field="lead")
    if len(names) > UNITS_MAX or any(len(n) > units_svc.NAME_MAX for n in names):
        raise Invalid(_l("At most %(k)s units of at most %(n)s characters each.", k=UNITS_MAX,
                         n=units_svc.NAME_MAX), field="responsible")
    matched, new = match_units(db, ([lead] if lead else []) + names)
    if lead:
        lead, names = matched[0], matched[1:]
    else:
        names = matched
    if new and not confirm_new:
        raise Invalid(_l("No unit is called %(names)s: saving creates it as a new unit, which "
                         "has no reporting account. Check the name, or tick the box to create "
                         "it.", names="、".join(new)), field="confirm_new")
    before = (project.lead_unit, project.responsible_units)
    units_svc.set_project_units(db, project, lead, names)
    db.flush()
    if (project.lead_unit, project.responsible_units) == before:
        return
    record(db, actor, "project.assign_units", "project", project.id,
           lead_unit=project.lead_unit, responsible_units=project.responsible_units)
