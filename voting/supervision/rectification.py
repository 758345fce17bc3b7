"""整改: a project the deputies rated dissatisfied is tracked to closure.

Publishing an evaluation result opens one Rectification per project it lists in `rectify`;
after that the record only grows by steps (the database refuses edits): the responsible unit
files its rectification report ("report"), the secretariat follows up ("follow_up"), closes it
("closed") or reopens it ("reopened"). Who may add which step is decided here, not in the
views. Services flush and never commit.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from voting.audit.services import record
from voting.auth.models import Role
from voting.ballots.models import Poll
from voting.db import get_one
from voting.errors import Conflict, Forbidden, Invalid
from voting.pool.models import Project, ProjectUnit, Unit, UnitMember
from voting.pool.units import may_report
from voting.supervision.models import Rectification, RectificationStep

BODY_MAX = 5000
# The audit log's action for each step kind (voting/supervision/audit_labels.py words them).
ACTIONS = {"report": "rectification.report", "follow_up": "rectification.follow_up",
           "closed": "rectification.closed", "reopened": "rectification.reopened"}
STATES = ("open", "closed")
UNIT_STEPS = ("report",)  # the unit's; every other step kind is the secretariat's


def get_rectification(db: Session, rect_id: int) -> Rectification:
    return get_one(db, Rectification, rect_id, _l("No such rectification."),
                   options=[selectinload(Rectification.steps)])


# ---- opened by publication -------------------------------------------------------------------

def open_for_result(db: Session, actor, poll: Poll, document: dict) -> list[Rectification]:
    """One rectification per project the published evaluation rates dissatisfied (those
    already open for this poll are kept)."""
    rectify = set(document.get("rectify") or [])
    opened = []
    for c in poll.candidates:
        if c.candidate_id not in rectify or c.project_id is None:
            continue
        exists = db.scalar(select(Rectification).where(Rectification.project_id == c.project_id,
                                                       Rectification.poll_id == poll.id))
        if exists is not None:
            continue
        rect = Rectification(project_id=c.project_id, poll_id=poll.id)
        db.add(rect)
        db.flush()
        record(db, actor, "rectification.open", "rectification", rect.id,
               project_id=c.project_id, poll_id=poll.id, candidate=c.candidate_id)
        opened.append(rect)
    return opened


# ---- steps -------------------------------------------------------------------------------

def _body(body: str | None) -> str:
    body = (body or "").strip()
    if not body:
        raise Invalid(_l("A value is required."), field="body")
    if len(body) > BODY_MAX:
        raise Invalid(_l("At most %(n)s characters.", n=BODY_MAX), field="body")
    return body


def _is(actor, role: Role) -> bool:
    return bool(getattr(actor, "has_role", None)) and actor.has_role(role.value)


def may_file(db: Session, actor, rect: Rectification) -> bool:
    """A user of one of the project's own units (lead or responsible)."""
    return _is(actor, Role.UNIT) and may_report(db, actor, rect.project_id)


def _unit_of(db: Session, actor, project_id: int) -> int | None:
    return db.scalar(select(ProjectUnit.unit_id)
                     .join(UnitMember, UnitMember.unit_id == ProjectUnit.unit_id)
                     .where(ProjectUnit.project_id == project_id,
                            UnitMember.user_id == actor.id)
                     .order_by(ProjectUnit.role, ProjectUnit.position).limit(1))


def _add(db: Session, actor, rect: Rectification, kind: str, body: str,
         unit_id: int | None = None) -> RectificationStep:
    step = RectificationStep(rectification_id=rect.id, kind=kind, body=body, unit_id=unit_id,
                             by=getattr(actor, "username", None) or str(actor))
    db.add(step)
    db.flush()
    db.expire(rect, ["steps"])
    record(db, actor, ACTIONS[kind], "rectification", rect.id,
           project_id=rect.project_id, step_id=step.id, unit_id=unit_id, text=body)
    return step


def _reports(rect: Rectification) -> int:
    """How many rectification reports the unit has filed."""
    return Counter(s.kind for s in rect.steps)["report"]


def _must_be_open(rect: Rectification) -> None:
    if rect.closed:
        raise Conflict(_l("This rectification is closed; reopen it first."), code="closed")


def file_report(db: Session, actor, rect_id: int, body: str) -> RectificationStep:
    """The responsible unit's rectification report: what it did about the rating."""
    rect = get_rectification(db, rect_id)
    if not may_file(db, actor, rect):
        raise Forbidden(_l("Only a responsible unit of this project may report on its "
                           "rectification."))
    _must_be_open(rect)
    return _add(db, actor, rect, "report", _body(body), _unit_of(db, actor, rect.project_id))


def _secretariat(actor) -> None:
    if not _is(actor, Role.SECRETARIAT):
        raise Forbidden(_l("Only the secretariat may do this."))


def follow_up(db: Session, actor, rect_id: int, body: str) -> RectificationStep:
    """The secretariat's follow-up (督办): a request, a visit, a finding."""
    _secretariat(actor)
    rect = get_rectification(db, rect_id)
    _must_be_open(rect)
    return _add(db, actor, rect, "follow_up", _body(body))


def close(db: Session, actor, rect_id: int, body: str) -> RectificationStep:
    """Closed by the secretariat, with its reason, once the unit has reported."""
    _secretariat(actor)
    rect = get_rectification(db, rect_id)
    _must_be_open(rect)
    if not _reports(rect):
        raise Conflict(_l("The unit has not filed a rectification report yet."),
                       code="no_report")
    return _add(db, actor, rect, "closed", _body(body))


def reopen(db: Session, actor, rect_id: int, body: str) -> RectificationStep:
    _secretariat(actor)
    rect = get_rectification(db, rect_id)
    if not rect.closed:
        raise Conflict(_l("This rectification is not closed."), code="not_closed")
    return _add(db, actor, rect, "reopened", _body(body))


# ---- who a step is by, in public ---------------------------------------------------------

def step_authors(db: Session, steps) -> dict[int, str]:
    """{step id: who added it, as the public sees it}: the unit's name for a unit's report,
    秘书处 for the secretariat's steps. The account that added it is in the audit log only."""
    steps = list(steps)
    ids = {s.unit_id for s in steps if s.unit_id is not None}
    names = dict(db.execute(select(Unit.id, Unit.name).where(Unit.id.in_(ids))).all()) \
        if ids else {}
    return {s.id: step_author(s, names) for s in steps}


def step_author(step, unit_names: dict[int, str]) -> str:
    if step.kind in UNIT_STEPS:
        return unit_names.get(step.unit_id) or gettext("Responsible unit")
    return gettext("Secretariat")


# ---- lists -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Row:
    """One rectification in a list: its project, state ("open"/"closed"), link and last step
    (who by, as the public sees it)."""

    rect: Rectification
    project: Project
    poll: Poll
    authors: dict = field(default_factory=dict, compare=False)

    @property
    def id(self) -> int:
        return self.rect.id

    @property
    def closed(self) -> bool:
        return self.rect.closed

    @property
    def state(self) -> str:
        return "closed" if self.rect.closed else "open"

    @property
    def url(self) -> str:
        """The rectification's public record (needs an app or request context)."""
        from flask import url_for

        return url_for("supervision.rectification", rect_id=self.rect.id)

    @property
    def last_by(self) -> str | None:
        step = self.last_step
        return None if step is None else self.authors.get(step.id)

    @property
    def reports(self) -> int:
        return _reports(self.rect)

    @property
    def last_step(self) -> RectificationStep | None:
        return self.rect.steps[-1] if self.rect.steps else None


def rows(db: Session, *, state: str | None = None, project_ids=None) -> list[Row]:
    """Rectifications newest first, with their project and poll; `state` "open" or "closed"."""
    q = (select(Rectification, Project, Poll)
         .join(Project, Project.id == Rectification.project_id)
         .join(Poll, Poll.id == Rectification.poll_id)
         .options(selectinload(Rectification.steps))
         .order_by(Rectification.id.desc()))
    if project_ids is not None:
        q = q.where(Rectification.project_id.in_(list(project_ids)))
    found = db.execute(q).all()
    authors = step_authors(db, [s for r, _p, _poll in found for s in r.steps])
    found = [Row(r, p, poll, authors) for r, p, poll in found]
    if state == "open":
        found = [r for r in found if not r.closed]
    elif state == "closed":
        found = [r for r in found if r.closed]
    return found


def unit_rows(db: Session, user) -> list[Row]:
    """The rectifications of the projects this unit user reports for, newest first (each
    Row: .project, .state / .closed, .url, .last_step)."""
    project_ids = db.scalars(select(ProjectUnit.project_id)
                             .join(UnitMember, UnitMember.unit_id == ProjectUnit.unit_id)
                             .where(UnitMember.user_id == user.id).distinct()).all()
    return rows(db, project_ids=project_ids)
