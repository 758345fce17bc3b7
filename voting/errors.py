"""Domain errors raised by services and translated at the request edge into pages or JSON;
and what an error may write to a log: nothing about a ballot cast (docs/threat-model.md)."""

from __future__ import annotations

import json
import logging
import os
import re
from urllib.parse import unquote, urlsplit

from flask import Request, has_request_context, jsonify, render_template, request
from flask.logging import wsgi_errors_stream
from flask_babel import lazy_gettext as _l
from werkzeug.routing import IntegerConverter

# The largest id an `integer` column holds on PostgreSQL (32 bits; SQLite's hold 64): a
# larger number in a URL is no such page, on either database.
MAX_ID = 2**31 - 1
CAST_PATH = re.compile(r"/api/v1/polls/[^/]+/ballots")
CAST_LOGGER = "voting.cast"


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


# ---- ids and JSON bodies that the database or the decoder cannot take -------------------------

def digits_at_most(n: int) -> str:
    """A regex for the decimal numbers 0..n (leading zeros allowed, as werkzeug's are)."""
    s = str(n)
    shorter = [rf"[1-9][0-9]{{0,{len(s) - 2}}}"] if len(s) > 1 else []
    same = []
    for i, digit in enumerate(s):
        low = "1" if i == 0 else "0"
        if int(digit) > int(low):
            same.append(f"{s[:i]}[{low}-{int(digit) - 1}][0-9]{{{len(s) - i - 1}}}")
    return "0*(?:" + "|".join(["0", *shorter, *same, s]) + ")"


class IdConverter(IntegerConverter):
    """The app's `int` converter: a number beyond what an id column holds matches no route
    (404) instead of overflowing the database driver (500). The bound is in the regex, not
    only in to_python: a value refused there would answer 405 where a sibling rule takes
    another method."""

    regex = digits_at_most(MAX_ID)
    part_isolating = True

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min,
                         max=MAX_ID if max is None else max, signed=signed)


def has_nul(value) -> bool:
    """Whether a decoded JSON value holds a NUL character anywhere (no text column of
    PostgreSQL can store one: it would be a 500, not the clear refusal it deserves)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


class SafeJSONRequest(Request):
    """A body nested deeper than the decoder's recursion limit is malformed JSON like any
    other (400), not a RecursionError (500); so is a body with a NUL character in a string."""

    def get_json(self, force=False, silent=False, cache=True):
        try:
            value = super().get_json(force=force, silent=silent, cache=cache)
        except RecursionError as exc:
            if silent:
                return None
            return self.on_json_loading_failed(json.JSONDecodeError(str(exc), "", 0))
        if has_nul(value):
            if silent:
                return None
            return self.on_json_loading_failed(json.JSONDecodeError("NUL character", "", 0))
        return value


# ---- nothing about a cast in any log ---------------------------------------------------------

def is_cast_path(target: str) -> bool:
    """Whether a request target (a path or a URL, with any query string, percent-encoded or
    not, any method) addresses a poll's ballots."""
    # An origin-form target ("/path?query", even "//path") has no host to split off.
    path = re.split(r"[?#]", target, maxsplit=1)[0] if target.startswith("/") \
        else urlsplit(target).path
    path = unquote(path)
    path = re.sub(r"/{2,}", "/", path).rstrip("/")
    return CAST_PATH.fullmatch(path) is not None


def mentions_cast(text: str) -> bool:
    """Whether any word of a log line (a request line, a URI) is a ballots path."""
    text = re.sub(r"\x1b\[[0-9;]*m", " ", text)  # the dev server colours its lines
    return any(is_cast_path(word.strip("\"'()[],")) for word in text.split()
               if "/" in word)


def is_cast_request() -> bool:
    return has_request_context() and is_cast_path(request.path)


class NoCastLines(logging.Filter):
    """Drops every log line that names a ballots path: the development server's request log,
    gunicorn's error (and, if ever enabled, access) log. Path only: the method, the query
    string and the encoding do not matter."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: keep nothing that might name the path
            message = f"{record.msg} {record.args}"
        return not mentions_cast(message)


class NoCastDetails(logging.Filter):
    """Backstop for the app's own loggers: a record written while a cast is being handled
    loses its message, arguments and exception text (they can hold the ballot, the path or
    the database's own description of the row), keeping only where it failed."""

    def filter(self, record: logging.LogRecord) -> bool:
        if is_cast_request():
            record.msg = "ballot cast: " + failure_summary(record.exc_info)
            record.args = None
            record.exc_info = record.exc_text = record.stack_info = None
        return True


def failure_summary(exc_info) -> str:
    """Exception classes and code locations only: no message, no values, no path."""
    if not exc_info or exc_info[1] is None:
        return "error"
    parts, exc, seen = [], exc_info[1], set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        frames, tb = [], exc.__traceback__
        while tb is not None:
            code = tb.tb_frame.f_code
            frames.append(f"{os.path.basename(code.co_filename)}:{tb.tb_lineno} {code.co_name}")
            tb = tb.tb_next
        parts.append(f"{type(exc).__module__}.{type(exc).__qualname__} at " +
                     (" < ".join(reversed(frames[-6:])) or "?"))
        exc = exc.__cause__ or exc.__context__
    return "; caused by ".join(parts)


def cast_logger() -> logging.Logger:
    """The one logger that reports a failed cast: its own handler writes no time (the time of
    a failed cast would date a ballot) to the server's error stream, and it does not pass
    records on to the root logger's handlers, whose formats usually carry a time."""
    log = logging.getLogger(CAST_LOGGER)
    if not log.handlers:
        handler = logging.StreamHandler(wsgi_errors_stream)
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        log.addHandler(handler)
        log.propagate = False
    return log


def install_log_filters(app) -> None:
    """NoCastLines and NoCastDetails on the app's and werkzeug's loggers (create_app)."""
    for log in (app.logger, logging.getLogger("werkzeug")):
        for kind in (NoCastLines, NoCastDetails):
            if not any(isinstance(f, kind) for f in log.filters):
                log.addFilter(kind())


def database_unavailable(exc: BaseException) -> bool:
    """Whether a database error is an outage that passes, not a bug: a connection refused or
    dropped, the server starting up or shutting down, a deadlock or lock timeout (PostgreSQL
    reports all these as OperationalError); on SQLite, whose OperationalError also covers a
    missing table, only a lock held past the timeout."""
    from sqlalchemy.exc import DBAPIError, OperationalError

    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    if not isinstance(exc, OperationalError):
        return False
    if type(exc.orig).__module__.startswith("sqlite3"):
        return "locked" in str(exc.orig)
    return True


def register_handlers(app) -> None:
    from flask_wtf.csrf import CSRFError
    from sqlalchemy.exc import DBAPIError
    from werkzeug.exceptions import HTTPException

    app.request_class = SafeJSONRequest

    @app.before_request
    def _no_nul_in_fields():
        """A NUL character in a query or a form field is refused before any view reads it."""
        from flask import abort, request

        if request.content_type and request.content_type.startswith("application/json"):
            return None
        for values in (request.args, request.form):
            for key, value in values.items(multi=True):
                if "\x00" in key or "\x00" in value:
                    abort(400)
        return None

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        """A failure while a ballot is cast is reported without its path, time or body (the
        driver's message can quote the row); any other goes to Flask's usual handling."""
        if not is_cast_request():
            raise exc
        cast_logger().error("ballot cast failed: %s", failure_summary((type(exc), exc, None)))
        return json_error("internal_error",
                          _l("The ballot could not be recorded; please send it again."), 500)

    @app.errorhandler(DBAPIError)
    def _database_error(exc: DBAPIError):
        """The database out of reach for a moment (restarting, a dropped connection, a lock
        held too long) answers 503, a JSON error under /api/, so that the client sends the
        same request again (a cast is idempotent); the pool reconnects by itself
        (pool_pre_ping). Any other database error is a bug, handled as one."""
        if not database_unavailable(exc):
            return _unexpected(exc)
        if is_cast_request():
            cast_logger().error("ballot cast failed: %s",
                                failure_summary((type(exc), exc, None)))
            message = _l("The ballot could not be recorded; please send it again.")
        else:
            app.logger.warning("database unavailable (%s): answered 503",
                               type(exc.orig).__name__)
            message = _l("The service is briefly unavailable; please try again in a moment.")
        if is_api_request():
            response = json_error("database_unavailable", message, 503)
        else:
            try:
                response = app.make_response(
                    (render_template("error.html", message=message, status=503), 503))
            except Exception:  # noqa: BLE001  (the page needs the database too: plain text)
                response = app.make_response((str(message), 503, {"Content-Type":
                                                                   "text/plain; charset=utf-8"}))
        response.headers["Retry-After"] = "1"
        return response

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
