"""A responsible unit files its progress report for one project and one period.

Everything is checked before a row is added, so that an error (raised as a domain error naming
the field) leaves nothing behind even before the edge rolls back. A report is never edited: a
correction is the next version for the same period, and `late` is fixed when it is filed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from voting.audit.services import record
from voting.errors import Forbidden, Invalid
from voting.db import get_one
from voting.pool.models import Project, ProjectUnit, UnitMember
from voting.pool.units import may_report
from voting.supervision import progress, rules
from voting.supervision.models import DELIVERY, REPORT_SOURCES, ProgressReport, ReportValue

NARRATIVE_MAX = 5000
SPENDING_LIMIT = Decimal(10) ** 12  # Numeric(14, 2)
VALUE_MAX_CHARS = 40


@dataclass(frozen=True)
class CheckedValue:
    target_id: int
    achieved: str  # in the target's unit
    entered: str
    entered_unit: str


def value_field(target_id: int) -> str:
    """The name of a target's field, in a form and in an error (the JSON endpoint's too)."""
    return f"value_{target_id}"


def unit_field(target_id: int) -> str:
    return f"unit_{target_id}"


def reporting_unit_id(db: Session, user, project_id: int) -> int | None:
    """The unit the user reports for on this project (its lead unit first)."""
    return db.scalar(select(ProjectUnit.unit_id)
                     .join(UnitMember, UnitMember.unit_id == ProjectUnit.unit_id)
                     .where(ProjectUnit.project_id == project_id,
                            UnitMember.user_id == user.id)
                     .order_by(ProjectUnit.role, ProjectUnit.position).limit(1))


def next_version(db: Session, project_id: int, period: str) -> int:
    return (db.scalar(select(func.max(ProgressReport.version))
                      .where(ProgressReport.project_id == project_id,
                             ProgressReport.period == period)) or 0) + 1


def period_versions(db: Session, project_id: int, period: str) -> list[ProgressReport]:
    """Every version filed for one project and period, oldest first."""
    return list(db.scalars(select(ProgressReport).options(selectinload(ProgressReport.values))
                           .where(ProgressReport.project_id == project_id,
                                  ProgressReport.period == period)
                           .order_by(ProgressReport.version)))


@dataclass(frozen=True)
class Resolved:
    """What a filing would store, once blanks of a correction are read as "as before"."""

    versions: list
    spending: Decimal | None
    delivery: str | None
    unchanged: bool  # identical to what the period's report says now: nothing to file

    @property
    def version(self) -> int:
        return self.versions[-1].version + 1 if self.versions else 1


def resolve(db: Session, project_id: int, period: str, checked: list[CheckedValue],
            narrative: str, spending: Decimal | None, delivery: str | None) -> Resolved:
    """A correction that leaves spending or delivery blank keeps the previous version's (a
    blank figure keeps its figure too, see `progress.build`); unchanged when every figure,
    the narrative, spending and delivery equal the period's current report."""
    versions = period_versions(db, project_id, period)
    if not versions:
        return Resolved(versions, spending, delivery, False)
    current = versions[-1]
    if spending is None:
        spending = current.spending_wan_yuan
    if delivery is None:
        delivery = current.delivery
    figures: dict[int, str] = {}
    for report in versions:
        figures.update({v.target_id: v.achieved for v in report.values})
    same = (all(figures.get(v.target_id) is not None
                and Decimal(figures[v.target_id]) == Decimal(v.achieved) for v in checked)
            and narrative == (current.narrative or "")
            and (spending is None) == (current.spending_wan_yuan is None)
            and (spending is None or Decimal(spending) == Decimal(current.spending_wan_yuan))
            and delivery == current.delivery)
    return Resolved(versions, spending, delivery, same)


def check_values(project, values, units=None) -> list[CheckedValue]:
    """The values of a report checked against the project's targets, converted to each
    target's unit; Invalid naming the first wrong field."""
    if values is None:
        values = {}
    if not isinstance(values, dict):
        raise Invalid(_l("The values map target ids to decimal strings."), field="values")
    units = units or {}
    if not isinstance(units, dict):
        raise Invalid(_l("The units map target ids to units."), field="units")
    targets = {t.id: t for t in project.targets}

    def target_of(key):
        try:
            tid = int(key)
        except (TypeError, ValueError):
            tid = None
        if tid is None or isinstance(key, bool) or tid not in targets or (
                isinstance(key, str) and key.strip() != str(tid)):
            raise Invalid(_l("“%(id)s” is not a target of this project.", id=key),
                          field="values")
        return targets[tid]

    unit_of: dict[int, str] = {}
    for key, unit in units.items():
        target = target_of(key)
        if unit is None or unit == "":
            continue
        if not isinstance(unit, str) or unit.strip() not in rules.compatible_units(target.unit):
            raise Invalid(_l("“%(unit)s” is not a unit for “%(metric)s” (in %(target_unit)s).",
                             unit=unit, metric=target.metric, target_unit=target.unit or "—"),
                          field=unit_field(target.id))
        unit_of[target.id] = unit.strip()

    out: dict[int, CheckedValue] = {}
    for key, raw in values.items():
        target = target_of(key)
        if target.id in out:
            raise Invalid(_l("“%(id)s” is given twice.", id=key), field=value_field(target.id))
        if isinstance(raw, str) and not raw.strip():
            continue  # left blank on a form: not reported this time
        number = rules.parse_decimal(raw)
        if number is None:
            raise Invalid(_l("“%(v)s” for “%(metric)s” is not a non-negative decimal number "
                             "(such as 1005 or 1.76).", v=raw, metric=target.metric),
                          field=value_field(target.id))
        entered_unit = unit_of.get(target.id, target.unit.strip())
        try:
            achieved = rules.convert(number, entered_unit, target.unit)
        except rules.UnitMismatch:  # pragma: no cover - compatible_units admits convertible only
            raise Invalid(_l("“%(unit)s” is not a unit for “%(metric)s” (in %(target_unit)s).",
                             unit=entered_unit, metric=target.metric,
                             target_unit=target.unit or "—"),
                          field=unit_field(target.id)) from None
        achieved_text = rules.text(achieved)
        if len(achieved_text) > VALUE_MAX_CHARS:
            raise Invalid(_l("“%(v)s” for “%(metric)s” is too long a number.", v=raw,
                             metric=target.metric), field=value_field(target.id))
        out[target.id] = CheckedValue(target.id, achieved_text, rules.text(number), entered_unit)
    return [out[k] for k in sorted(out)]


def check_spending(spending) -> Decimal | None:
    if spending is None or (isinstance(spending, str) and not spending.strip()):
        return None
    number = rules.parse_decimal(spending)
    if number is None or number >= SPENDING_LIMIT or number != number.quantize(rules.CENT):
        raise Invalid(_l("Spending is a non-negative number of 万元 with at most two decimals."),
                      field="spending")
    return number.quantize(rules.CENT)


def check_delivery(delivery) -> str | None:
    if delivery is None or delivery == "":
        return None
    if delivery not in DELIVERY:
        raise Invalid(_l("Choose what is delivered from the list."), field="delivery")
    return delivery


def check_narrative(narrative) -> str:
    if narrative is None:
        return ""
    if not isinstance(narrative, str):
        raise Invalid(_l("The narrative is text."), field="narrative")
    narrative = narrative.strip()
    if len(narrative) > NARRATIVE_MAX:
        raise Invalid(_l("At most %(n)s characters.", n=NARRATIVE_MAX), field="narrative")
    return narrative


def reportable_period(db: Session, project, period) -> rules.Period:
    """The schedule's period called `period`, for a selected project of a scheduled year."""
    if project.stage != "selected":
        raise Invalid(_l("Only a selected project is reported on."), field="period")
    schedule = progress.current_schedule(db, project.year)
    if schedule is None:
        raise Invalid(_l("The reporting schedule of %(year)s is not set yet.",
                         year=project.year), field="period")
    for p in progress.schedule_periods(schedule):
        if p.key == period:
            return p
    raise Invalid(_l("“%(period)s” is not a reporting period of %(year)s.", period=period,
                     year=project.year), field="period")


def file_report(db: Session, actor, *, project_id: int, period: str, values: dict,
                narrative: str = "", spending: str | None = None, delivery: str | None = None,
                units: dict | None = None, source: str = "form", now: datetime,
                zone: str, skip_unchanged: bool = False) -> ProgressReport | None:
    """File the next version of the project's report for `period`, as the unit of `actor`.
    In a correction, blank spending or delivery keeps the previous version's. With
    `skip_unchanged` (the form, the upload), a filing identical to the period's current report
    files nothing and returns None: re-sending what is on record is not a (late) correction."""
    # The project's row is locked (PostgreSQL) so that two filings at once for one period
    # take consecutive versions instead of colliding on the unique version.
    project = get_one(db, Project, project_id, _l("No such project."), with_for_update=True)
    if not may_report(db, actor, project.id):
        raise Forbidden(_l("You do not report for this project's units."))
    if source not in REPORT_SOURCES:
        raise Invalid(_l("Unknown source of a report."), field="source")
    if not isinstance(period, str):
        raise Invalid(_l("“%(period)s” is not a reporting period of %(year)s.", period=period,
                         year=project.year), field="period")
    the_period = reportable_period(db, project, period)
    checked = check_values(project, values, units)
    narrative = check_narrative(narrative)
    spending_value = check_spending(spending)
    delivery = check_delivery(delivery)
    if not checked and not narrative and spending_value is None and delivery is None:
        raise Invalid(_l("The report is empty: give at least one figure or the narrative."),
                      field=value_field(project.targets[0].id) if project.targets
                      else "narrative")

    resolved = resolve(db, project.id, period, checked, narrative, spending_value, delivery)
    if skip_unchanged and resolved.unchanged:
        return None
    spending_value, delivery = resolved.spending, resolved.delivery
    submitted_on = progress.local_date(now, zone)
    late = submitted_on > the_period.due
    version = next_version(db, project.id, period)
    report = ProgressReport(
        project_id=project.id, period=period, version=version,
        unit_id=reporting_unit_id(db, actor, project.id),
        submitted_by=getattr(actor, "username", None) or str(actor), submitted_at=now,
        due=the_period.due, late=late, narrative=narrative, spending_wan_yuan=spending_value,
        delivery=delivery, source=source,
        values=[ReportValue(target_id=v.target_id, achieved=v.achieved, entered=v.entered,
                            entered_unit=v.entered_unit) for v in checked])
    db.add(report)
    db.flush()
    record(db, actor, "report.file", "report", report.id, project=project.id, period=period,
           version=version, late=late)
    return report
