"""The ballot API of docs/protocol.md: the poll, token issuance (signed in) and the anonymous cast.

The cast request carries no session: its cookies and credentials are dropped before Flask
opens a session, so nothing (Flask-Login, the CSRF token, the language switch) can tie it to
a sign-in or set a cookie on its response. Nothing here logs a request, and the development
server's request log drops every ballots line (`voting.errors.NoCastLines`, path only).
"""

from __future__ import annotations

from flask import jsonify, request
from flask.sessions import SecureCookieSession
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from voting import db
from voting.ballots import openapi, services
from voting.ballots.routes import bp
from voting.crypto.encoding import b64url_decode, b64url_encode
from voting.errors import DomainError, NoCastLines, is_cast_path, json_error  # noqa: F401
from voting.extensions import csrf


def _is_cast(req) -> bool:
    return req.method == "POST" and is_cast_path(req.path)


class DiscardedSession(SecureCookieSession):
    """An empty session whose writes go nowhere."""


class CastSessionInterface:
    """Wraps the app's session interface: a cast gets an empty session that is never saved
    (no Set-Cookie), after its Cookie and Authorization headers are removed."""

    def __init__(self, inner):
        self.inner = inner

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def open_session(self, app, req):
        if _is_cast(req):
            for header in ("HTTP_COOKIE", "HTTP_AUTHORIZATION"):
                req.environ.pop(header, None)
            req.__dict__.pop("cookies", None)
            return DiscardedSession()
        return self.inner.open_session(app, req)

    def is_null_session(self, obj) -> bool:
        return isinstance(obj, DiscardedSession) or self.inner.is_null_session(obj)

    def save_session(self, app, session, response):
        if not isinstance(session, DiscardedSession):
            self.inner.save_session(app, session, response)


@bp.record_once
def _install(state) -> None:
    app = state.app
    app.session_interface = CastSessionInterface(app.session_interface)
    # The log filters (NoCastLines on werkzeug's and the app's loggers) are installed with
    # the error handlers (voting.errors.register_handlers).


def _json_body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise services.Malformed(_l("Send a JSON object as the protocol describes."))
    return body


def _committed(value):
    """Commit before answering: a reply promises a durable state."""
    s = db.session()
    try:
        s.commit()
    except Exception:
        s.rollback()
        raise
    return value


@bp.get("/api/v1/polls/<int:poll_id>")
def api_poll(poll_id: int):
    return jsonify(services.poll_document(services.get_poll(db.session(), poll_id)))


@bp.post("/api/v1/polls/<int:poll_id>/tokens")
@csrf.exempt  # checked below, after the sign-in, so that no session answers 401 (PROTOCOL)
def api_token(poll_id: int):
    if not current_user.is_authenticated:
        return json_error("unauthorized", _l("Please sign in first."), 401)
    csrf.protect()
    body = _json_body()
    try:
        blinded_msg = b64url_decode(body.get("blinded_msg"))
    except ValueError as exc:
        raise services.Malformed(_l("blinded_msg is not unpadded base64url.")) from exc
    s = db.session()
    try:
        blind_sig = services.issue_token(s, current_user, poll_id, blinded_msg)
    except DomainError:
        s.rollback()
        raise
    return jsonify({"blind_sig": b64url_encode(_committed(blind_sig))})


@bp.post("/api/v1/polls/<int:poll_id>/ballots")
@csrf.exempt  # anonymous by design: no session, nothing to forge
def api_cast(poll_id: int):
    s = db.session()
    try:
        body = _json_body()
        receipt, created = services.cast_ballot(s, poll_id, body.get("msg"),
                                                body.get("msg_prefix"), body.get("sig"),
                                                body.get("choices"))
    except DomainError:
        s.rollback()
        raise
    response = jsonify({"receipt": _committed(receipt)})
    response.status_code = 201 if created else 200
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/api/v1/polls/<int:poll_id>/ballots")
def api_board(poll_id: int):
    s = db.session()
    return jsonify(services.bulletin_board(s, services.get_poll(s, poll_id)))


@bp.get("/api/v1/openapi.json")
def api_openapi():
    return jsonify(openapi.document())
