"""The project pool: projects, public suggestions and their moderation, screening rounds,
the funnel, and CSV/XLSX import and export.

Services flush and never commit. A project's stage changes only through `record_round`: a
recorded round is history (the database refuses edits), so a mistake is undone by a new
reverse round with its own rationale.
"""

from __future__ import annotations

import re
import dataclasses
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from voting.audit.services import record
from voting.ballots.models import Poll, PollCandidate
from voting.core.tabular import (Column, ImportRefused, RowError, export_csv, export_xlsx,
                                 max_length, parse_table, read_rows)
from voting.db import utcnow
from voting.errors import Conflict, Invalid, NotFound
from voting.i18n import local_time_text
from voting.pool.models import (STAGES, SUBMITTER_KINDS, Project, ProjectTarget, RoundEntry,
                                ScreeningRound, Suggestion)

SCREENED_STAGES = ("pool", "alternative", "candidate")  # the stages a round moves between
FIELDS = ("就业", "社保", "医疗卫生", "教育", "养老", "住房", "城市建设", "交通", "生态环境",
          "文化体育", "政务服务", "农业农村", "安全", "其他")
STAGE_LABELS = {"pool": _l("Reserve pool"), "alternative": _l("Alternatives"),
                "candidate": _l("Candidates"), "selected": _l("Selected")}
KIND_LABELS = {"public": _l("Member of the public"), "deputy": _l("People's Congress deputy"),
               "cppcc": _l("CPPCC member"), "adviser": _l("Decision consultation adviser")}
STATUS_LABELS = {"pending": _l("Awaiting moderation"), "approved": _l("Approved"),
                 "rejected": _l("Rejected"), "merged": _l("Merged into a project")}
TITLE_MAX, UNIT_MAX, SOURCE_MAX, BODY_MAX = 200, 200, 200, 200
TEXT_MAX = 5000
NAME_MAX, CONTACT_MAX = 80, 120
YEAR_MIN, YEAR_MAX = 1949, 2200
INVESTMENT_MAX = Decimal("999999999999.99")
TARGET_RE = re.compile(r"^(?P<metric>.+?)\s*[=＝]\s*(?P<value>[-+]?[\d,]*\.?\d+)\s*(?P<unit>.*)$")


@dataclass(frozen=True)
class Target:
    metric: str
    unit: str
    value: Decimal


@dataclass
class ProjectValues:
    """The editable fields of a project (the stage is not one of them)."""

    title: str
    year: int
    field: str = ""
    content: str = ""
    significance: str = ""
    targets: list[Target] = dataclasses.field(default_factory=list)
    investment_wan_yuan: Decimal | None = None
    lead_unit: str = ""
    responsible_units: list[str] = dataclasses.field(default_factory=list)
    source: str = ""


@dataclass(frozen=True)
class Funnel:
    year: int
    counts: dict[str, int]  # stage -> projects of the year now in it
    rounds: list[ScreeningRound]


# ---- reading -------------------------------------------------------------------------

def get_project(db: Session, project_id: int) -> Project:
    project = db.get(Project, project_id)
    if project is None:
        raise NotFound(_l("No such project."))
    return project


def get_suggestion(db: Session, suggestion_id: int) -> Suggestion:
    suggestion = db.get(Suggestion, suggestion_id)
    if suggestion is None:
        raise NotFound(_l("No such suggestion."))
    return suggestion


def years(db: Session) -> list[int]:
    """Every year with projects, newest first."""
    return list(db.scalars(select(Project.year).distinct().order_by(Project.year.desc())))


def search_projects(db: Session, *, year: int | None = None, stage: str | None = None,
                    field_: str | None = None, q: str = "") -> list[Project]:
    query = select(Project).options(selectinload(Project.targets))
    if year:
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


def public_suggestions(db: Session) -> list[Suggestion]:
    """Only moderated, accepted suggestions are ever shown to the public."""
    return list(db.scalars(select(Suggestion)
                           .where(Suggestion.status.in_(("approved", "merged")))
                           .order_by(Suggestion.id.desc())))


def suggestions_by_status(db: Session, status: str | None) -> list[Suggestion]:
    query = select(Suggestion)
    if status:
        query = query.where(Suggestion.status == status)
    return list(db.scalars(query.order_by(Suggestion.id)))


def suggestion_counts(db: Session) -> dict[str, int]:
    rows = db.execute(select(Suggestion.status, func.count(Suggestion.id))
                      .group_by(Suggestion.status)).all()
    counts = {s: 0 for s in STATUS_LABELS}
    counts.update(dict(rows))
    return counts


# ---- validation shared by forms and imports ------------------------------------------

def _text(value: str | None, limit: int, field_name: str, *, required: bool = False) -> str:
    value = (value or "").strip()
    if not value and required:
        raise Invalid(_l("A value is required."), field=field_name)
    if len(value) > limit:
        raise Invalid(_l("At most %(n)s characters.", n=limit), field=field_name)
    return value


def parse_targets(text: str) -> list[Target]:
    """Targets written one per line (or separated by ；), as `metric = value unit`, e.g.
    `新建中小学校 = 4 所`. Raises ValueError with a message for the user."""
    targets = []
    for part in re.split(r"[\n;；]+", text or ""):
        part = part.strip()
        if not part:
            continue
        m = TARGET_RE.match(part)
        if m is None:
            raise ValueError(_("“%(t)s” is not of the form “metric = value unit”, e.g. "
                               "“新建中小学校 = 4 所”.", t=part))
        metric, unit = m["metric"].strip(), m["unit"].strip()
        try:
            value = Decimal(m["value"].replace(",", ""))
        except InvalidOperation:
            raise ValueError(_("“%(v)s” is not a number.", v=m["value"])) from None
        if len(metric) > 200 or len(unit) > 40:
            raise ValueError(_("A target's metric may have at most 200 characters and its "
                               "unit at most 40."))
        if abs(value) >= Decimal("1e14"):
            raise ValueError(_("“%(v)s” is too large.", v=m["value"]))
        targets.append(Target(metric, unit, value))
    return targets


def format_targets(targets) -> str:
    """The inverse of `parse_targets`, one target per line."""
    return "\n".join(f"{t.metric} = {plain_number(t.value)} {t.unit}".rstrip() for t in targets)


def plain_number(value: Decimal) -> str:
    text = format(Decimal(value), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def parse_investment(text: str | None) -> Decimal | None:
    text = (text or "").strip().replace(",", "").replace("，", "")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(_("“%(v)s” is not a number.", v=text)) from None
    if not value.is_finite() or value < 0 or value > INVESTMENT_MAX:
        raise ValueError(_("The investment must be a number of 万元 from 0 to %(max)s.",
                           max=INVESTMENT_MAX))
    return value.quantize(Decimal("0.01"))


def split_units(text: str | None) -> list[str]:
    return [u.strip() for u in re.split(r"[、,，;；\n]+", text or "") if u.strip()]


def _parse_year(text: str) -> int:
    try:
        year = int(str(text).strip())
    except ValueError:
        raise ValueError(_("“%(v)s” is not a whole number.", v=text)) from None
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise ValueError(_("The year must be from 1949 to 2200."))
    return year


def _clean(values: ProjectValues) -> ProjectValues:
    """Checks every field; raises Invalid naming the first bad one."""
    if not YEAR_MIN <= (values.year or 0) <= YEAR_MAX:
        raise Invalid(_l("The year must be from 1949 to 2200."), field="year")
    investment = values.investment_wan_yuan
    if investment is not None and (investment < 0 or investment > INVESTMENT_MAX):
        raise Invalid(_l("The investment must be a number of 万元 from 0 to %(max)s.",
                         max=INVESTMENT_MAX), field="investment_wan_yuan")
    if values.field and values.field not in FIELDS:
        raise Invalid(_l("“%(v)s” is not one of: %(kinds)s.", v=values.field,
                         kinds="、".join(FIELDS)), field="field")
    units = [u.strip() for u in values.responsible_units if u.strip()]
    if len("、".join(units)) > TEXT_MAX:
        raise Invalid(_l("At most %(n)s characters.", n=TEXT_MAX), field="responsible_units")
    return ProjectValues(
        title=_text(values.title, TITLE_MAX, "title", required=True),
        year=values.year,
        field=values.field or "",
        content=_text(values.content, TEXT_MAX, "content"),
        significance=_text(values.significance, TEXT_MAX, "significance"),
        targets=list(values.targets),
        investment_wan_yuan=investment,
        lead_unit=_text(values.lead_unit, UNIT_MAX, "lead_unit"),
        responsible_units=units,
        source=_text(values.source, SOURCE_MAX, "source"))


def _apply(project: Project, values: ProjectValues) -> None:
    project.title = values.title
    project.year = values.year
    project.field = values.field
    project.content = values.content
    project.significance = values.significance
    project.investment_wan_yuan = values.investment_wan_yuan
    project.lead_unit = values.lead_unit
    project.responsible_units = "、".join(values.responsible_units)
    project.source = values.source
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


# ---- projects ------------------------------------------------------------------------

def create_project(db: Session, actor, values: ProjectValues) -> Project:
    """A new project enters the reserve pool of its year."""
    values = _clean(values)
    project = Project(stage="pool", title=values.title, year=values.year)
    _apply(project, values)
    db.add(project)
    db.flush()
    record(db, actor, "project.create", "project", project.id, **_snapshot(values))
    return project


def update_project(db: Session, actor, project_id: int, values: ProjectValues) -> Project:
    """Edits everything but the stage. The year is fixed once the project went into a round:
    the round's record must keep describing the same year's pool."""
    project = get_project(db, project_id)
    values = _clean(values)
    if values.year != project.year and stage_history(db, project.id):
        raise Conflict(_l("The year cannot change: the project has been through a screening "
                          "round of %(year)s.", year=project.year), field="year")
    _apply(project, values)
    db.flush()
    record(db, actor, "project.update", "project", project.id, **_snapshot(values))
    return project


# ---- suggestions ---------------------------------------------------------------------

def submit_suggestion(db: Session, *, submitter_kind: str, title: str, body: str,
                      submitter_name: str = "", submitter_contact: str = "") -> Suggestion:
    """From anyone, signed in or not; held for moderation and shown to nobody until then."""
    if submitter_kind not in SUBMITTER_KINDS:
        raise Invalid(_l("Choose who is making the suggestion."), field="submitter_kind")
    suggestion = Suggestion(
        submitter_kind=submitter_kind,
        title=_text(title, TITLE_MAX, "title", required=True),
        body=_text(body, TEXT_MAX, "body", required=True),
        submitter_name=_text(submitter_name, NAME_MAX, "submitter_name"),
        submitter_contact=_text(submitter_contact, CONTACT_MAX, "submitter_contact"),
        status="pending")
    db.add(suggestion)
    db.flush()
    return suggestion


def moderate_suggestion(db: Session, actor, suggestion_id: int, *, approve: bool,
                        note: str = "") -> Suggestion:
    """Approve (shown publicly) or reject (with a note saying why); only pending ones."""
    suggestion = get_suggestion(db, suggestion_id)
    if suggestion.status != "pending":
        raise Conflict(_l("This suggestion was already moderated."))
    note = _text(note, TEXT_MAX, "note")
    if not approve and not note:
        raise Invalid(_l("Say why the suggestion is rejected."), field="note")
    suggestion.status = "approved" if approve else "rejected"
    suggestion.moderation_note = note
    suggestion.moderated_by = getattr(actor, "username", None) or str(actor)
    suggestion.moderated_at = utcnow()
    db.flush()
    record(db, actor, "suggestion.approve" if approve else "suggestion.reject", "suggestion",
           suggestion.id, note=note)
    return suggestion


def merge_suggestion(db: Session, actor, suggestion_id: int, *, project_id: int | None = None,
                     new_project: ProjectValues | None = None, note: str = "") -> Project:
    """Fold a pending or approved suggestion into an existing project or a new one (exactly
    one of `project_id`, `new_project`); the project then lists it among its origins."""
    suggestion = get_suggestion(db, suggestion_id)
    if suggestion.status not in ("pending", "approved"):
        raise Conflict(_l("Only a pending or approved suggestion can be merged."))
    if (project_id is None) == (new_project is None):
        raise Invalid(_l("Choose an existing project or describe a new one."), field="project_id")
    project = (get_project(db, project_id) if project_id is not None
               else create_project(db, actor, new_project))
    suggestion.status = "merged"
    suggestion.project_id = project.id
    suggestion.moderation_note = _text(note, TEXT_MAX, "note")
    suggestion.moderated_by = getattr(actor, "username", None) or str(actor)
    suggestion.moderated_at = utcnow()
    db.flush()
    record(db, actor, "suggestion.merge", "suggestion", suggestion.id, project_id=project.id,
           new_project=new_project is not None)
    return project


# ---- screening rounds ----------------------------------------------------------------

def next_stage(stage: str, direction: str) -> str | None:
    """The stage a round moves projects of `stage` to, or None if none can."""
    if stage not in SCREENED_STAGES:
        return None
    i = SCREENED_STAGES.index(stage) + (1 if direction == "forward" else -1)
    return SCREENED_STAGES[i] if 0 <= i < len(SCREENED_STAGES) else None


def on_unpublished_polls(db: Session, project_ids) -> dict[int, Poll]:
    """Of these projects, those on the ballot of a poll whose result is not yet published
    (draft, open, closed, tallied), each with the first such poll."""
    ids = set(project_ids)
    if not ids:
        return {}
    rows = db.execute(select(PollCandidate.project_id, Poll)
                      .join(Poll, Poll.id == PollCandidate.poll_id)
                      .where(PollCandidate.project_id.in_(ids), Poll.status != "published")
                      .order_by(Poll.id))
    found: dict[int, Poll] = {}
    for project_id, poll in rows:
        found.setdefault(project_id, poll)
    return found


def check_round(db: Session, *, chosen) -> None:
    """Refuse a round that would move a project on the ballot of an unpublished poll: the
    funnel must keep saying what was voted on (a runoff's candidates moved back out of the
    candidates made it read 14 where 15 were on the ballot)."""
    locked = on_unpublished_polls(db, chosen)
    if locked:
        projects = db.scalars(select(Project).where(Project.id.in_(locked))
                              .order_by(Project.id)).all()
        poll = locked[projects[0].id]
        raise Conflict(_l("%(titles)s cannot change stage: on the ballot of the poll "
                          "“%(poll)s”, whose result is not yet published. A project on a ballot "
                          "keeps its stage until the result is published.",
                          titles="、".join(f"“{p.title}”" for p in projects), poll=poll.title),
                       field="project_ids", code="on_ballot")


def record_round(db: Session, actor, *, year: int, from_stage: str,
                 project_ids_advanced, body: str, decided_on: date | None, rationale: str,
                 direction: str = "forward") -> ScreeningRound:
    """Record one screening decision: of the year's projects now in `from_stage`, the chosen
    ones move one stage on (forward) or back (reverse, to undo a mistake); the rest stay.
    Every project that went in is listed with its outcome. The record is never edited.
    A project on the ballot of an unpublished poll cannot move (`check_round`)."""
    if direction not in ("forward", "reverse"):
        raise Invalid(_l("Unknown direction."), field="direction")
    to_stage = next_stage(from_stage, direction)
    if to_stage is None:
        raise Invalid(_l("Projects in this stage cannot move that way."), field="from_stage")
    check_round(db, chosen=set(project_ids_advanced))
    return _move(db, actor, year=year, from_stage=from_stage, to_stage=to_stage,
                 direction=direction, chosen=project_ids_advanced, body=body,
                 decided_on=decided_on, rationale=rationale)


def select_by_vote(db: Session, actor, *, year: int, project_ids, body: str, decided_on: date,
                   rationale: str) -> ScreeningRound:
    """Candidates elected by the congress's published vote become selected projects. Only
    publication calls this: no screening form can move a project to "selected". Not held by
    `check_round`: this move is the vote's own outcome, made as its poll is published."""
    return _move(db, actor, year=year, from_stage="candidate", to_stage="selected",
                 direction="forward", chosen=project_ids, body=body, decided_on=decided_on,
                 rationale=rationale)


def _move(db: Session, actor, *, year: int, from_stage: str, to_stage: str, direction: str,
          chosen, body: str, decided_on: date | None, rationale: str) -> ScreeningRound:
    body = _text(body, BODY_MAX, "body", required=True)
    rationale = _text(rationale, TEXT_MAX, "rationale", required=True)
    if decided_on is not None and decided_on > date.today():
        raise Invalid(_l("The decision date cannot be in the future."), field="decided_on")
    chosen = set(chosen)
    if not chosen:
        raise Invalid(_l("Choose at least one project."), field="project_ids")
    # Lock the stage's projects: two clerks recording at once cannot both move them.
    went_in = list(db.scalars(select(Project).where(Project.year == year,
                                                    Project.stage == from_stage)
                              .order_by(Project.id).with_for_update()))
    stray = chosen - {p.id for p in went_in}
    if stray:
        raise Conflict(_l("%(n)s of the chosen projects are not in the stage “%(stage)s” of "
                          "%(year)s (perhaps another round moved them meanwhile).",
                          n=len(stray), stage=STAGE_LABELS[from_stage], year=year),
                       field="project_ids")
    screening = ScreeningRound(year=year, from_stage=from_stage, to_stage=to_stage,
                               direction=direction, body=body, decided_on=decided_on,
                               rationale=rationale,
                               recorded_by=getattr(actor, "username", None) or str(actor))
    db.add(screening)
    db.flush()
    for project in went_in:
        moved = project.id in chosen
        db.add(RoundEntry(round_id=screening.id, project_id=project.id,
                          outcome="advanced" if moved else "kept"))
        if moved:
            project.stage = to_stage
    db.flush()
    record(db, actor, "round.record", "screening_round", screening.id, year=year,
           direction=direction, from_stage=from_stage, to_stage=to_stage, body=body,
           decided_on=decided_on.isoformat() if decided_on else None,
           went_in=len(went_in), moved=sorted(chosen))
    return screening


# ---- import and export ---------------------------------------------------------------

def _parse_id(cell: str) -> int:
    try:
        value = int(cell)
    except ValueError:
        raise ValueError(_("“%(v)s” is not a whole number.", v=cell)) from None
    if value < 1:
        raise ValueError(_("“%(v)s” is not a whole number.", v=cell))
    return value


def _parse_field(cell: str) -> str:
    if cell not in FIELDS:
        raise ValueError(_("“%(v)s” is not one of: %(kinds)s.", v=cell, kinds="、".join(FIELDS)))
    return cell


def _parse_kind(cell: str) -> str:
    key = cell.strip().lower()
    for kind, label in KIND_LABELS.items():
        if key in (kind, str(label).lower(), _KIND_ZH[kind]):
            return kind
    raise ValueError(_("“%(v)s” is not one of: %(kinds)s.", v=cell,
                       kinds="、".join(str(v) for v in KIND_LABELS.values())))


# Chinese names accepted in files whatever the interface language.
_KIND_ZH = {"public": "市民群众", "deputy": "人大代表", "cppcc": "政协委员", "adviser": "决策咨询委成员"}

PROJECT_COLUMNS = (
    Column("id", _l("ID"), aliases=("编号", "项目编号", "ID"), parse=_parse_id),
    Column("title", _l("Title"), aliases=("项目名称", "名称", "Title"), required=True,
           parse=max_length(TITLE_MAX)),
    Column("year", _l("Year"), aliases=("年度", "年份", "Year"), required=True,
           parse=_parse_year),
    Column("field", _l("Field"), aliases=("领域", "Field"), parse=_parse_field),
    Column("content", _l("Content"), aliases=("内容", "Content"), parse=max_length(TEXT_MAX)),
    Column("significance", _l("Significance"), aliases=("意义", "Significance"),
           parse=max_length(TEXT_MAX)),
    Column("targets", _l("Targets"), aliases=("目标任务", "目标", "Targets"),
           parse=parse_targets),
    Column("investment_wan_yuan", _l("Investment (10,000 yuan)"),
           aliases=("估算投资（万元）", "估算投资", "投资（万元）", "Investment"),
           parse=parse_investment),
    Column("lead_unit", _l("Lead unit"), aliases=("牵头单位", "Lead unit"),
           parse=max_length(UNIT_MAX)),
    Column("responsible_units", _l("Responsible units"), aliases=("责任单位", "Responsible units"),
           parse=split_units),
    Column("source", _l("Source"), aliases=("来源", "Source"), parse=max_length(SOURCE_MAX)),
)

SUGGESTION_COLUMNS = (
    Column("title", _l("Title"), aliases=("标题", "建议标题", "项目名称", "Title"), required=True,
           parse=max_length(TITLE_MAX)),
    Column("body", _l("Suggestion"), aliases=("建议内容", "内容", "Suggestion", "Body"),
           required=True, parse=max_length(TEXT_MAX)),
    Column("submitter_kind", _l("Submitted by"), aliases=("建议人类别", "类别", "Submitted by"),
           parse=_parse_kind),
    Column("submitter_name", _l("Name"), aliases=("建议人", "姓名", "Name"),
           parse=max_length(NAME_MAX)),
    Column("submitter_contact", _l("Contact"), aliases=("联系方式", "Contact"),
           parse=max_length(CONTACT_MAX)),
)


@dataclass
class ImportPreview:
    """A checked file: every row (with "_action": create or update) and every problem."""

    kind: str  # "projects" or "suggestions"
    rows: list[dict] = dataclasses.field(default_factory=list)
    errors: list[RowError] = dataclasses.field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.get("_action") == action)


def _column_label(key: str | None) -> str:
    return next((str(c.label) for c in PROJECT_COLUMNS if c.key == key), str(key))


def _values_of(row: dict) -> ProjectValues:
    return ProjectValues(title=row["title"], year=row["year"], field=row.get("field") or "",
                         content=row.get("content") or "",
                         significance=row.get("significance") or "",
                         targets=row.get("targets") or [],
                         investment_wan_yuan=row.get("investment_wan_yuan"),
                         lead_unit=row.get("lead_unit") or "",
                         responsible_units=row.get("responsible_units") or [],
                         source=row.get("source") or "")


def check_projects(db: Session, filename: str, data: bytes) -> ImportPreview:
    """Read and check a whole projects file without changing anything. A row with an ID
    updates that project (never its stage); a row without one creates a pool project."""
    parsed = parse_table(read_rows(filename, data), PROJECT_COLUMNS)
    preview = ImportPreview("projects", rows=parsed.rows, errors=list(parsed.errors))
    id_label, year_label = str(PROJECT_COLUMNS[0].label), str(PROJECT_COLUMNS[2].label)
    seen: dict[int, int] = {}
    for row in preview.rows:
        n, project_id = row["_row"], row.get("id")
        row["_action"] = "create"
        if row.get("title") and row.get("year"):
            try:
                _clean(_values_of(row))
            except Invalid as exc:
                preview.errors.append(RowError(n, _column_label(exc.field), str(exc.message)))
        if project_id is None:
            continue
        row["_action"] = "update"
        if project_id in seen:
            preview.errors.append(RowError(n, id_label, _("Project %(id)s is also on row %(row)s.",
                                                          id=project_id, row=seen[project_id])))
            continue
        seen[project_id] = n
        project = db.get(Project, project_id)
        if project is None:
            preview.errors.append(RowError(n, id_label, _("There is no project %(id)s.",
                                                          id=project_id)))
        elif row.get("year") and row["year"] != project.year and stage_history(db, project.id):
            preview.errors.append(RowError(n, year_label, _(
                "The year cannot change: the project has been through a screening round of "
                "%(year)s.", year=project.year)))
        else:
            row["_stage"] = project.stage
    preview.errors.sort(key=lambda e: e.row)
    return preview


def import_projects(db: Session, actor, *, filename: str, data: bytes) -> ImportPreview:
    """All rows or none: any problem raises ImportRefused listing every one of them."""
    preview = check_projects(db, filename, data)
    if not preview.ok:
        raise ImportRefused(preview.errors)
    for row in preview.rows:
        values = _clean(_values_of(row))
        if row["_action"] == "update":
            project = get_project(db, row["id"])
        else:
            project = Project(stage="pool", title=values.title, year=values.year)
            db.add(project)
        _apply(project, values)
    db.flush()
    record(db, actor, "project.import", "project", "-", filename=filename,
           created=preview.count("create"), updated=preview.count("update"),
           ids=sorted(r["id"] for r in preview.rows if r.get("id")))
    return preview


def check_suggestions(db: Session, filename: str, data: bytes) -> ImportPreview:
    """Suggestions collected elsewhere (letters, hearings); they go into the moderation queue."""
    parsed = parse_table(read_rows(filename, data), SUGGESTION_COLUMNS)
    preview = ImportPreview("suggestions", rows=parsed.rows, errors=list(parsed.errors))
    for row in preview.rows:
        row["_action"] = "create"
        row["submitter_kind"] = row.get("submitter_kind") or "public"
    return preview


def import_suggestions(db: Session, actor, *, filename: str, data: bytes) -> ImportPreview:
    preview = check_suggestions(db, filename, data)
    if not preview.ok:
        raise ImportRefused(preview.errors)
    for row in preview.rows:
        submit_suggestion(db, submitter_kind=row["submitter_kind"], title=row["title"],
                          body=row["body"], submitter_name=row.get("submitter_name") or "",
                          submitter_contact=row.get("submitter_contact") or "")
    record(db, actor, "suggestion.import", "suggestion", "-", filename=filename,
           created=len(preview.rows))
    return preview


def project_table(db: Session, *, year: int | None = None) -> tuple[list[str], list[list]]:
    """Headers and rows of the projects export; the same columns the import reads back, plus
    the stage (read-only)."""
    headers = [str(c.label) for c in PROJECT_COLUMNS] + [_("Stage")]
    rows = []
    for p in search_projects(db, year=year):
        rows.append([p.id, p.title, p.year, p.field, p.content, p.significance,
                     format_targets(p.targets),
                     None if p.investment_wan_yuan is None else float(p.investment_wan_yuan),
                     p.lead_unit, p.responsible_units, p.source, str(STAGE_LABELS[p.stage])])
    return headers, rows


def suggestion_table(db: Session, *, status: str | None = None) -> tuple[list[str], list[list]]:
    headers = [str(c.label) for c in SUGGESTION_COLUMNS] + [
        _("Status"), _("Moderation note"), _("Project"), _("Received")]
    rows = [[s.title, s.body, str(KIND_LABELS[s.submitter_kind]), s.submitter_name,
             s.submitter_contact, str(STATUS_LABELS[s.status]), s.moderation_note,
             s.project_id, local_time_text(s.created_at)]
            for s in suggestions_by_status(db, status)]
    return headers, rows


def export(headers: list[str], rows: list[list], fmt: str, title: str) -> tuple[bytes, str]:
    """The file's bytes and MIME type; text cells that look like formulas are neutralised."""
    if fmt == "csv":
        return export_csv(headers, rows), "text/csv; charset=utf-8"
    if fmt == "xlsx":
        return (export_xlsx(headers, rows, title=title),
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    raise NotFound(_l("Unknown file format."))
