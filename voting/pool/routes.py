"""Public pages (the funnel, a project, the suggestion form) and the secretariat's pages
(projects, moderation, merge, import/export, screening rounds)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import NamedTuple

from flask import (Response, abort, current_app, flash, make_response, redirect,
                   render_template, request, url_for)
from flask_babel import gettext as _
from flask_login import current_user

from voting import db
from voting.core.years import year_in_range
from voting.auth.access import role_required
from voting.errors import DomainError, Invalid
from voting.extensions import limiter
from voting.pool import imports, rounds, values
from voting.pool.blueprint import SECRETARIAT, bp
from voting.pool import projects as projects_svc
from voting.pool import suggestions as suggestions_svc
from voting.core.forms import show_error
from voting.pool.forms import (MergeForm, ModerateForm, ProjectForm,
                               RoundForm, SuggestionForm, UploadForm)
from voting.pool.models import STAGES
from voting.pool import units as units_svc
from voting.pool.unit_forms import AmendForm, MemberForm, UnitForm
from voting.core.edge import committed
from voting.core.imports import ImportFlow, add_import_routes
from flask_wtf import FlaskForm


@bp.app_context_processor
def _labels():
    return {"stage_labels": projects_svc.STAGE_LABELS, "kind_labels": suggestions_svc.KIND_LABELS,
            "status_labels": suggestions_svc.STATUS_LABELS, "plain_number": values.plain_number}


def _year_arg(s) -> int:
    year = request.values.get("year", type=int)
    if year_in_range(year):
        return year
    known = projects_svc.years(s)
    return known[0] if known else date.today().year


# ---- public --------------------------------------------------------------------------

@bp.get("/pool/")
def funnel():
    s = db.session()
    year = _year_arg(s)
    result = projects_svc.funnel(s, year)
    widths = {stage: projects_svc.reached(result.counts, stage) for stage in STAGES}
    stage_projects = {stage: projects_svc.projects_in_stage(s, year, stage)
                      for stage in ("candidate", "alternative")}
    return render_template("pool/funnel.html", funnel=result, widths=widths, year=year,
                           stage_projects=stage_projects,
                           years=sorted(set(projects_svc.years(s)) | {year}, reverse=True),
                           stages=STAGES)


@bp.get("/pool/projects/<int:project_id>")
def project(project_id: int):
    s = db.session()
    p = projects_svc.get_project(s, project_id)
    return render_template("pool/project.html", project=p,
                           history=projects_svc.stage_history(s, p.id),
                           origins=[x for x in p.suggestions if x.status == "merged"])


@bp.get("/pool/projects-<int:year>.<fmt>")
def open_data(year: int, fmt: str):
    """The year's projects with their targets and stages, as open data (nothing private)."""
    headers, rows = imports.project_table(db.session(), year=year)
    body, mimetype = imports.export(headers, rows, fmt, title=f"projects-{year}")
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": f"attachment; filename=projects-{year}.{fmt}"})


def _suggestion_limit() -> str:
    return current_app.config["SUGGESTION_RATE_LIMIT"]


def _suggestion_refused(_limit):
    """Over the limit: the form again with what was typed in it, not a bare error page."""
    flash(_("Too many suggestions from here in a short time. Nothing was sent; your text is "
            "kept below, please send it again later."), "error")
    page = render_template("pool/suggest.html", form=SuggestionForm(),
                           published=suggestions_svc.public_suggestions(db.session()))
    return make_response(page, 429)


@bp.route("/pool/suggest", methods=["GET", "POST"])
@limiter.limit(_suggestion_limit, methods=["POST"], on_breach=_suggestion_refused)
def suggest():
    s = db.session()
    form = SuggestionForm()
    status = 200
    if form.validate_on_submit():
        with committed(form) as done:
            suggestions_svc.submit_suggestion(
                s, submitter_kind=form.submitter_kind.data, title=form.title.data,
                body=form.body.data, submitter_name=form.submitter_name.data or "",
                submitter_contact=form.submitter_contact.data or "")
        if done.ok:
            flash(_("Thank you. Your suggestion was received; the secretariat reviews every "
                    "suggestion before it is shown here or taken into the pool."), "success")
            return redirect(url_for(".suggest"))
    if form.is_submitted():
        status = 422
    return render_template("pool/suggest.html", form=form,
                           published=suggestions_svc.public_suggestions(s)), status


# ---- projects ------------------------------------------------------------------------

@bp.get("/pool/manage")
@role_required(SECRETARIAT)
def manage():
    s = db.session()
    year = request.args.get("year", type=int)
    stage = request.args.get("stage") if request.args.get("stage") in STAGES else None
    field_ = request.args.get("field") if request.args.get("field") in values.FIELDS else None
    q = request.args.get("q", "").strip()
    projects = projects_svc.search_projects(s, year=year, stage=stage, field_=field_, q=q)
    return render_template("pool/manage.html", projects=projects, year=year, stage=stage,
                           field_=field_, q=q, years=projects_svc.years(s), stages=STAGES,
                           fields=values.FIELDS,
                           suggestion_counts=suggestions_svc.suggestion_counts(s))


def _render_project_form(form, project=None, status: int = 200):
    return render_template("pool/project_form.html", form=form, project=project), status


@bp.route("/pool/manage/projects/new", methods=["GET", "POST"])
@role_required(SECRETARIAT)
def new_project():
    form = ProjectForm()
    if form.validate_on_submit():
        with committed(form) as done:
            created = projects_svc.create_project(db.session(), current_user, form.values())
        if done.ok:
            flash(_("Project “%(title)s” added to the reserve pool of %(year)s.",
                    title=created.title, year=created.year), "success")
            return redirect(url_for(".project", project_id=created.id))
    return _render_project_form(form, status=422 if form.is_submitted() else 200)


@bp.route("/pool/manage/projects/<int:project_id>/edit", methods=["GET", "POST"])
@role_required(SECRETARIAT)
def edit_project(project_id: int):
    s = db.session()
    p = projects_svc.get_project(s, project_id)
    form = ProjectForm() if request.method == "POST" else ProjectForm.of(p)
    if form.validate_on_submit():
        with committed(form) as done:
            projects_svc.update_project(s, current_user, p.id, form.values())
        if done.ok:
            flash(_("Saved."), "success")
            return redirect(url_for(".project", project_id=p.id))
    return _render_project_form(form, p, status=422 if form.is_submitted() else 200)


# ---- suggestions ---------------------------------------------------------------------

@bp.get("/pool/manage/suggestions")
@role_required(SECRETARIAT)
def suggestions():
    s = db.session()
    status = request.args.get("status", "pending")
    status = status if status in suggestions_svc.STATUS_LABELS else None
    return render_template("pool/suggestions.html", status=status,
                           suggestions=suggestions_svc.suggestions_by_status(s, status),
                           counts=suggestions_svc.suggestion_counts(s),
                           form=ModerateForm(formdata=None))


@bp.post("/pool/manage/suggestions/<int:suggestion_id>/moderate")
@role_required(SECRETARIAT)
def moderate(suggestion_id: int):
    s = db.session()
    form = ModerateForm()
    if not form.validate_on_submit() or form.decision.data not in ("approve", "reject"):
        abort(400)
    with committed() as done:
        suggestions_svc.moderate_suggestion(s, current_user, suggestion_id,
                                            approve=form.decision.data == "approve",
                                            note=form.note.data)
    if done.ok:
        flash(_("Suggestion approved: it is now public.") if form.decision.data == "approve"
              else _("Suggestion rejected."), "success")
    return redirect(url_for(".suggestions"))


@bp.route("/pool/manage/suggestions/<int:suggestion_id>/merge", methods=["GET", "POST"])
@role_required(SECRETARIAT)
def merge(suggestion_id: int):
    s = db.session()
    suggestion = suggestions_svc.get_suggestion(s, suggestion_id)
    existing = MergeForm(prefix="existing")
    new = ProjectForm(prefix="new") if request.method == "POST" else ProjectForm(
        prefix="new", formdata=None, data={"title": suggestion.title, "content": suggestion.body,
                                           "year": date.today().year})
    mode = request.form.get("mode")
    form = existing if mode == "existing" else new
    if request.method == "POST" and form.validate_on_submit():
        with committed(form) as done:
            if mode == "existing":
                if not existing.project_id.data:
                    raise Invalid(_("Enter the ID of a project."), field="project_id")
                target = suggestions_svc.merge_suggestion(s, current_user, suggestion.id,
                                                          project_id=existing.project_id.data,
                                                          note=existing.note.data)
            else:
                target = suggestions_svc.merge_suggestion(s, current_user, suggestion.id,
                                                          new_project=new.values())
        if done.ok:
            flash(_("The suggestion was merged into “%(title)s”.", title=target.title), "success")
            return redirect(url_for(".project", project_id=target.id))
    status = 422 if request.method == "POST" else 200
    return render_template("pool/merge.html", suggestion=suggestion, existing=existing, new=new,
                           mode=mode), status


# ---- import and export ---------------------------------------------------------------

def _projects_imported(preview) -> Response:
    flash(_("Imported: %(created)s projects created, %(updated)s updated.",
            created=preview.count("create"), updated=preview.count("update")), "success")
    return redirect(url_for(".manage"))


def _suggestions_imported(preview) -> Response:
    flash(_("Imported %(n)s suggestions into the moderation queue.", n=len(preview.rows)),
          "success")
    return redirect(url_for(".suggestions"))


class PoolImport(NamedTuple):
    """What differs between the pool's imports; the flow itself is voting/core/imports.py."""

    check: Callable
    apply: Callable
    columns: tuple
    page: str
    done: Callable


IMPORT_KINDS = {
    "projects": PoolImport(imports.check_projects, imports.import_projects,
                           imports.PROJECT_COLUMNS, "pool/import_projects.html",
                           _projects_imported),
    "suggestions": PoolImport(imports.check_suggestions, imports.import_suggestions,
                              imports.SUGGESTION_COLUMNS, "pool/import_suggestions.html",
                              _suggestions_imported)}


def _import_flow(kind: str) -> ImportFlow:
    if kind not in IMPORT_KINDS:
        abort(404)
    kind_ = IMPORT_KINDS[kind]
    return ImportFlow(
        template=kind_.page, upload_form=UploadForm, check=kind_.check,
        apply=lambda s, actor, filename, data: kind_.apply(s, actor, filename=filename,
                                                           data=data),
        done=kind_.done,
        context={"columns": kind_.columns,
                 "template_urls": {fmt: url_for(".template", kind=kind, fmt=fmt)
                                   for fmt in ("xlsx", "csv")}})


# Upload and check (every row and every problem shown; nothing changes), then confirm: the
# same file is checked again (the pool may have changed since) and imported whole.
add_import_routes(bp, "/pool/manage/import/<kind>", _import_flow, upload="import_file",
                  confirm="confirm_import", guard=role_required(SECRETARIAT))


@bp.get("/pool/manage/export/<what>.<fmt>")
@role_required(SECRETARIAT)
def export(what: str, fmt: str):
    s = db.session()
    if what == "projects":
        headers, rows = imports.project_table(s, year=request.args.get("year", type=int))
    elif what == "suggestions":
        headers, rows = imports.suggestion_table(s)
    else:
        abort(404)
    body, mimetype = imports.export(headers, rows, fmt, title=what)
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": f"attachment; filename={what}.{fmt}", "Cache-Control": "no-store"})


@bp.get("/pool/manage/template/<kind>.<fmt>")
@role_required(SECRETARIAT)
def template(kind: str, fmt: str):
    if kind not in IMPORT_KINDS:
        abort(404)
    columns = IMPORT_KINDS[kind].columns
    body, mimetype = imports.export([str(c.label) for c in columns], [], fmt, title=kind)
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": f"attachment; filename={kind}-template.{fmt}"})


# ---- screening rounds ----------------------------------------------------------------

@bp.route("/pool/manage/rounds/new", methods=["GET", "POST"])
@role_required(SECRETARIAT)
def new_round():
    """Choose the year's stage and the projects that move; check; confirm; recorded for good."""
    s = db.session()
    year = _year_arg(s)
    direction, _sep, stage = request.values.get("move", "").partition(":")
    if not stage:
        direction, stage = request.values.get("direction"), request.values.get("stage")
    direction = "reverse" if direction == "reverse" else "forward"
    stage = stage or ("pool" if direction == "forward" else "candidate")
    to_stage = rounds.next_stage(stage, direction)
    if to_stage is None:
        abort(404)
    projects = projects_svc.projects_in_stage(s, year, stage)
    form = RoundForm()
    chosen = set(request.form.getlist("project_id", type=int))
    status = 200
    going_back = "back" in request.form  # from the confirmation page, to change the choice
    locked = rounds.on_unpublished_polls(s, [p.id for p in projects])
    if not going_back and form.validate_on_submit():
        if not chosen:
            flash(_("Choose at least one project."), "error")
            status = 422
        elif chosen & locked.keys():  # refused before the confirmation page, as the service will
            try:
                rounds.check_round(s, chosen=chosen)
            except DomainError as exc:
                show_error(form, exc)
            status = 422
        elif form.confirmed.data != "yes":
            return render_template("pool/round_confirm.html", form=form, year=year,
                                   stage=stage, to_stage=to_stage, direction=direction,
                                   moved=[p for p in projects if p.id in chosen],
                                   kept=[p for p in projects if p.id not in chosen])
        else:
            with committed(form) as done:
                recorded = rounds.record_round(
                    s, current_user, year=year, from_stage=stage, project_ids_advanced=chosen,
                    body=form.body.data, decided_on=form.decided_on.data,
                    rationale=form.rationale.data, direction=direction)
            if done.ok:
                flash(_("The screening round was recorded: %(n)s projects moved to “%(stage)s”.",
                        n=len(chosen), stage=projects_svc.STAGE_LABELS[to_stage]), "success")
                return redirect(url_for(".funnel", year=year, _anchor=f"round-{recorded.id}"))
            status = 422
    elif form.is_submitted() and not going_back:
        status = 422
    return render_template("pool/round_form.html", form=form, year=year, stage=stage,
                           to_stage=to_stage, direction=direction, projects=projects,
                           chosen=chosen, years=projects_svc.years(s), locked=locked), status
