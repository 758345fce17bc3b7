"""Domain errors raised by services and translated at the request edge into pages or JSON."""

from __future__ import annotations

from flask import jsonify, render_template, request
from flask_babel import lazy_gettext as _l


class DomainError(Exception):
    """Base of every error a service raises on purpose. `message` is shown to the user."""

    code = "error"
    status = 400

    def __init__(self, message=None, *, code: str | None = None, field: str | None = None):
        self.message = message if message is not None else _l("The request could not be carried out.")
        if code:
            self.code = code
        self.field = field
        super().__init__(str(self.message))


class NotFound(DomainError):
    code = "not_found"
    status = 404


class Forbidden(DomainError):
    code = "forbidden"
    status = 403


class Conflict(DomainError):
    code = "conflict"
    status = 409


class Invalid(DomainError):
    code = "invalid"
    status = 422


def json_error(code: str, message, status: int):
    response = jsonify({"error": code, "message": str(message)})
    response.status_code = status
    return response


def is_api_request() -> bool:
    return request.path.startswith("/api/")


def register_handlers(app) -> None:
    from flask_wtf.csrf import CSRFError
    from werkzeug.exceptions import HTTPException

    @app.errorhandler(DomainError)
    def _domain_error(exc: DomainError):
        if is_api_request():
            return json_error(exc.code, exc.message, exc.status)
        return render_template("error.html", message=exc.message, status=exc.status), exc.status

    @app.errorhandler(CSRFError)
    def _csrf_error(exc: CSRFError):
        message = _l("The form expired or lacks its security token; reload the page and try again.")
        if is_api_request():
            return json_error("csrf", message, 400)
        return render_template("error.html", message=message, status=400), 400

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        if exc.response is not None:  # a view prepared its own answer (e.g. a rate-limit breach)
            return exc.response
        messages = {
            400: _l("The request was malformed."),
            401: _l("Please sign in first."),
            403: _l("You are not allowed to do this."),
            404: _l("Not found."),
            405: _l("Method not allowed."),
            409: _l("This conflicts with the current state."),
            413: _l("The upload is too large."),
            429: _l("Too many attempts; please wait a moment and try again."),
        }
        message = messages.get(exc.code, exc.description)
        if is_api_request():
            return json_error(exc.name.lower().replace(" ", "_"), message, exc.code or 500)
        return render_template("error.html", message=message, status=exc.code), exc.code
