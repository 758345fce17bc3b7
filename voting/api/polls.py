"""The ballot API: the poll, token issuance (signed in), the anonymous cast, the board.

Nothing here logs a request, and the development server's request log drops every ballots
line (`voting.errors.NoCastLines`, path only, installed by `create_app`).
"""

from __future__ import annotations

from flask import jsonify, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from voting import db
from voting.api.blueprint import bp
from voting.ballots import openapi, services
from voting.core import page_cache
from voting.core.edge import json_edge
from voting.crypto.encoding import b64url_decode, b64url_encode
from voting.errors import json_error
from voting.extensions import csrf


def _json_body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise services.Malformed(_l("Send a JSON object as the protocol describes."))
    return body


@bp.get("/polls/<int:poll_id>")
@json_edge
def poll(poll_id: int):
    return jsonify(services.poll_document(services.get_poll(db.session(), poll_id)))


@bp.post("/polls/<int:poll_id>/tokens")
@csrf.exempt  # checked below, after the sign-in, so that no session answers 401 (PROTOCOL)
@json_edge
def token(poll_id: int):
    if not current_user.is_authenticated:
        return json_error("unauthorized", _l("Please sign in first."), 401)
    csrf.protect()
    body = _json_body()
    try:
        blinded_msg = b64url_decode(body.get("blinded_msg"))
    except ValueError as exc:
        raise services.Malformed(_l("blinded_msg is not unpadded base64url.")) from exc
    blind_sig = services.issue_token(db.session(), current_user, poll_id, blinded_msg)
    return jsonify({"blind_sig": b64url_encode(blind_sig)})


@bp.post("/polls/<int:poll_id>/ballots")
@csrf.exempt  # anonymous by design: no session, nothing to forge
@json_edge
def cast(poll_id: int):
    body = _json_body()
    receipt, created = services.cast_ballot(db.session(), poll_id, body.get("msg"),
                                            body.get("msg_prefix"), body.get("sig"),
                                            body.get("choices"))
    response = jsonify({"receipt": receipt})
    response.status_code = 201 if created else 200
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/polls/<int:poll_id>/ballots")
@json_edge
def board(poll_id: int):
    s = db.session()
    poll = services.get_poll(s, poll_id)
    if poll.status == "published":  # counted and public: it can no longer change
        page_cache.shared()
    return jsonify(services.bulletin_board(s, poll))


@bp.get("/openapi.json")
@json_edge
def openapi_document():
    return jsonify(openapi.document())
