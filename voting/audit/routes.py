from flask import Blueprint, render_template, request
from sqlalchemy import func, select

from voting import db
from voting.audit import labels
from voting.audit.models import AuditEntry
from voting.audit.services import verify_chain

bp = Blueprint("audit", __name__)

PAGE_SIZE = 50


@bp.get("/audit")
def log():
    s = db.session()
    total = s.scalar(select(func.count()).select_from(AuditEntry)) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(request.args.get("page", 1, type=int), 1), pages)
    entries = s.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())
                        .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
    return render_template("audit/log.html", entries=entries, page=page, pages=pages,
                           total=total, report=verify_chain(s), labels=labels)
