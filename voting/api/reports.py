"""A responsible unit's progress report through the JSON API (docs/protocol.md): the same
service as the form and the XLSX upload, signed in with the session and its X-CSRFToken."""

from __future__ import annotations

from flask import current_app, jsonify, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from voting import db
from voting.api.blueprint import bp
from voting.core.edge import json_edge
from voting.db import utcnow
from voting.errors import json_error
from voting.extensions import csrf
from voting.supervision import reports


@bp.post("/projects/<int:project_id>/reports")
@csrf.exempt  # checked below, after the sign-in, so that no session answers 401
@json_edge
def file_report(project_id: int):
    if not current_user.is_authenticated:
        return json_error("unauthorized", _l("Please sign in first."), 401)
    csrf.protect()
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return json_error("malformed", _l("Send a JSON object as the protocol describes."), 400)
    report = reports.file_report(
        db.session(), current_user, project_id=project_id, period=body.get("period"),
        values=body.get("values"), narrative=body.get("narrative"),
        spending=body.get("spending"), delivery=body.get("delivery"), units=body.get("units"),
        source="api", now=utcnow(), zone=current_app.config["BABEL_DEFAULT_TIMEZONE"])
    response = jsonify({"period": report.period, "version": report.version})
    response.status_code = 201
    return response
