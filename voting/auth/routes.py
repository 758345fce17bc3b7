from urllib.parse import urlsplit

from flask import (Blueprint, current_app, flash, redirect, render_template, request, session,
                   url_for)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf

from voting import db
from voting.auth.access import sign_in, sign_out
from voting.auth.forms import LoginForm
from voting.auth.models import User
from voting.auth.services import authenticate
from voting.auth.throttle import DEVICE_COOKIE, device_for, login_throttle
from voting.errors import json_error
from voting.extensions import csrf

bp = Blueprint("auth", __name__)

# What Flask-Login keeps in the cookie session for a signed-in user.
_LOGIN_KEYS = ("_user_id", "_fresh", "_id", "_remember", "_remember_seconds")


@bp.before_app_request
def _check_login_session():
    """Check the login session against the database before any view runs, and commit its
    last-seen mark (or its end) at once, apart from whatever the view does. A request without a
    signed-in session (the anonymous cast among them) stops at the first line."""
    remember = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    if request.endpoint == "static" or ("_user_id" not in session
                                        and remember not in request.cookies):
        return
    if not current_user.is_authenticated:
        for key in _LOGIN_KEYS:
            session.pop(key, None)
    s = db.session()
    if s.in_transaction():
        s.commit()


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("main.index")


def _throttled_message(seconds: int) -> str:
    return _("Too many sign-in attempts. Try again in %(seconds)s seconds, or sign in with the "
             "QR code on your credential slip.", seconds=seconds)


def _check_password(username: str, password: str) -> tuple[User | None, int]:
    """(user, 0) for the right password, (None, 0) for a wrong one, (None, seconds) when the
    throttle says wait: then the password is not even checked."""
    throttle = login_throttle()
    address = request.remote_addr or ""
    device = device_for(request.cookies.get(DEVICE_COOKIE), username)
    wait = throttle.wait(address, username, device)
    if wait:
        return None, wait
    user = authenticate(db.session(), username, password)
    if user is None:
        throttle.failed(address, username, device)
    return user, 0


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    status, headers = 200, {}
    if form.validate_on_submit():
        user, wait = _check_password(form.username.data, form.password.data)
        if user is not None:
            sign_in(user)
            return redirect(_safe_next(request.args.get("next")))
        if wait:
            form.password.errors.append(_throttled_message(wait))
            status, headers = 429, {"Retry-After": str(wait)}
        else:
            form.password.errors.append(_("Wrong username or password."))
            status = 401
    elif form.is_submitted():
        status = 400
    return render_template("auth/login.html", form=form), status, headers


@bp.post("/logout")
@login_required
def logout():
    sign_out()
    flash(_("You have signed out."), "info")
    return redirect(url_for("main.index"))


@bp.get("/lang/<code>")
def set_language(code: str):
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
    return redirect(_safe_next(request.args.get("next")))


@bp.post("/api/v1/auth/login")
@csrf.exempt
def api_login():
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("username"), str) \
            or not isinstance(body.get("password"), str):
        return json_error("bad_request", _("Send a JSON object with username and password."), 400)
    user, wait = _check_password(body["username"], body["password"])
    if wait:
        response = json_error("too_many_requests", _throttled_message(wait), 429)
        response.headers["Retry-After"] = str(wait)
        return response
    if user is None:
        return json_error("unauthorized", _("Wrong username or password."), 401)
    sign_in(user)
    return {"csrf_token": generate_csrf(), "role": user.role}


@bp.get("/api/v1/auth/me")
def api_me():
    if not current_user.is_authenticated:
        return json_error("unauthorized", _("Please sign in first."), 401)
    return {"username": current_user.username, "role": current_user.role,
            "display_name": current_user.display_name, "csrf_token": generate_csrf()}
