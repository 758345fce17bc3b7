"""Public suggestions: submission, moderation, and merging into projects.

Services flush and never commit. Nothing submitted is shown publicly before moderation.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from voting.audit.services import record
from voting.db import get_one, utcnow
from voting.errors import Conflict, Invalid
from voting.pool.models import SUBMITTER_KINDS, Project, Suggestion
from voting.pool.projects import create_project, get_project
from voting.pool.values import (CONTACT_MAX, NAME_MAX, TEXT_MAX, TITLE_MAX, ProjectValues,
                                clean_text)


KIND_LABELS = {"public": _l("Member of the public"), "deputy": _l("People's Congress deputy"),
               "cppcc": _l("CPPCC member"), "adviser": _l("Decision consultation adviser")}
STATUS_LABELS = {"pending": _l("Awaiting moderation"), "approved": _l("Approved"),
                 "rejected": _l("Rejected"), "merged": _l("Merged into a project")}


def get_suggestion(db: Session, suggestion_id: int) -> Suggestion:
    return get_one(db, Suggestion, suggestion_id, _l("No such suggestion."))


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


def submit_suggestion(db: Session, *, submitter_kind: str, title: str, body: str,
                      submitter_name: str = "", submitter_contact: str = "") -> Suggestion:
    """From anyone, signed in or not; held for moderation and shown to nobody until then."""
    if submitter_kind not in SUBMITTER_KINDS:
        raise Invalid(_l("Choose who is making the suggestion."), field="submitter_kind")
    suggestion = Suggestion(
        submitter_kind=submitter_kind,
        title=clean_text(title, TITLE_MAX, "title", required=True),
        body=clean_text(body, TEXT_MAX, "body", required=True),
        submitter_name=clean_text(submitter_name, NAME_MAX, "submitter_name"),
        submitter_contact=clean_text(submitter_contact, CONTACT_MAX, "submitter_contact"),
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
    note = clean_text(note, TEXT_MAX, "note")
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
    suggestion.moderation_note = clean_text(note, TEXT_MAX, "note")
    suggestion.moderated_by = getattr(actor, "username", None) or str(actor)
    suggestion.moderated_at = utcnow()
    db.flush()
    record(db, actor, "suggestion.merge", "suggestion", suggestion.id, project_id=project.id,
           new_project=new_project is not None)
    return project
