"""The deputies' year-end evaluation as the public pages read it: a project's newest published
rating, and a year's. Figures come straight from the signed result document (the verifier
recounts the same document), never recomputed here.

The readers are plain functions of a database session; opening a poll is a service (flushes,
never commits).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from voting.ballots.models import Poll, PollCandidate
from voting.db import get_one
from voting.tally.models import PollResult

KIND = "evaluation"


def _rating_kinds() -> list[str]:
    """The ballot kinds whose result rates projects (the registry says: evaluation)."""
    from voting.ballots import kinds

    return [k.name for k in kinds.all_kinds() if "ratings" in k.recounted]


def _selecting_kinds() -> list[str]:
    """The ballot kinds whose publication selects projects (selection, for/against)."""
    from voting.ballots import kinds

    return [k.name for k in kinds.all_kinds() if k.seated]


def _published(db: Session):
    """(candidate, result) of published evaluation polls, newest publication first."""
    return (select(PollCandidate, PollResult)
            .join(Poll, Poll.id == PollCandidate.poll_id)
            .join(PollResult, PollResult.poll_id == Poll.id)
            .where(Poll.kind.in_(_rating_kinds()), Poll.status == "published",
                   PollResult.published_at.is_not(None))
            .order_by(PollResult.published_at.desc(), Poll.id.desc()))


def _rectification(db: Session, project_id: int, poll_id: int) -> dict | None:
    from voting.supervision.models import Rectification

    rect = db.scalar(select(Rectification)
                     .where(Rectification.project_id == project_id,
                            Rectification.poll_id == poll_id)
                     .options(selectinload(Rectification.steps)))
    if rect is None:
        return None
    from voting.supervision.rectification import step_authors

    # "by": the unit's name or 秘书处, never the account (that is in the audit log only)
    authors = step_authors(db, rect.steps)
    return {"id": rect.id, "closed": rect.closed,
            "steps": [{"kind": s.kind, "body": s.body, "by": authors[s.id], "at": s.at,
                       "unit_id": s.unit_id} for s in rect.steps]}


def project_evaluation(db: Session, project_id: int) -> dict | None:
    """The newest published evaluation rating of the project, or None.

    {"poll_id", "rating", "counts": {"satisfied", "basic", "dissatisfied", "abstain"},
     "overall_rate", "threshold", "published_at", "rectification": {"id", "closed", "steps"}|None}
    """
    row = db.execute(_published(db).where(PollCandidate.project_id == project_id)
                     .limit(1)).first()
    if row is None:
        return None
    candidate, result = row
    doc = result.document
    cid = candidate.candidate_id
    rating = (doc.get("ratings") or {}).get(cid)
    if rating is None:
        return None
    counts = (doc.get("counts") or {}).get(cid) or {}
    return {"poll_id": result.poll_id, "poll_title": doc.get("title", ""),
            "candidate_id": cid, "rating": rating,
            "counts": {m: int(counts.get(m, 0))
                       for m in ("satisfied", "basic", "dissatisfied", "abstain")},
            "valid_ballots": doc.get("valid_ballots"), "eligible": doc.get("eligible"),
            "overall_rate": doc.get("overall_rate"), "threshold": doc.get("threshold"),
            "published_at": result.published_at,
            "rectification": _rectification(db, project_id, result.poll_id)}


def year_evaluation(db: Session, year: int) -> dict | None:
    """The newest published evaluation poll rating projects of `year`, or None.

    {"poll_id", "overall_rate", "projects": {project_id: rating}}
    """
    from voting.pool.models import Project

    row = db.execute(_published(db).join(Project, Project.id == PollCandidate.project_id)
                     .where(Project.year == year).limit(1)).first()
    if row is None:
        return None
    result = row[1]
    doc = result.document
    ratings = doc.get("ratings") or {}
    candidates = db.scalars(select(PollCandidate).where(PollCandidate.poll_id == result.poll_id,
                                                        PollCandidate.project_id.is_not(None))
                            .order_by(PollCandidate.position))
    return {"poll_id": result.poll_id, "title": doc.get("title", ""),
            "overall_rate": doc.get("overall_rate"), "threshold": doc.get("threshold"),
            "valid_ballots": doc.get("valid_ballots"), "eligible": doc.get("eligible"),
            "published_at": result.published_at,
            "projects": {c.project_id: ratings[c.candidate_id] for c in candidates
                         if c.candidate_id in ratings}}


# ---- opening an evaluation poll ------------------------------------------------------------

TITLE_MAX = 200


def _runoffs(db: Session, poll_id: int) -> list[Poll]:
    """Every runoff (and further vote) descending from the poll, breadth first."""
    found, frontier = [], [poll_id]
    while frontier:
        children = list(db.scalars(select(Poll).where(Poll.parent_id.in_(frontier))
                                   .order_by(Poll.id)))
        found += children
        frontier = [c.id for c in children]
    return found


def unfilled_seats(db: Session, polls) -> list[tuple[Poll, int]]:
    """(poll, seats) for each published selection whose result leaves seats a runoff could
    fill (a tie at the last seat, too few over the threshold) while no runoff of it is
    published yet: what it selected is not the year's list yet."""
    found = []
    for p in polls:
        if p.status != "published" or p.kind not in _selecting_kinds():
            continue
        result = db.scalar(select(PollResult).where(PollResult.poll_id == p.id))
        doc = result.document if result is not None else {}
        if not doc.get("seats_left") or not doc.get("runoff_candidates"):
            continue
        runoffs = db.scalars(select(Poll.status).where(Poll.parent_id == p.id)).all()
        if "published" not in runoffs:
            found.append((p, int(doc["seats_left"])))
    return found


def _refuse_unfilled(db: Session, polls) -> None:
    from voting.errors import Conflict

    unfilled = unfilled_seats(db, polls)
    if unfilled:
        poll, seats = unfilled[0]
        raise Conflict(_l("Poll %(id)s still leaves %(n)s seat(s) to fill: open its runoff, "
                          "count and publish it first, then the evaluation.",
                          id=poll.id, n=seats), code="seats_to_fill")


def year_selections(db: Session, year: int) -> list[Poll]:
    """The published selections (runoffs included) over candidate projects of `year`."""
    from voting.pool.models import Project

    of_year = (select(PollCandidate.poll_id)
               .join(Project, Project.id == PollCandidate.project_id)
               .where(Project.year == year))
    return list(db.scalars(select(Poll).where(Poll.id.in_(of_year),
                                              Poll.kind.in_(_selecting_kinds()),
                                              Poll.status == "published")
                           .order_by(Poll.id)))


def year_unfilled(db: Session, year: int) -> list[tuple[Poll, int]]:
    """The year's selections that still leave seats to fill (the evaluation page warns)."""
    return unfilled_seats(db, year_selections(db, year))


def selected_by_poll(db: Session, poll_id: int) -> tuple[Poll, list[int]]:
    """(poll, project ids) that a published selection and its runoffs selected, in the
    selection's ballot order. Refuses a poll that is not a published selection, or whose
    runoff is not published yet (its seats are not filled)."""
    from voting.errors import Conflict, Invalid

    poll = get_one(db, Poll, poll_id, _l("No such poll."))
    if poll.kind not in _selecting_kinds():
        raise Invalid(_l("Poll %(id)s is not a selection poll: only the projects a selection "
                            "chose can be evaluated.", id=poll_id), code="not_selection")
    if poll.status != "published":
        raise Conflict(_l("Poll %(id)s is not published yet: publish its result first.",
                             id=poll_id), code="not_published")
    polls = [poll] + _runoffs(db, poll.id)
    pending = [p.id for p in polls if p.status != "published"]
    if pending:
        raise Conflict(_l("Runoff poll %(ids)s of poll %(id)s is not published yet.",
                             ids=", ".join(map(str, pending)), id=poll_id),
                       code="runoff_not_published")
    _refuse_unfilled(db, polls)
    chosen: set[int] = set()
    for p in polls:
        result = db.scalar(select(PollResult).where(PollResult.poll_id == p.id))
        elected = set(result.document.get("elected") or [])
        chosen |= {c.project_id for c in p.candidates
                   if c.candidate_id in elected and c.project_id is not None}
    order = [c.project_id for c in poll.candidates if c.project_id in chosen]
    if not order:
        raise Conflict(_l("Poll %(id)s selected no project: there is nothing to evaluate.",
                             id=poll_id), code="nothing_selected")
    return poll, order


def selected_projects(db: Session, year: int):
    """The year's selected projects, in the order they were entered."""
    from voting.pool.models import Project

    return list(db.scalars(select(Project).where(Project.year == year,
                                                 Project.stage == "selected")
                           .order_by(Project.id)))


def selected_years(db: Session) -> list[int]:
    from voting.pool.models import Project

    return list(db.scalars(select(Project.year).where(Project.stage == "selected")
                           .distinct().order_by(Project.year.desc())))


def default_title(year: int) -> str:
    from flask_babel import gettext

    return gettext("%(year)s livelihood projects: year-end evaluation", year=year)


def _existing(db: Session, session_id: int, project_ids: list[int]) -> Poll | None:
    """An evaluation poll of this session over the same projects (not to open twice)."""
    wanted = sorted(project_ids)
    for poll in db.scalars(select(Poll).where(Poll.session_id == session_id,
                                              Poll.kind.in_(_rating_kinds()))
                            .order_by(Poll.id)):
        if sorted(c.project_id for c in poll.candidates) == wanted:
            return poll
    return None


def create_evaluation(db: Session, actor, *, session_id: int, project_ids: list[int],
                      title: str | None = None, threshold_base: str = "roster",
                      key_bits: int = 3072, year: int | None = None,
                      source_poll_id: int | None = None) -> Poll:
    """A draft evaluation poll in the session, for its roster, rating the projects given
    (each selected); opened like any poll once its key fingerprint is read out."""
    from voting.audit.services import record
    from voting.ballots import services as ballots
    from voting.errors import Conflict, Invalid
    from voting.pool.models import Project

    projects = {p.id: p for p in db.scalars(select(Project)
                                            .where(Project.id.in_(project_ids)))}
    not_selected = [pid for pid in project_ids
                    if pid not in projects or projects[pid].stage != "selected"]
    if not_selected:
        raise Invalid(_l("Only selected projects can be evaluated (not: %(ids)s).",
                            ids=", ".join(map(str, not_selected))), field="year")
    if not project_ids:
        raise Invalid(_l("There is no selected project to evaluate."), field="year")
    if year is None:
        year = projects[project_ids[0]].year
    twin = _existing(db, session_id, project_ids)
    if twin is not None:
        raise Conflict(_l("An evaluation of these projects already exists in this session "
                             "(poll %(id)s).", id=twin.id), code="evaluation_exists")
    title = (title or "").strip() or default_title(year)
    poll = ballots.create_poll(db, actor, session_id=session_id, title=title[:TITLE_MAX],
                               kind=KIND, seats=None, max_choices=None,
                               threshold_base=threshold_base,
                               candidate_project_ids=list(project_ids), key_bits=key_bits)
    record(db, actor, "evaluation.create", "poll", poll.id, year=year,
           source_poll_id=source_poll_id, projects=list(project_ids))
    return poll


def evaluate_poll(db: Session, actor, poll_id: int, *, key_bits: int = 3072) -> Poll:
    """`flask poll evaluate POLL_ID`: in the poll's session and for its roster, over the
    projects it selected with its runoffs."""
    from voting.sessions.models import CongressSession

    poll, project_ids = selected_by_poll(db, poll_id)
    session = db.get(CongressSession, poll.session_id)
    return create_evaluation(db, actor, session_id=poll.session_id, project_ids=project_ids,
                             threshold_base="roster", key_bits=key_bits, year=session.year,
                             source_poll_id=poll.id)


def evaluate_year(db: Session, actor, *, session_id: int, year: int, title: str | None = None,
                  threshold_base: str = "roster", key_bits: int = 3072) -> Poll:
    """The secretariat's page: an evaluation over every selected project of `year`, once
    every selection of the year has filled its seats."""
    _refuse_unfilled(db, year_selections(db, year))
    projects = selected_projects(db, year)
    return create_evaluation(db, actor, session_id=session_id,
                             project_ids=[p.id for p in projects], title=title,
                             threshold_base=threshold_base, key_bits=key_bits, year=year)
