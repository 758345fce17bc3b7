from functools import wraps

from flask import abort, after_this_request, current_app, session
from flask_login import current_user, login_required, login_user, logout_user

from voting.auth import services
from voting.auth.throttle import DEVICE_COOKIE, DEVICE_COOKIE_PATHS, login_throttle, new_device_cookie
from voting.core.edge import transaction


def role_required(*roles: str):
    """Sign-in required, and one of `roles`; 403 for a signed-in user without it."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def sign_in(user) -> None:
    """Sign `user` in (after a right password or a QR sign-in link): a new server-side login
    session, committed, whose id goes into the signed cookie; an earlier session in this
    browser ends. The browser also gets a device cookie for the account, which exempts it from
    the account throttle, and the account's delay starts over."""
    with transaction() as s:
        old = session.get("_user_id")
        if old:
            services.end_session(s, old)
        services.start_session(s, user,
                               policy=services.SessionPolicy.from_config(current_app.config))
    session.pop("csrf_token", None)  # a new CSRF token for the new session
    login_user(user)
    login_throttle().succeeded(user.username)
    cookie = new_device_cookie(user.username)

    @after_this_request
    def _device_cookie(response):
        for path in DEVICE_COOKIE_PATHS:
            response.set_cookie(DEVICE_COOKIE, cookie, path=path, httponly=True, samesite="Lax",
                                secure=current_app.config["SESSION_COOKIE_SECURE"],
                                max_age=current_app.config["LOGIN_DEVICE_DAYS"] * 86400)
        return response


def sign_out() -> None:
    """End this browser's login session server-side, so a copy of the cookie stops working."""
    session_id = session.get("_user_id")
    if session_id:
        with transaction() as s:
            services.end_session(s, session_id)
    logout_user()
    session.pop("csrf_token", None)
