"""Supervision open data (docs/protocol.md): a year's projects and one project's progress.
Public, read-only; the figures come from `voting.supervision.opendata`."""

from __future__ import annotations

from flask import current_app, jsonify, request

from voting import db
from voting.api.blueprint import bp
from voting.core.edge import json_edge
from voting.supervision import opendata, progress


def _today():
    return progress.local_today(current_app.config["BABEL_DEFAULT_TIMEZONE"])


@bp.get("/projects")
@json_edge
def projects():
    year = opendata.parse_year(request.args.get("year"))
    return jsonify(opendata.year_document(db.session(), year, today=_today()))


@bp.get("/projects/<int:project_id>")
@json_edge
def project(project_id: int):
    return jsonify(opendata.project_document(db.session(), project_id, today=_today()))
