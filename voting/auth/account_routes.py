"""The secretariat's page of staff accounts: create one (its password shown once), reset a
password, deactivate or reactivate. Tellers and scrutineers get their accounts here before
they can be given a slot on a poll's paper page."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from voting import db
from voting.auth import accounts
from voting.auth.access import role_required
from voting.auth.forms import AccountForm, AccountActionForm
from voting.auth.models import Role
from voting.auth.routes import bp
from voting.core.edge import committed

SECRETARIAT = Role.SECRETARIAT.value


def _page(form=None, *, issued=None, status: int = 200):
    """The list; `issued` is (user, password) just made, shown once on this answer only (a
    flash message would carry the password in the session cookie)."""
    return render_template("auth/accounts.html", form=form or AccountForm(formdata=None),
                           action=AccountActionForm(), issued=issued,
                           role_labels=accounts.ROLE_LABELS,
                           users=accounts.staff_accounts(db.session())), status


@bp.get("/accounts")
@role_required(SECRETARIAT)
def accounts_page():
    return _page()


@bp.post("/accounts")
@role_required(SECRETARIAT)
def create_account():
    form = AccountForm()
    if form.validate_on_submit():
        with committed(form) as done:
            issued = accounts.create_account(db.session(), current_user,
                                             username=form.username.data,
                                             display_name=form.display_name.data,
                                             role=form.role.data, hash_method=current_app.config["PASSWORD_HASH_METHOD"])
        if done.ok:
            return _page(issued=issued, status=201)
    return _page(form, status=422)


@bp.post("/accounts/<int:user_id>/password")
@role_required(SECRETARIAT)
def reset_account(user_id: int):
    form = AccountActionForm()
    if form.validate_on_submit():
        with committed() as done:
            issued = accounts.reset_password(db.session(), current_user, user_id,
                                             hash_method=current_app.config["PASSWORD_HASH_METHOD"])
        if done.ok:
            return _page(issued=issued)
    return redirect(url_for(".accounts_page"))


@bp.post("/accounts/<int:user_id>/active/<int:active>")
@role_required(SECRETARIAT)
def set_account_active(user_id: int, active: int):
    form = AccountActionForm()
    if form.validate_on_submit():
        with committed() as done:
            user = accounts.set_active(db.session(), current_user, user_id, bool(active))
        if done.ok:
            flash(_("%(name)s can sign in again.", name=user.display_name) if active else
                  _("%(name)s is deactivated and signed out.", name=user.display_name),
                  "success")
    return redirect(url_for(".accounts_page"))
