"""The secretariat sets a year's reporting schedule. A schedule is never edited: each change is
a new row (the newest is the year's schedule, `progress.current_schedule`), audited, so the
record of earlier schedules stays readable."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from voting.audit.services import record
from voting.core.years import YEAR_MESSAGE, check_year
from voting.errors import Invalid
from voting.supervision.models import FREQUENCIES, ReportingSchedule

REASON_MAX = 2000


def _actor_name(actor) -> str:
    return getattr(actor, "username", None) or str(actor)


def set_schedule(db: Session, actor, *, year: int, frequency: str, due_day: int,
                 final_deadline: date, reason: str = "") -> ReportingSchedule:
    """A new schedule row for `year`: monthly or quarterly reports due on `due_day` of the
    period's (last) month, none after `final_deadline`, which falls within the year or up to
    the end of the next January (a year-end report written in January)."""
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
    schedule = ReportingSchedule(year=year, frequency=frequency, due_day=due_day,
                                 final_deadline=final_deadline, reason=reason,
                                 set_by=_actor_name(actor))
    db.add(schedule)
    db.flush()
    record(db, actor, "schedule.set", "schedule", schedule.id, year=year, frequency=frequency,
           due_day=due_day, final_deadline=final_deadline.isoformat(), reason=reason)
    return schedule


# ---- who reports: a selected project's units -----------------------------------------------

UNITS_MAX = 30


def split_units(text: str) -> list[str]:
    """Unit names typed one a line, or separated by 、 ， , ；"""
    import re

    return [n.strip() for n in re.split(r"[\n、，,；;]+", text or "") if n.strip()]


def assign_units(db: Session, actor, project_id: int, *, lead: str,
                 responsible: list[str]) -> None:
    """Set a selected project's lead unit and responsible units (units named are created if
    new): their reporting accounts then report on it. Audited with both lists."""
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
    before = (project.lead_unit, project.responsible_units)
    units_svc.set_project_units(db, project, lead, names)
    db.flush()
    if (project.lead_unit, project.responsible_units) == before:
        return
    record(db, actor, "project.assign_units", "project", project.id,
           lead_unit=project.lead_unit, responsible_units=project.responsible_units)
