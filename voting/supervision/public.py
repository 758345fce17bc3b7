"""What the public pages read: this year, a year's selected projects with their figures and the
filters over them, the history by year and by congress, and which project each candidate of a
poll stands for. Read-only; figures come from `progress` alone.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from voting.ballots.models import Poll, PollCandidate
from voting.pool.models import Project, Unit
from voting.sessions.models import Congress, CongressSession
from voting.supervision import progress, rules

STATUS_LABELS = {
    "exceeded": _l("Exceeded"),
    "completed": _l("Completed"),
    "partly_completed": _l("Partly completed"),
    "in_progress": _l("In progress"),
    "behind": _l("Behind schedule"),
    None: _l("No report yet"),
}
# The badge class of each status (voting/static/css/app.css: ok, warn, bad).
STATUS_BADGES = {"exceeded": "ok", "completed": "ok", "partly_completed": "warn",
                 "in_progress": "", "behind": "bad", None: "muted"}
STATUS_ORDER = (*rules.STATUSES, None)


def this_year(db: Session) -> int | None:
    """The newest year with selected projects: the year under supervision."""
    return db.scalar(select(func.max(Project.year)).where(Project.stage == "selected"))


def status_counts(rows: list[progress.ProjectProgress]) -> dict:
    """Projects per status in the rule's order, every status present (zeros too)."""
    counts = Counter(pp.status for pp in rows)
    return {s: counts.get(s, 0) for s in STATUS_ORDER}


def mean_completion(rows: list[progress.ProjectProgress]):
    """The plain mean of the projects' completions (those with one), as the year's figure."""
    values = [pp.completion for pp in rows if pp.completion is not None]
    if not values:
        return None
    return rules.project_completion([rules.TargetState("", rules.HUNDRED, v) for v in values])


@dataclass
class YearView:
    year: int
    rows: list[progress.ProjectProgress]  # the selected projects, filtered
    all_rows: list[progress.ProjectProgress]  # every selected project of the year
    counts: dict
    fields: list[str]
    units: list[Unit]
    filters: dict = field(default_factory=dict)
    other_stages: int = 0  # projects of the year in the pool, alternatives or candidates

    @property
    def completion(self):
        return mean_completion(self.all_rows)


def _units_of(project: Project) -> set[int]:
    return {link.unit_id for link in project.unit_links}


def matches(pp: progress.ProjectProgress, *, field_: str = "", status: str = "",
            unit_id: int | None = None, q: str = "") -> bool:
    """A project passes the year page's filters: field, status (`none`: no report yet), unit
    (lead or responsible) and a search of its title and content (any case)."""
    p = pp.project
    if field_ and p.field != field_:
        return False
    if status:
        if (pp.status or "none") != status:
            return False
    if unit_id is not None and unit_id not in _units_of(p):
        return False
    q = (q or "").strip().casefold()
    if q and not any(q in (text or "").casefold()
                     for text in (p.title, p.content, p.significance)):
        return False
    return True


def year_view(db: Session, year: int, *, today: date, field_: str = "", status: str = "",
              unit_id: int | None = None, q: str = "") -> YearView:
    projects = progress.year_projects(db, year)
    all_rows = progress.projects_progress(db, projects, today=today)
    rows = [pp for pp in all_rows
            if matches(pp, field_=field_, status=status, unit_id=unit_id, q=q)]
    unit_ids = set().union(*(_units_of(p) for p in projects)) if projects else set()
    # one query; the rows' links then find their unit in the session without another
    units = sorted(db.scalars(select(Unit).where(Unit.id.in_(unit_ids))) if unit_ids else [],
                   key=lambda u: u.name)
    others = db.scalar(select(func.count(Project.id))
                       .where(Project.year == year, Project.stage != "selected")) or 0
    return YearView(year=year, rows=rows, all_rows=all_rows, counts=status_counts(all_rows),
                    fields=sorted({p.field for p in projects if p.field}), units=units,
                    filters={"field": field_, "status": status, "unit": unit_id, "q": q},
                    other_stages=others)


@dataclass
class YearLine:
    year: int
    total: int  # every project of the year, all stages
    selected: int
    counts: dict
    completion: object  # Decimal | None
    sessions: list = field(default_factory=list)


def history(db: Session, *, today: date) -> list[YearLine]:
    """Every year with projects, newest first, with its selected projects' figures."""
    totals = dict(db.execute(select(Project.year, func.count(Project.id))
                             .group_by(Project.year)).all())
    selected = db.scalars(select(Project).where(Project.stage == "selected")
                          .options(selectinload(Project.targets))
                          .order_by(Project.year, Project.id)).all()
    rows = progress.projects_progress(db, list(selected), today=today)
    by_year: dict[int, list] = {}
    for pp in rows:
        by_year.setdefault(pp.project.year, []).append(pp)
    sessions: dict[int, list] = {}
    for s in db.scalars(select(CongressSession).options(selectinload(CongressSession.congress))
                        .order_by(CongressSession.year, CongressSession.id)):
        sessions.setdefault(s.year, []).append(s)
    years = sorted(set(totals) | set(sessions), reverse=True)
    return [YearLine(year=y, total=totals.get(y, 0), selected=len(by_year.get(y, [])),
                     counts=status_counts(by_year.get(y, [])),
                     completion=mean_completion(by_year.get(y, [])),
                     sessions=sessions.get(y, [])) for y in years]


@dataclass
class CongressLine:
    congress: Congress
    sessions: list  # [(session, [poll, ...])]


def by_congress(db: Session) -> list[CongressLine]:
    """Every congress (newest first) with its sessions and their polls (runoffs with them)."""
    polls: dict[int, list[Poll]] = {}
    for poll in db.scalars(select(Poll).where(Poll.status != "draft").order_by(Poll.id)):
        polls.setdefault(poll.session_id, []).append(poll)
    out = []
    for congress in db.scalars(select(Congress).options(selectinload(Congress.sessions))
                               .order_by(Congress.id.desc())):
        out.append(CongressLine(congress, [(s, polls.get(s.id, []))
                                           for s in sorted(congress.sessions,
                                                           key=lambda s: (s.year, s.id))]))
    return out


def candidate_projects(db: Session, poll_id: int) -> dict[str, int]:
    """candidate id → project id for one poll's candidates that stand for a project."""
    return dict(db.execute(select(PollCandidate.candidate_id, PollCandidate.project_id)
                           .where(PollCandidate.poll_id == poll_id,
                                  PollCandidate.project_id.is_not(None))).all())




# ---- how a year's projects were chosen -------------------------------------------------------

# A seed document of this kind is a government plan: its projects were listed, not voted.
PLAN_KINDS = ("plan",)


@dataclass
class Selection:
    """How a year's selected projects came to be selected, as the record says: `voted` of
    them by a published vote of the deputies, the others by the bodies of the rounds that
    moved them (the source's own words); the scope (哈尔滨市, 黑龙江省, 平房区) where a seed
    document says it, and whether that document is a plan."""

    total: int
    voted: int
    bodies: list[str] = field(default_factory=list)
    scope: str | None = None
    plan: bool = False

    @property
    def all_voted(self) -> bool:
        return self.total > 0 and self.voted == self.total


def _seed_doc_of(year: int, projects: list[Project]) -> dict | None:
    """The seed document these projects were loaded from (their `source` begins with its
    scope and year and holds its title), or None."""
    try:
        from voting.supervision import history
        doc = history.seed_doc(year)
    except Exception:  # pragma: no cover - no seed documents installed
        return None
    if not doc:
        return None
    head, title = f"{doc['scope']} {doc['year']}", doc["source"]["title"][:20]
    if any((p.source or "").startswith(head) and title in (p.source or "") for p in projects):
        return doc
    return None


def _origin(db: Session, year: int) -> dict | None:
    """History's account of who decided the year's projects (voting.supervision.history
    .year_origin), or None."""
    from voting.supervision import history

    fn = getattr(history, "year_origin", None)
    return fn(db, year) if fn else None


def voted_projects(db: Session, project_ids) -> set[int]:
    """The projects among these that a published seat-filling poll had on its ballot (the only
    way the application itself selects a project)."""
    from voting.supervision.evaluation import _selecting_kinds

    ids = list(project_ids)
    if not ids:
        return set()
    return set(db.scalars(select(PollCandidate.project_id)
                          .join(Poll, Poll.id == PollCandidate.poll_id)
                          .where(PollCandidate.project_id.in_(ids),
                                 Poll.kind.in_(_selecting_kinds()),
                                 Poll.status == "published")))


def selection(db: Session, year: int, projects: list[Project] | None = None) -> Selection:
    from voting.pool.models import RoundEntry, ScreeningRound

    if projects is None:
        projects = progress.year_projects(db, year)
    voted = voted_projects(db, [p.id for p in projects])
    others = [p.id for p in projects if p.id not in voted]
    origin = _origin(db, year) if projects else None
    doc = _seed_doc_of(year, projects)
    if others and origin and origin.get("voted") and not voted:
        # a past year whose source says the deputies voted it (no poll of ours)
        voted, others = {p.id for p in projects}, []
        bodies = [origin["decided_by"]] if origin.get("decided_by") else []
    else:
        bodies = []
    if others:
        for body in db.scalars(select(ScreeningRound.body)
                               .join(RoundEntry, RoundEntry.round_id == ScreeningRound.id)
                               .where(ScreeningRound.year == year,
                                      ScreeningRound.to_stage == "selected",
                                      RoundEntry.outcome == "advanced",
                                      RoundEntry.project_id.in_(others))
                               .order_by(ScreeningRound.id)):
            if body not in bodies:
                bodies.append(body)
    scope = (origin or {}).get("scope") or (doc.get("scope") if doc else None)
    return Selection(total=len(projects), voted=len(voted), bodies=bodies, scope=scope or None,
                     plan=bool(doc) and doc.get("kind") in PLAN_KINDS and not voted)


SELECTED_NOT_VOTED = _l("Selected (not by a vote of the deputies)")
LISTED_IN_PLAN = _l("Listed in the year's plan")


def stage_names(db: Session, project: Project) -> dict:
    """The stage words for one project's pages: "selected" says 票决入选 only for a project
    the deputies voted for; a past year's project reads 入选, or 列入年度计划 from a plan."""
    from voting.pool.projects import STAGE_LABELS

    names = dict(STAGE_LABELS)
    if project.stage == "selected" and project.id not in voted_projects(db, [project.id]) \
            and not (_origin(db, project.year) or {}).get("voted"):
        doc = _seed_doc_of(project.year, [project])
        names["selected"] = (LISTED_IN_PLAN if doc and doc.get("kind") in PLAN_KINDS
                             else SELECTED_NOT_VOTED)
    return names


def reported_count(rows: list[progress.ProjectProgress]) -> int:
    """How many projects the year's average completion is the mean of."""
    return sum(1 for pp in rows if pp.completion is not None)


def year_ratings(db: Session, year: int, rows: list[progress.ProjectProgress]) -> dict | None:
    """The year's published evaluation with each project's rating, marks and rectification
    (整改) state, in the year list's order; None before an evaluation is published."""
    from voting.supervision import evaluation

    ev = evaluation.year_evaluation(db, year)
    if ev is None:
        return None
    lines = []
    for pp in rows:
        if pp.project.id not in ev["projects"]:
            continue
        one = evaluation.project_evaluation(db, pp.project.id)
        if one is None or one["poll_id"] != ev["poll_id"]:
            continue
        lines.append({"project": pp.project, **one})
    dissatisfied = sum(1 for line in lines if line["rating"] == "dissatisfied")
    return {**ev, "lines": lines, "dissatisfied": dissatisfied}


def seed_report_dated(project: Project, report, zone: str) -> bool:
    """Whether a seed report carries its source document's own date (history dates the
    figures by the source where it gives a date) rather than the time it was loaded."""
    from voting.supervision import history

    fn = getattr(history, "source_moment", None)
    doc = _seed_doc_of(project.year, [project])
    if fn is None or doc is None or report.submitted_at is None:
        return False
    moment = fn(doc, zone)
    if moment is None:
        return False
    at = report.submitted_at
    if at.tzinfo is None:
        from datetime import timezone
        at = at.replace(tzinfo=timezone.utc)
    return at == moment
