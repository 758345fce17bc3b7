"""The anonymous cast carries no session (docs/threat-model.md).

Its cookies and credentials are dropped before Flask opens a session, so nothing (Flask-Login,
the CSRF token, the language switch) can tie it to a sign-in or set a cookie on its response.
`create_app` installs this around the app's session interface.
"""

from __future__ import annotations

from flask.sessions import SecureCookieSession

from voting.errors import is_cast_path


def is_cast(req) -> bool:
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
        if is_cast(req):
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
