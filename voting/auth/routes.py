from urllib.parse import urlsplit

from flask import (Blueprint, current_app, flash, redirect, render_template, request, session,
                   url_for)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from voting.auth.access import sign_in, sign_out
from voting.auth.forms import LoginForm
from voting.auth.signin import check_password, throttled_message
from voting.core.edge import transaction

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
    with transaction():  # whatever loading the user wrote, and nothing of the view's
        if not current_user.is_authenticated:
            for key in _LOGIN_KEYS:
                session.pop(key, None)


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("main.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    status, headers = 200, {}
    if form.validate_on_submit():
        user, wait = check_password(form.username.data, form.password.data)
        if user is not None:
            sign_in(user)
            return redirect(_safe_next(request.args.get("next")))
        if wait:
            form.password.errors.append(throttled_message(wait))
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
