"""Screening rounds: the recorded decisions that move projects between stages.

Services flush and never commit. A recorded round is history (the database refuses edits),
so a mistake is undone by a new reverse round with its own rationale.
"""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from voting.audit.services import record
from voting.ballots.models import Poll, PollCandidate
from voting.errors import Conflict, Invalid
from voting.pool.models import DIRECTIONS, Project, RoundEntry, ScreeningRound
from voting.pool.projects import STAGE_LABELS
from voting.pool.values import BODY_MAX, TEXT_MAX, clean_text


SCREENED_STAGES = ("pool", "alternative", "candidate")  # the stages a round moves between


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
    if direction not in DIRECTIONS:
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
    body = clean_text(body, BODY_MAX, "body", required=True)
    rationale = clean_text(rationale, TEXT_MAX, "rationale", required=True)
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
