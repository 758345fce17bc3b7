"""The public audit log as JSON."""

from __future__ import annotations

from flask import jsonify

from voting import db
from voting.api.blueprint import bp
from voting.audit.services import audit_document
from voting.core.edge import json_edge


@bp.get("/audit")
@json_edge
def audit():
    """The whole chain with every entry's hash, for anyone who re-checks it (python -m
    voting.verify checks it against a signed result's audit_head)."""
    return jsonify(audit_document(db.session()))
