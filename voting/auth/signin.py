"""The password check behind both sign-ins (the login page and POST /api/v1/auth/login)."""

from __future__ import annotations

from flask import current_app, request
from flask_babel import gettext as _

from voting import db
from voting.auth.models import User
from voting.auth.services import authenticate
from voting.auth.throttle import DEVICE_COOKIE, device_for, login_throttle


def throttled_message(seconds: int) -> str:
    return _("Too many sign-in attempts. Try again in %(seconds)s seconds, or sign in with the "
             "QR code on your credential slip.", seconds=seconds)


def check_password(username: str, password: str) -> tuple[User | None, int]:
    """(user, 0) for the right password, (None, 0) for a wrong one, (None, seconds) when the
    throttle says wait: then the password is not even checked."""
    throttle = login_throttle()
    address = request.remote_addr or ""
    device = device_for(request.cookies.get(DEVICE_COOKIE), username)
    wait = throttle.wait(address, username, device)
    if wait:
        return None, wait
    user = authenticate(db.session(), username, password,
                        method=current_app.config["PASSWORD_HASH_METHOD"])
    if user is None:
        throttle.failed(address, username, device)
    return user, 0
