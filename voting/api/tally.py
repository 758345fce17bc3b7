"""The result-signing keys and the signed result."""

from __future__ import annotations

from flask import current_app, jsonify

from voting import db
from voting.api.blueprint import bp
from voting.core import page_cache
from voting.core.edge import json_edge
from voting.tally import keys as result_keys
from voting.tally import services


@bp.get("/keys")
@json_edge
def keys():
    return jsonify(result_keys.keys_document(current_app.instance_path))


@bp.get("/polls/<int:poll_id>/result")
@json_edge
def result(poll_id: int):
    signed = services.get_result(db.session(), poll_id, published=True).signed
    page_cache.shared()  # a published result is signed once and for all
    return jsonify(signed)
