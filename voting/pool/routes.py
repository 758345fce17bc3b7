"""Public pages (the funnel, a project, the suggestion form) and the secretariat's pages
(projects, moderation, merge, import/export, screening rounds)."""

from __future__ import annotations

from datetime import date

from flask import (Blueprint, Response, abort, current_app, flash, make_response, redirect,
                   render_template, request, url_for)
from flask_babel import gettext as _
from flask_login import current_user

from voting import db
from voting.auth.access import role_required
from voting.auth.models import Role
from voting.core.tabular import ImportRefused
from voting.errors import DomainError, Invalid
from voting.extensions import limiter
from voting.pool import services
from voting.core.forms import CarriedFileForm, show_error
from voting.pool.forms import (MergeForm, ModerateForm, ProjectForm,
                               RoundForm, SuggestionForm, UploadForm)
from voting.pool.models import STAGES

bp = Blueprint("pool", __name__)

SECRETARIAT = Role.SECRETARIAT.value
IMPORT_KINDS = {"projects": (services.check_projects, services.import_projects),
                "suggestions": (services.check_suggestions, services.import_suggestions)}


@bp.app_context_processor
def _labels():
    return {"stage_labels": services.STAGE_LABELS, "kind_labels": services.KIND_LABELS,
            "status_labels": services.STATUS_LABELS, "plain_number": services.plain_number}


def _year_arg(s) -> int:
    year = request.values.get("year", type=int)
    if year:
        return year
    known = services.years(s)
    return known[0] if known else date.today().year


# ---- public --------------------------------------------------------------------------

@bp.get("/pool/")
def funnel():
    s = db.session()
    year = _year_arg(s)
    result = services.funnel(s, year)
    widths = {stage: services.reached(result.counts, stage) for stage in STAGES}
    stage_projects = {stage: services.projects_in_stage(s, year, stage)
                      for stage in ("candidate", "alternative")}
    return render_template("pool/funnel.html", funnel=result, widths=widths, year=year,
                           stage_projects=stage_projects,
                           years=sorted(set(services.years(s)) | {year}, reverse=True),
                           stages=STAGES)


@bp.get("/pool/projects/<int:project_id>")
def project(project_id: int):
    s = db.session()
    p = services.get_project(s, project_id)
    return render_template("pool/project.html", project=p,
                           history=services.stage_history(s, p.id),
                           origins=[x for x in p.suggestions if x.status == "merged"])


@bp.get("/pool/projects-<int:year>.<fmt>")
def open_data(year: int, fmt: str):
    """The year's projects with their targets and stages, as open data (nothing private)."""
    headers, rows = services.project_table(db.session(), year=year)
    body, mimetype = services.export(headers, rows, fmt, title=f"projects-{year}")
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": f"attachment; filename=projects-{year}.{fmt}"})


def _suggestion_limit() -> str:
    return current_app.config["SUGGESTION_RATE_LIMIT"]


def _suggestion_refused(_limit):
    """Over the limit: the form again with what was typed in it, not a bare error page."""
    flash(_("Too many suggestions from here in a short time. Nothing was sent; your text is "
            "kept below, please send it again later."), "error")
    page = render_template("pool/suggest.html", form=SuggestionForm(),
                           published=services.public_suggestions(db.session()))
    return make_response(page, 429)


@bp.route("/pool/suggest", methods=["GET", "POST"])
@limiter.limit(_suggestion_limit, methods=["POST"], on_breach=_suggestion_refused)
def suggest():
    s = db.session()
    form = SuggestionForm()
    status = 200
    if form.validate_on_submit():
        try:
            services.submit_suggestion(
                s, submitter_kind=form.submitter_kind.data, title=form.title.data,
                body=form.body.data, submitter_name=form.submitter_name.data or "",
                submitter_contact=form.submitter_contact.data or "")
            s.commit()
            flash(_("Thank you. Your suggestion was received; the secretariat reviews every "
                    "suggestion before it is shown here or taken into the pool."), "success")
            return redirect(url_for(".suggest"))
        except DomainError as exc:
            s.rollback()
            show_error(form, exc)
    if form.is_submitted():
        status = 422
    return render_template("pool/suggest.html", form=form,
                           published=services.public_suggestions(s)), status


# ---- projects ------------------------------------------------------------------------

@bp.get("/pool/manage")
@role_required(SECRETARIAT)
def manage():
    s = db.session()
    year = request.args.get("year", type=int)
    stage = request.args.get("stage") if request.args.get("stage") in STAGES else None
    field_ = request.args.get("field") if request.args.get("field") in services.FIELDS else None
    q = request.args.get("q", "").strip()
    projects = services.search_projects(s, year=year, stage=stage, field_=field_, q=q)
    return render_template("pool/manage.html", projects=projects, year=year, stage=stage,
                           field_=field_, q=q, years=services.years(s), stages=STAGES,
                           fields=services.FIELDS,
                           suggestion_counts=services.suggestion_counts(s))


def _render_project_form(form, project=None, status: int = 200):
    return render_template("pool/project_form.html", form=form, project=project), status


@bp.route("/pool/manage/projects/new", methods=["GET", "POST"])
@role_required(SECRETARIAT)
def new_project():
    form = ProjectForm()
    if form.validate_on_submit():
        s = db.session()
        try:
            created = services.create_project(s, current_user, form.values())
            s.commit()
            flash(_("Project “%(title)s” added to the reserve pool of %(year)s.",
                    title=created.title, year=created.year), "success")
            return redirect(url_for(".project", project_id=created.id))
        except DomainError as exc:
            s.rollback()
            show_error(form, exc)
    return _render_project_form(form, status=422 if form.is_submitted() else 200)


@bp.route("/pool/manage/projects/<int:project_id>/edit", methods=["GET", "POST"])
@role_required(SECRETARIAT)
def edit_project(project_id: int):
    s = db.session()
    p = services.get_project(s, project_id)
    form = ProjectForm() if request.method == "POST" else ProjectForm.of(p)
    if form.validate_on_submit():
        try:
            services.update_project(s, current_user, p.id, form.values())
            s.commit()
            flash(_("Saved."), "success")
            return redirect(url_for(".project", project_id=p.id))
        except DomainError as exc:
            s.rollback()
            show_error(form, exc)
    return _render_project_form(form, p, status=422 if form.is_submitted() else 200)


# ---- suggestions ---------------------------------------------------------------------

@bp.get("/pool/manage/suggestions")
@role_required(SECRETARIAT)
def suggestions():
    s = db.session()
    status = request.args.get("status", "pending")
    status = status if status in services.STATUS_LABELS else None
    return render_template("pool/suggestions.html", status=status,
                           suggestions=services.suggestions_by_status(s, status),
                           counts=services.suggestion_counts(s), form=ModerateForm(formdata=None))


@bp.post("/pool/manage/suggestions/<int:suggestion_id>/moderate")
@role_required(SECRETARIAT)
def moderate(suggestion_id: int):
    s = db.session()
    form = ModerateForm()
    if not form.validate_on_submit() or form.decision.data not in ("approve", "reject"):
        abort(400)
    try:
        services.moderate_suggestion(s, current_user, suggestion_id,
                                     approve=form.decision.data == "approve", note=form.note.data)
        s.commit()
        flash(_("Suggestion approved: it is now public.") if form.decision.data == "approve"
              else _("Suggestion rejected."), "success")
    except DomainError as exc:
        s.rollback()
        flash(str(exc.message), "error")
    return redirect(url_for(".suggestions"))


@bp.route("/pool/manage/suggestions/<int:suggestion_id>/merge", methods=["GET", "POST"])
@role_required(SECRETARIAT)
def merge(suggestion_id: int):
    s = db.session()
    suggestion = services.get_suggestion(s, suggestion_id)
    existing = MergeForm(prefix="existing")
    new = ProjectForm(prefix="new") if request.method == "POST" else ProjectForm(
        prefix="new", formdata=None, data={"title": suggestion.title, "content": suggestion.body,
                                           "year": date.today().year})
    mode = request.form.get("mode")
    form = existing if mode == "existing" else new
    if request.method == "POST" and form.validate_on_submit():
        try:
            if mode == "existing":
                if not existing.project_id.data:
                    raise Invalid(_("Enter the ID of a project."), field="project_id")
                target = services.merge_suggestion(s, current_user, suggestion.id,
                                                   project_id=existing.project_id.data,
                                                   note=existing.note.data)
            else:
                target = services.merge_suggestion(s, current_user, suggestion.id,
                                                   new_project=new.values())
            s.commit()
            flash(_("The suggestion was merged into “%(title)s”.", title=target.title), "success")
            return redirect(url_for(".project", project_id=target.id))
        except DomainError as exc:
            s.rollback()
            show_error(form, exc)
    status = 422 if request.method == "POST" else 200
    return render_template("pool/merge.html", suggestion=suggestion, existing=existing, new=new,
                           mode=mode), status


# ---- import and export ---------------------------------------------------------------

def _render_import(kind: str, form, *, preview=None, errors=(), confirm=None, status=200):
    columns = services.PROJECT_COLUMNS if kind == "projects" else services.SUGGESTION_COLUMNS
    return render_template("pool/import.html", kind=kind, form=form, preview=preview,
                           errors=list(errors), confirm=confirm, columns=columns), status


@bp.route("/pool/manage/import/<kind>", methods=["GET", "POST"])
@role_required(SECRETARIAT)
def import_file(kind: str):
    """Upload and check: every row and every problem is shown; nothing changes yet."""
    if kind not in IMPORT_KINDS:
        abort(404)
    form = UploadForm()
    if not form.validate_on_submit():
        return _render_import(kind, form, status=422 if form.is_submitted() else 200)
    upload = form.file.data
    filename, data = upload.filename or "", upload.read()
    try:
        preview = IMPORT_KINDS[kind][0](db.session(), filename, data)
    except DomainError as exc:
        form.file.errors.append(str(exc.message))
        return _render_import(kind, form, status=422)
    if not preview.ok:
        return _render_import(kind, form, preview=preview, errors=preview.errors, status=422)
    confirm = CarriedFileForm.carrying(filename, data)
    return _render_import(kind, form, preview=preview, confirm=confirm)


@bp.post("/pool/manage/import/<kind>/confirm")
@role_required(SECRETARIAT)
def confirm_import(kind: str):
    """Checks the same file again (the pool may have changed since) and imports it all."""
    if kind not in IMPORT_KINDS:
        abort(404)
    confirm = CarriedFileForm()
    data = confirm.submitted_file()
    if data is None:
        abort(400)
    s = db.session()
    upload_form = UploadForm(formdata=None)
    try:
        preview = IMPORT_KINDS[kind][1](s, current_user, filename=confirm.filename.data, data=data)
        s.commit()
    except ImportRefused as exc:
        s.rollback()
        return _render_import(kind, upload_form, errors=exc.errors, status=422)
    except DomainError as exc:
        s.rollback()
        flash(str(exc.message), "error")
        return _render_import(kind, upload_form, status=422)
    if kind == "projects":
        flash(_("Imported: %(created)s projects created, %(updated)s updated.",
                created=preview.count("create"), updated=preview.count("update")), "success")
        return redirect(url_for(".manage"))
    flash(_("Imported %(n)s suggestions into the moderation queue.", n=len(preview.rows)),
          "success")
    return redirect(url_for(".suggestions"))


@bp.get("/pool/manage/export/<what>.<fmt>")
@role_required(SECRETARIAT)
def export(what: str, fmt: str):
    s = db.session()
    if what == "projects":
        headers, rows = services.project_table(s, year=request.args.get("year", type=int))
    elif what == "suggestions":
        headers, rows = services.suggestion_table(s)
    else:
        abort(404)
    body, mimetype = services.export(headers, rows, fmt, title=what)
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": f"attachment; filename={what}.{fmt}", "Cache-Control": "no-store"})


@bp.get("/pool/manage/template/<kind>.<fmt>")
@role_required(SECRETARIAT)
def template(kind: str, fmt: str):
    if kind not in IMPORT_KINDS:
        abort(404)
    columns = services.PROJECT_COLUMNS if kind == "projects" else services.SUGGESTION_COLUMNS
    body, mimetype = services.export([str(c.label) for c in columns], [], fmt, title=kind)
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
    to_stage = services.next_stage(stage, direction)
    if to_stage is None:
        abort(404)
    projects = services.projects_in_stage(s, year, stage)
    form = RoundForm()
    chosen = set(request.form.getlist("project_id", type=int))
    status = 200
    going_back = "back" in request.form  # from the confirmation page, to change the choice
    locked = services.on_unpublished_polls(s, [p.id for p in projects])
    if not going_back and form.validate_on_submit():
        if not chosen:
            flash(_("Choose at least one project."), "error")
            status = 422
        elif chosen & locked.keys():  # refused before the confirmation page, as the service will
            try:
                services.check_round(s, chosen=chosen)
            except DomainError as exc:
                show_error(form, exc)
            status = 422
        elif form.confirmed.data != "yes":
            return render_template("pool/round_confirm.html", form=form, year=year,
                                   stage=stage, to_stage=to_stage, direction=direction,
                                   moved=[p for p in projects if p.id in chosen],
                                   kept=[p for p in projects if p.id not in chosen])
        else:
            try:
                recorded = services.record_round(
                    s, current_user, year=year, from_stage=stage, project_ids_advanced=chosen,
                    body=form.body.data, decided_on=form.decided_on.data,
                    rationale=form.rationale.data, direction=direction)
                s.commit()
                flash(_("The screening round was recorded: %(n)s projects moved to “%(stage)s”.",
                        n=len(chosen), stage=services.STAGE_LABELS[to_stage]), "success")
                return redirect(url_for(".funnel", year=year, _anchor=f"round-{recorded.id}"))
            except DomainError as exc:
                s.rollback()
                show_error(form, exc)
                status = 422
    elif form.is_submitted() and not going_back:
        status = 422
    return render_template("pool/round_form.html", form=form, year=year, stage=stage,
                           to_stage=to_stage, direction=direction, projects=projects,
                           chosen=chosen, years=services.years(s), locked=locked), status
