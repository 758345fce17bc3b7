"""The secretariat's pages for responsible units (list, add, attach and remove reporting
accounts) and for amending a selected project's targets; on the pool blueprint."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from voting import db
from voting.auth.access import role_required
from voting.core.edge import committed
from voting.pool import projects as projects_svc
from voting.pool import units as units_svc
from voting.pool.blueprint import SECRETARIAT, bp
from voting.pool.unit_forms import AmendForm, MemberForm, UnitForm


@bp.route("/pool/manage/units", methods=["GET", "POST"])
@role_required(SECRETARIAT)
def units():
    """Every unit with its projects and reporting accounts; add a unit."""
    s = db.session()
    form = UnitForm()
    if form.validate_on_submit():
        with committed(form) as outcome:
            created = units_svc.create_unit(s, current_user, form.name.data)
        if outcome.ok:
            flash(_("Unit “%(name)s” added.", name=created.name), "success")
            return redirect(url_for(".unit", unit_id=created.id))
    return render_template("pool/units.html", rows=units_svc.list_units(s), form=form), (
        422 if form.is_submitted() else 200)


def _render_unit(s, unit, form, status=200):
    return render_template("pool/units_unit.html", unit=unit, form=form,
                           projects=units_svc.unit_projects(s, unit.id)), status


@bp.get("/pool/manage/units/<int:unit_id>")
@role_required(SECRETARIAT)
def unit(unit_id: int):
    s = db.session()
    return _render_unit(s, units_svc.get_unit(s, unit_id), MemberForm())


@bp.post("/pool/manage/units/<int:unit_id>/members")
@role_required(SECRETARIAT)
def attach_unit_user(unit_id: int):
    """Attach a user of role `unit`: they report for this unit's projects."""
    s = db.session()
    form = MemberForm()
    if form.validate_on_submit():
        with committed(form) as outcome:
            units_svc.attach_user(s, current_user, unit_id, form.username.data)
        if outcome.ok:
            flash(_("%(user)s now reports for this unit.", user=form.username.data.strip()),
                  "success")
            return redirect(url_for(".unit", unit_id=unit_id))
    return _render_unit(s, units_svc.get_unit(s, unit_id), form, 422)


@bp.post("/pool/manage/units/<int:unit_id>/members/<int:user_id>/remove")
@role_required(SECRETARIAT)
def detach_unit_user(unit_id: int, user_id: int):
    form = FlaskForm()
    if form.validate_on_submit():
        with committed():
            units_svc.detach_user(db.session(), current_user, unit_id, user_id)
    return redirect(url_for(".unit", unit_id=unit_id))


def _render_targets(s, p, form, status=200):
    return render_template("pool/units_targets.html", project=p, form=form,
                           amendments=units_svc.amendments_of(s, p.id)), status


@bp.route("/pool/manage/projects/<int:project_id>/targets", methods=["GET", "POST"])
@role_required(SECRETARIAT)
def amend_targets(project_id: int):
    """A selected project's targets change only by a recorded amendment with its reason."""
    s = db.session()
    p = projects_svc.get_project(s, project_id)
    form = AmendForm()
    form.target_id.choices = [(t.id, f"{t.position}. {t.metric}") for t in p.targets]
    if form.validate_on_submit():  # the choices are this project's targets only
        with committed(form) as outcome:
            units_svc.amend_target(s, current_user, form.target_id.data,
                                   metric=form.metric.data, unit=form.unit.data or "",
                                   value=form.value.data, reason=form.reason.data)
        if outcome.ok:
            flash(_("The amendment was recorded."), "success")
            return redirect(url_for(".amend_targets", project_id=p.id))
    return _render_targets(s, p, form, 422 if form.is_submitted() else 200)
