"""Sign-in for scripts and the ballot page: POST /auth/login, GET /auth/me."""

from __future__ import annotations

from flask import request
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from voting.api.blueprint import bp
from voting.auth.access import sign_in
from voting.auth.signin import check_password, throttled_message
from voting.core.edge import json_edge
from voting.errors import json_error
from voting.extensions import csrf


@bp.post("/auth/login")
@csrf.exempt
@json_edge
def login():
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("username"), str) \
            or not isinstance(body.get("password"), str):
        return json_error("bad_request", _("Send a JSON object with username and password."), 400)
    user, wait = check_password(body["username"], body["password"])
    if wait:
        response = json_error("too_many_requests", throttled_message(wait), 429)
        response.headers["Retry-After"] = str(wait)
        return response
    if user is None:
        return json_error("unauthorized", _("Wrong username or password."), 401)
    sign_in(user)
    return {"csrf_token": generate_csrf(), "role": user.role}


@bp.get("/auth/me")
@json_edge
def me():
    if not current_user.is_authenticated:
        return json_error("unauthorized", _("Please sign in first."), 401)
    return {"username": current_user.username, "role": current_user.role,
            "display_name": current_user.display_name, "csrf_token": generate_csrf()}
