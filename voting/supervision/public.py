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


