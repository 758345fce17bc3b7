from flask import Blueprint, jsonify, render_template, request
from sqlalchemy import func, select

from voting import db
from voting.audit.models import AuditEntry
from voting.audit.services import verify_chain

bp = Blueprint("audit", __name__)

PAGE_SIZE = 50


def _entry_json(e: AuditEntry) -> dict:
    return {"seq": e.seq, "created_at": e.created_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "actor": e.actor, "action": e.action, "object_type": e.object_type,
            "object_id": e.object_id, "details": e.details, "prev_hash": e.prev_hash,
            "hash": e.hash}


@bp.get("/audit")
def log():
    s = db.session()
    total = s.scalar(select(func.count()).select_from(AuditEntry)) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(request.args.get("page", 1, type=int), 1), pages)
    entries = s.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())
                        .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
    return render_template("audit/log.html", entries=entries, page=page, pages=pages,
                           total=total, report=verify_chain(s))


@bp.get("/api/v1/audit")
def log_json():
    """The whole chain, for anyone who wants to re-check the hashes themselves."""
    s = db.session()
    entries = s.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
    return jsonify({"entries": [_entry_json(e) for e in entries]})
