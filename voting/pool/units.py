"""Responsible units (责任单位) and lead units (牵头单位) as entities, the users who report for
them, and the freeze of a selected project's targets.

A project's units are links to `Unit` rows; its `lead_unit` / `responsible_units` text is the
display copy written here together with the links, so pages and open data keep reading text.
Once a project is selected its targets are what progress reports point at: a change is an
amendment (`amend_target`), recorded with who, when, why and both values; the target's id
never changes and the database refuses to delete it.

Services flush and never commit.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from voting.audit.services import record
from voting.auth.models import Role, User
from voting.db import get_one
from voting.errors import Conflict, Invalid
from voting.pool.models import (Project, ProjectTarget, ProjectUnit, TargetAmendment, Unit,
                                UnitMember)

NAME_MAX = 200
REASON_MAX = 2000
TARGET_VALUE_LIMIT = Decimal("1e14")


# ---- units -------------------------------------------------------------------------------

def get_unit(db: Session, unit_id: int) -> Unit:
    return get_one(db, Unit, unit_id, _l("No such unit."))


def unit_by_name(db: Session, name: str) -> Unit | None:
    return db.scalar(select(Unit).where(Unit.name == name))


def _name(name: str | None) -> str:
    name = (name or "").strip()
    if not name:
        raise Invalid(_l("A value is required."), field="name")
    if len(name) > NAME_MAX:
        raise Invalid(_l("At most %(n)s characters.", n=NAME_MAX), field="name")
    return name


def ensure_unit(db: Session, name: str) -> Unit:
    """The unit of that name, created if new (a name in a project or a seed file is a unit)."""
    name = _name(name)
    unit = unit_by_name(db, name)
    if unit is None:
        unit = Unit(name=name)
        db.add(unit)
        db.flush()
    return unit


@dataclass(frozen=True)
class UnitRow:
    unit: Unit
    projects: int  # projects it leads or is responsible for
    members: int


def list_units(db: Session) -> list[UnitRow]:
    projects = dict(db.execute(
        select(ProjectUnit.unit_id, func.count(func.distinct(ProjectUnit.project_id)))
        .group_by(ProjectUnit.unit_id)).all())
    members = dict(db.execute(select(UnitMember.unit_id, func.count(UnitMember.user_id))
                              .group_by(UnitMember.unit_id)).all())
    return [UnitRow(u, projects.get(u.id, 0), members.get(u.id, 0))
            for u in db.scalars(select(Unit).order_by(Unit.name))]


def create_unit(db: Session, actor, name: str) -> Unit:
    name = _name(name)
    if unit_by_name(db, name) is not None:
        raise Conflict(_l("The unit “%(name)s” exists already.", name=name), field="name")
    unit = Unit(name=name)
    db.add(unit)
    db.flush()
    record(db, actor, "unit.create", "unit", unit.id, name=name)
    return unit


def attach_user(db: Session, actor, unit_id: int, username: str) -> UnitMember:
    """Let a user of role `unit` report for the unit."""
    unit = get_unit(db, unit_id)
    user = db.scalar(select(User).where(User.username == (username or "").strip()))
    if user is None:
        raise Invalid(_l("There is no user “%(name)s”.", name=(username or "").strip()),
                      field="username")
    if user.role != Role.UNIT.value:
        raise Invalid(_l("Only a user of the responsible-unit role can report for a unit."),
                      field="username")
    if db.get(UnitMember, (unit.id, user.id)) is not None:
        raise Conflict(_l("%(user)s already reports for %(unit)s.", user=user.username,
                          unit=unit.name), field="username")
    member = UnitMember(unit_id=unit.id, user_id=user.id)
    db.add(member)
    db.flush()
    record(db, actor, "unit.attach_user", "unit", unit.id, username=user.username)
    return member


def detach_user(db: Session, actor, unit_id: int, user_id: int) -> None:
    unit = get_unit(db, unit_id)
    member = get_one(db, UnitMember, (unit.id, user_id),
                     _l("That user does not report for this unit."))
    username = member.user.username
    db.delete(member)
    db.flush()
    record(db, actor, "unit.detach_user", "unit", unit.id, username=username)


def units_of_user(db: Session, user) -> list[Unit]:
    return list(db.scalars(select(Unit).join(UnitMember, UnitMember.unit_id == Unit.id)
                           .where(UnitMember.user_id == user.id).order_by(Unit.name)))


def unit_projects(db: Session, unit_id: int) -> list[tuple[Project, str]]:
    """The unit's projects with its part in each ("lead" or "responsible"), newest year first."""
    rows = db.execute(select(Project, ProjectUnit.role)
                      .join(ProjectUnit, ProjectUnit.project_id == Project.id)
                      .where(ProjectUnit.unit_id == unit_id)
                      .order_by(Project.year.desc(), Project.id, ProjectUnit.role)).all()
    return [(p, role) for p, role in rows]


def may_report(db: Session, user, project_id: int) -> bool:
    """Whether `user` reports for one of the project's units (lead or responsible)."""
    return db.scalar(select(func.count()).select_from(ProjectUnit)
                     .join(UnitMember, UnitMember.unit_id == ProjectUnit.unit_id)
                     .where(ProjectUnit.project_id == project_id,
                            UnitMember.user_id == user.id)) > 0


# ---- a project's units ---------------------------------------------------------------------

def set_project_units(db: Session, project: Project, lead: str, responsible: list[str]) -> None:
    """Link the project to the units named (each name a unit, created if new) and write the
    display text from the same names. A name given twice is linked once."""
    lead = (lead or "").strip()
    names: list[str] = []
    for name in responsible:
        name = name.strip()
        if name and name not in names:
            names.append(name)
    wanted = ([("lead", 1, lead)] if lead else []) + [
        ("responsible", i, name) for i, name in enumerate(names, start=1)]
    current = [(link.role, link.position, link.unit.name) for link in project.unit_links]
    project.lead_unit = lead
    project.responsible_units = "、".join(names)
    if current == wanted:
        return
    db.add(project)  # a new project: its links are flushed with the units they point at
    if project.unit_links:
        # Delete before inserting: the new links may reuse the (role, position) keys.
        project.unit_links.clear()
        db.flush()
    for role, position, name in wanted:
        project.unit_links.append(ProjectUnit(role=role, position=position,
                                              unit=ensure_unit(db, name)))


# ---- seed units ----------------------------------------------------------------------------

def seed_unit_names(paths) -> list[str]:
    """Every distinct unit named (lead or responsible) in the candidates/ JSON files, in the
    order they first appear."""
    names: list[str] = []
    for path in paths:
        doc = json.loads(path.read_text(encoding="utf-8"))
        for item in doc.get("projects", []):
            for name in [item.get("lead_unit") or "", *(item.get("responsible_units") or [])]:
                name = name.strip()
                if name and name not in names:
                    names.append(name)
    return names


def import_seed_units(db: Session, actor, paths) -> list[Unit]:
    """Create the units the seed documents name (one per distinct name); existing ones stay."""
    created = []
    for name in seed_unit_names(paths):
        if unit_by_name(db, name) is None:
            created.append(ensure_unit(db, name))
    if created:
        record(db, actor, "unit.import", "unit", "-", created=len(created))
    return created


# ---- frozen targets ------------------------------------------------------------------------

def _decimal(value) -> Decimal | None:
    return None if value is None else Decimal(value)


def targets_frozen(project: Project) -> bool:
    """A selected project's targets are what reports point at: they change only by amendment."""
    return project.stage == "selected"


def check_targets_unchanged(project: Project, targets) -> None:
    """Refuse an edit that would rewrite a selected project's targets (an edit of its other
    fields that leaves the targets as they are goes through)."""
    if not targets_frozen(project):
        return
    now = [(t.metric, t.unit, _decimal(t.value)) for t in project.targets]
    given = [(t.metric, t.unit, _decimal(t.value)) for t in targets]
    if now != given:
        raise Conflict(_l("The project is selected: its targets are fixed, and a change is "
                          "recorded as an amendment with its reason (on the project's "
                          "targets page)."), field="targets", code="targets_frozen")


def get_target(db: Session, target_id: int) -> ProjectTarget:
    return get_one(db, ProjectTarget, target_id, _l("No such target."))


def amend_target(db: Session, actor, target_id: int, *, metric: str, unit: str,
                 value: Decimal, reason: str) -> TargetAmendment:
    """Change a selected project's target: the target keeps its id and now holds the new
    values; the amendment row keeps the old ones, the reason, who and when (never edited)."""
    target = get_target(db, target_id)
    if not targets_frozen(target.project):
        raise Conflict(_l("Only a selected project's targets are amended; edit the project "
                          "instead."), code="not_frozen")
    metric, unit = (metric or "").strip(), (unit or "").strip()
    reason = (reason or "").strip()
    if not metric:
        raise Invalid(_l("A value is required."), field="metric")
    if len(metric) > 200 or len(unit) > 40:
        raise Invalid(_l("A target's metric may have at most 200 characters and its unit at "
                         "most 40."), field="metric")
    if not reason:
        raise Invalid(_l("Say why the target changes."), field="reason")
    if len(reason) > REASON_MAX:
        raise Invalid(_l("At most %(n)s characters.", n=REASON_MAX), field="reason")
    try:
        value = Decimal(value.strip().replace(",", "") if isinstance(value, str) else value)
    except (ArithmeticError, ValueError, TypeError):
        raise Invalid(_l("“%(v)s” is not a number.", v=value), field="value") from None
    if not value.is_finite() or value < 0 or value >= TARGET_VALUE_LIMIT:
        raise Invalid(_l("A target value must be a number from 0 to less than 10¹⁴."),
                      field="value")
    value = value.quantize(Decimal("0.0001"))
    if (metric, unit, value) == (target.metric, target.unit, _decimal(target.value)):
        raise Invalid(_l("Nothing changes: the amendment gives the target's present values."),
                      field="value")
    amendment = TargetAmendment(
        target_id=target.id, reason=reason,
        amended_by=getattr(actor, "username", None) or str(actor),
        old_metric=target.metric, old_unit=target.unit, old_value=target.value,
        new_metric=metric, new_unit=unit, new_value=value)
    db.add(amendment)
    target.metric, target.unit, target.value = metric, unit, value
    db.flush()
    record(db, actor, "target.amend", "project_target", target.id,
           project_id=target.project_id, reason=reason,
           old={"metric": amendment.old_metric, "unit": amendment.old_unit,
                "value": str(amendment.old_value)},
           new={"metric": metric, "unit": unit, "value": str(value)})
    return amendment


def amendments_of(db: Session, project_id: int) -> list[TargetAmendment]:
    return list(db.scalars(select(TargetAmendment)
                           .join(ProjectTarget, ProjectTarget.id == TargetAmendment.target_id)
                           .where(ProjectTarget.project_id == project_id)
                           .options(selectinload(TargetAmendment.target))
                           .order_by(TargetAmendment.id)))
