"""The request edge of the web: one transaction per action, committed here and nowhere else.

Services flush and raise domain errors; a view wraps the service calls of one action in
`committed()` (a page that shows the error in its form or on top) or `transaction()` (where
the app's error handlers answer: the error page, or JSON under /api/). The command line's edge
is `voting.core.cli.run_service`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import wraps

from flask import flash
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session

from voting import db
from voting.core.forms import show_error
from voting.errors import DomainError, json_error


@dataclass
class Outcome:
    """What a `committed()` block came to: `error` is the domain error that undid it."""

    error: DomainError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@contextmanager
def transaction(s: Session | None = None) -> Iterator[Session]:
    """Commit what the block did; on any exception, a domain error included, roll it all back
    and let the exception go on to the error handlers. Committing before the answer is built
    means a success page or a JSON reply always stands for a durable state."""
    s = db.session() if s is None else s
    try:
        yield s
        s.commit()
    except BaseException:
        s.rollback()
        raise


@contextmanager
def committed(form: FlaskForm | None = None, *, show: bool = True,
              raising: tuple[type[DomainError], ...] = (),
              s: Session | None = None) -> Iterator[Outcome]:
    """As `transaction()`, except that a domain error is kept in the yielded `Outcome`, not
    raised, so the view can answer with its page again: the message goes next to the form's
    field it names (else on top of the page, as a flash), unless `show` is False and the view
    shows it itself. Nothing the block did is stored then. Any other exception, and a domain
    error of a class in `raising` (a 404 or 403 answered by the error page), rolls back and
    propagates."""
    s = db.session() if s is None else s
    outcome = Outcome()
    try:
        with transaction(s):
            yield outcome
    except DomainError as exc:
        if isinstance(exc, raising):
            raise
        outcome.error = exc
        if show:
            if form is not None:
                show_error(form, exc)
            else:
                flash(str(exc.message), "error")


def json_edge(view):
    """The JSON API's edge (voting/api/): the view's whole answer is one transaction, committed
    before the reply leaves (a reply promises a durable state); a domain error rolls it back
    and answers as docs/protocol.md's error JSON, `{"error": code, "message": text}`."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        try:
            with transaction():
                return view(*args, **kwargs)
        except DomainError as exc:
            return json_error(exc.code, exc.message, exc.status)

    return wrapped
