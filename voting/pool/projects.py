"""Projects of the pool: reading them, the funnel, creating and editing them.

Services flush and never commit. A project's stage changes only through a recorded screening
round (`voting.pool.rounds`), never through an edit.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from voting.audit.services import record
from voting.core.years import year_in_range
from voting.db import get_one
from voting.errors import Conflict
from voting.pool import units
from voting.pool.models import STAGES, Project, ProjectTarget, RoundEntry, ScreeningRound
from voting.pool.values import ProjectValues, clean_values


STAGE_LABELS = {"pool": _l("Reserve pool"), "alternative": _l("Alternatives"),
                "candidate": _l("Candidates"), "selected": _l("Selected")}


@dataclass(frozen=True)
class Funnel:
    year: int
    counts: dict[str, int]  # stage -> projects of the year now in it
    rounds: list[ScreeningRound]


def get_project(db: Session, project_id: int) -> Project:
    return get_one(db, Project, project_id, _l("No such project."))


def years(db: Session) -> list[int]:
    """Every year with projects, newest first."""
    return list(db.scalars(select(Project.year).distinct().order_by(Project.year.desc())))


def search_projects(db: Session, *, year: int | None = None, stage: str | None = None,
                    field_: str | None = None, q: str = "") -> list[Project]:
    query = select(Project).options(selectinload(Project.targets))
    if year:
        if not year_in_range(year):
            return []  # no project carries it (and no integer column holds every number)
        query = query.where(Project.year == year)
    if stage:
        query = query.where(Project.stage == stage)
    if field_:
        query = query.where(Project.field == field_)
    q = (q or "").strip()
    if q:
        like = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(or_(*(column.ilike(like, escape="\\") for column in (
            Project.title, Project.content, Project.lead_unit, Project.responsible_units))))
    return list(db.scalars(query.order_by(Project.year.desc(), Project.id)))


def projects_in_stage(db: Session, year: int, stage: str) -> list[Project]:
    return list(db.scalars(select(Project).where(Project.year == year, Project.stage == stage)
                           .order_by(Project.id)))


def funnel(db: Session, year: int) -> Funnel:
    """How many of the year's projects stand in each stage now, and every round of the year."""
    rows = db.execute(select(Project.stage, func.count(Project.id))
                      .where(Project.year == year).group_by(Project.stage)).all()
    counts = {stage: 0 for stage in STAGES}
    counts.update({stage: n for stage, n in rows})
    rounds = list(db.scalars(
        select(ScreeningRound).where(ScreeningRound.year == year)
        .options(selectinload(ScreeningRound.entries).selectinload(RoundEntry.project))
        .order_by(ScreeningRound.id)))
    return Funnel(year, counts, rounds)


def reached(counts: dict[str, int], stage: str) -> int:
    """Projects that have reached `stage` or a later one: the width of the funnel there."""
    return sum(counts[s] for s in STAGES[STAGES.index(stage):])


def stage_history(db: Session, project_id: int) -> list[tuple[ScreeningRound, RoundEntry]]:
    """Every round the project went into, oldest first, with what came of it."""
    rows = db.execute(select(ScreeningRound, RoundEntry)
                      .join(RoundEntry, RoundEntry.round_id == ScreeningRound.id)
                      .where(RoundEntry.project_id == project_id)
                      .order_by(ScreeningRound.id)).all()
    return [(r, e) for r, e in rows]


def apply_values(db: Session, project: Project, values: ProjectValues) -> None:
    """Write the values into the project. A selected project's targets are frozen (reports
    point at them): an edit that would change them is refused, and they change only through
    `voting.pool.units.amend_target`."""
    units.check_targets_unchanged(project, values.targets)
    project.title = values.title
    project.year = values.year
    project.field = values.field
    project.content = values.content
    project.significance = values.significance
    project.investment_wan_yuan = values.investment_wan_yuan
    project.source = values.source
    units.set_project_units(db, project, values.lead_unit, values.responsible_units)
    if units.targets_frozen(project):
        return
    # Rewrite rows in place: deleting and re-inserting would collide on (project, position).
    existing = list(project.targets)
    for position, t in enumerate(values.targets, start=1):
        if position <= len(existing):
            row = existing[position - 1]
            row.metric, row.unit, row.value = t.metric, t.unit, t.value
        else:
            project.targets.append(ProjectTarget(position=position, metric=t.metric,
                                                 unit=t.unit, value=t.value))
    del project.targets[len(values.targets):]


def _snapshot(values: ProjectValues) -> dict:
    return {"title": values.title, "year": values.year, "field": values.field,
            "investment_wan_yuan": None if values.investment_wan_yuan is None
            else str(values.investment_wan_yuan),
            "lead_unit": values.lead_unit, "targets": len(values.targets),
            "source": values.source}


def create_project(db: Session, actor, values: ProjectValues) -> Project:
    """A new project enters the reserve pool of its year."""
    values = clean_values(values)
    project = Project(stage="pool", title=values.title, year=values.year)
    apply_values(db, project, values)
    db.add(project)
    db.flush()
    record(db, actor, "project.create", "project", project.id, **_snapshot(values))
    return project


def update_project(db: Session, actor, project_id: int, values: ProjectValues) -> Project:
    """Edits everything but the stage. The year is fixed once the project went into a round:
    the round's record must keep describing the same year's pool."""
    project = get_project(db, project_id)
    values = clean_values(values)
    if values.year != project.year and stage_history(db, project.id):
        raise Conflict(_l("The year cannot change: the project has been through a screening "
                          "round of %(year)s.", year=project.year), field="year")
    apply_values(db, project, values)
    db.flush()
    record(db, actor, "project.update", "project", project.id, **_snapshot(values))
    return project
