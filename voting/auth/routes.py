from urllib.parse import urlsplit

from flask import (Blueprint, current_app, flash, redirect, render_template, request, session,
                   url_for)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf.csrf import generate_csrf

from voting import db
from voting.auth.forms import LoginForm
from voting.auth.services import authenticate
from voting.errors import json_error
from voting.extensions import csrf, limiter

bp = Blueprint("auth", __name__)


def _login_key() -> str:
    """Throttle by account as well as by address: a hall shares one address."""
    data = request.get_json(silent=True) if request.is_json else request.form
    username = data.get("username", "") if hasattr(data, "get") else ""
    return f"{request.remote_addr}|{str(username).strip().lower()}"


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("main.index")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, key_func=_login_key, methods=["POST"])
def login():
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        user = authenticate(db.session(), form.username.data, form.password.data)
        if user is not None:
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
        form.password.errors.append(_("Wrong username or password."))
        status = 401
    elif form.is_submitted():
        status = 400
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    flash(_("You have signed out."), "info")
    return redirect(url_for("main.index"))


@bp.get("/lang/<code>")
def set_language(code: str):
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
    return redirect(_safe_next(request.args.get("next")))


@bp.post("/api/v1/auth/login")
@csrf.exempt
@limiter.limit(_login_limit, key_func=_login_key)
def api_login():
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("username"), str) \
            or not isinstance(body.get("password"), str):
        return json_error("bad_request", _("Send a JSON object with username and password."), 400)
    user = authenticate(db.session(), body["username"], body["password"])
    if user is None:
        return json_error("unauthorized", _("Wrong username or password."), 401)
    login_user(user)
    return {"csrf_token": generate_csrf(), "role": user.role}


@bp.get("/api/v1/auth/me")
def api_me():
    if not current_user.is_authenticated:
        return json_error("unauthorized", _("Please sign in first."), 401)
    return {"username": current_user.username, "role": current_user.role,
            "display_name": current_user.display_name, "csrf_token": generate_csrf()}
