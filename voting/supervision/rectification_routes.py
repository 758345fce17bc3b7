"""整改 pages: the secretariat's list of rectifications, each rectification's public record,
and the steps added to it (the unit's report; the secretariat's follow-up, close, reopen).
Who may add which step is the service's decision (voting.supervision.rectification)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from voting import db
from voting.auth.access import role_required
from voting.auth.models import Role
from voting.core.edge import committed
from voting.errors import Forbidden, NotFound
from voting.pool.models import Project
from voting.supervision import rectification as svc
from voting.supervision.blueprint import bp
from voting.supervision.evaluation import project_evaluation

ACTIONS = {"report": svc.file_report, "follow_up": svc.follow_up, "close": svc.close,
           "reopen": svc.reopen}


class StepForm(FlaskForm):
    body = TextAreaField(_l("What was done, found or decided"),
                         validators=[DataRequired(), Length(max=svc.BODY_MAX)],
                         render_kw={"rows": 5})


def _is(role: Role) -> bool:
    return current_user.is_authenticated and current_user.has_role(role.value)


@bp.get("/supervision/rectifications")
@role_required(Role.SECRETARIAT.value, Role.UNIT.value)
def rectifications():
    """The secretariat's list of every rectification, open first; a unit's, its own."""
    s = db.session()
    state = request.args.get("state")
    state = state if state in svc.STATES else None
    if _is(Role.SECRETARIAT):
        found = svc.rows(s, state=state)
    else:
        found = [r for r in svc.unit_rows(s, current_user)
                 if state is None or (state == "closed") == r.closed]
    found.sort(key=lambda r: r.closed)  # stable: open ones first, newest first within
    return render_template("supervision/rectifications.html", rows=found, state=state)


def _allowed(s, rect) -> list[str]:
    """The steps this user may add now (the buttons shown; the service checks again)."""
    if not current_user.is_authenticated:
        return []
    if _is(Role.SECRETARIAT):
        return ["reopen"] if rect.closed else ["follow_up", "close"]
    if not rect.closed and svc.may_file(s, current_user, rect):
        return ["report"]
    return []


def _render(rect_id: int, form: StepForm | None = None, status: int = 200):
    s = db.session()
    rect = svc.get_rectification(s, rect_id)
    project = s.get(Project, rect.project_id)
    evaluation = project_evaluation(s, rect.project_id)
    if evaluation is not None and evaluation["poll_id"] != rect.poll_id:
        evaluation = None  # a newer evaluation rated it: this record is about an older one
    return render_template("supervision/rectification.html", rect=rect, project=project,
                           evaluation=evaluation, allowed=_allowed(s, rect),
                           authors=svc.step_authors(s, rect.steps),
                           form=form or StepForm(formdata=None)), status


@bp.get("/supervision/rectifications/<int:rect_id>")
def rectification(rect_id: int):
    """Public: the rating, the unit's reports and the secretariat's follow-up, in order."""
    return _render(rect_id)


@bp.post("/supervision/rectifications/<int:rect_id>/steps")
@role_required(Role.SECRETARIAT.value, Role.UNIT.value)
def add_step(rect_id: int):
    action = request.form.get("action", "")
    if action not in ACTIONS:
        abort(400)
    form = StepForm()
    if form.validate_on_submit():
        with committed(form, raising=(Forbidden, NotFound)) as outcome:
            ACTIONS[action](db.session(), current_user, rect_id, form.body.data)
        if outcome.ok:
            flash({"report": _("Your rectification report was filed."),
                   "follow_up": _("The follow-up was recorded."),
                   "close": _("The rectification is closed."),
                   "reopen": _("The rectification is reopened.")}[action], "success")
            return redirect(url_for(".rectification", rect_id=rect_id))
    return _render(rect_id, form, 422)
