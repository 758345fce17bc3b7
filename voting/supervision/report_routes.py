"""Reporting pages. The secretariat's: the dashboard of a year (`/supervision/`), its overdue
list as CSV/XLSX, the year's reporting schedule and a selected project's units. A unit's:
its projects and their periods (`/reports/`), the report form per project and period, and
the XLSX upload. Views are thin: the services decide (voting.supervision.schedules, reports,
report_import); figures come from `progress` and `dashboard`."""

from __future__ import annotations

from datetime import date

from flask import (Response, abort, current_app, flash, redirect, render_template, request,
                   url_for)
from flask_babel import gettext as _
from flask_login import current_user

from voting import db
from voting.core.years import year_in_range
from voting.auth.access import role_required
from voting.auth.models import Role
from voting.core.edge import committed
from voting.core.imports import ImportFlow, add_import_routes
from voting.core.tabular import export_csv, export_xlsx
from voting.db import utcnow
from voting.errors import Forbidden, NotFound
from voting.pool import projects as projects_svc
from voting.pool.units import may_report
from voting.supervision import dashboard, progress, report_import, reports, schedules
from voting.supervision.blueprint import bp
from voting.supervision.report_forms import (DELIVERY_LABELS, FREQUENCY_LABELS, AssignForm,
                                             ReportUploadForm, ScheduleForm, report_form,
                                             target_fields)

SECRETARIAT = Role.SECRETARIAT.value
UNIT = Role.UNIT.value
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _zone() -> str:
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


def _today():
    return progress.local_today(_zone())


@bp.app_context_processor
def _reporting_helpers():
    return {"delivery_labels": DELIVERY_LABELS, "frequency_labels": FREQUENCY_LABELS}


def _download(body: bytes, mimetype: str, filename: str) -> Response:
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": f"attachment; filename={filename}", "Cache-Control": "no-store"})


# ---- the secretariat ---------------------------------------------------------------------

@bp.get("/supervision/")
@role_required(SECRETARIAT)
def dashboard_page():
    """Every selected project of the chosen year: completion, status, last report, overdue."""
    s = db.session()
    years = dashboard.years(s)
    year = request.args.get("year", type=int)
    if not year_in_range(year):
        year = years[0] if years else _today().year
    board = dashboard.year_dashboard(s, year, today=_today(), zone=_zone())
    return render_template("supervision/dashboard.html", board=board,
                           years=sorted(set(years) | {year}, reverse=True), today=_today())


@bp.get("/supervision/<int:year>/overdue.<fmt>")
@role_required(SECRETARIAT)
def overdue_export(year: int, fmt: str):
    headers, rows = dashboard.overdue_table(dashboard.year_dashboard(
        db.session(), year, today=_today(), zone=_zone()))
    if fmt == "csv":
        return _download(export_csv(headers, rows), "text/csv; charset=utf-8",
                         f"overdue-{year}.csv")
    if fmt == "xlsx":
        return _download(export_xlsx(headers, rows, title=f"overdue-{year}"), XLSX,
                         f"overdue-{year}.xlsx")
    abort(404)


def _schedule_key(fields: dict) -> str:
    """The schedule a preview showed: saving applies it only if the fields still say so."""
    return f"{fields['frequency']}|{fields['due_day']}|{fields['final_deadline']}"


@bp.route("/supervision/<int:year>/schedule", methods=["GET", "POST"])
@role_required(SECRETARIAT)
def schedule(year: int):
    """The year's reporting schedule: set it (a new row each time) and the earlier ones."""
    s = db.session()
    current = progress.current_schedule(s, year)
    form = ScheduleForm(obj=current)
    if not form.is_submitted():
        form.reason.data = ""  # a change gives its own reason
        if current is None:
            form.final_deadline.data = date(year, 12, 31)
    change = None
    if form.validate_on_submit():
        # A change is previewed first (what it adds, removes, makes overdue), then applied.
        fields = {"year": year, "frequency": form.frequency.data, "due_day": form.due_day.data,
                  "final_deadline": form.final_deadline.data}
        previewed = _schedule_key(fields)
        apply = current is None or (request.form.get("step") == "apply"
                                    and request.form.get("previewed") == previewed)
        with committed(form) as outcome:
            schedules.check_schedule(**fields, reason=form.reason.data or "")
            if current is not None:
                change = schedules.schedule_change(s, **fields, today=_today())
            if apply:
                schedules.set_schedule(s, current_user, **fields, reason=form.reason.data or "",
                                       today=_today(),
                                       confirm_past=bool(form.confirm_past.data))
        if outcome.ok and apply:
            flash(_("The reporting schedule of %(year)s is set.", year=year), "success")
            return redirect(url_for(".schedule", year=year))
        status = 200 if outcome.ok else 422
    else:
        status = 422 if form.is_submitted() else 200
    return render_template("supervision/schedule.html", year=year, form=form, current=current,
                           periods=progress.schedule_periods(current), change=change,
                           previewed=_schedule_key(fields) if change is not None else "",
                           history=progress.schedule_history(s, year)), status


@bp.route("/supervision/projects/<int:project_id>/units", methods=["GET", "POST"])
@role_required(SECRETARIAT)
def assign_units(project_id: int):
    """A selected project's lead and responsible units: who reports on it."""
    s = db.session()
    project = projects_svc.get_project(s, project_id)
    form = AssignForm(data={"lead": project.lead_unit,
                            "responsible": "\n".join(u.name for u in project.units)})
    new_units: list[str] = []
    if form.validate_on_submit():
        lead, names = (form.lead.data or "").strip(), schedules.split_units(form.responsible.data)
        new_units = schedules.match_units(s, ([lead] if lead else []) + names)[1]
        with committed(form) as outcome:
            schedules.assign_units(s, current_user, project.id, lead=lead, responsible=names,
                                   confirm_new=bool(form.confirm_new.data))
        if outcome.ok:
            flash(_("The units of “%(title)s” are saved.", title=project.title), "success")
            lacking = schedules.units_without_account(s, project)
            if lacking:
                flash(_("No reporting account reports for %(names)s yet: attach one on the "
                        "units page, or nobody can report on this project for them.",
                        names="、".join(lacking)), "warning")
            return redirect(url_for(".assign_units", project_id=project.id))
    return render_template("supervision/assign.html", project=project, form=form,
                           new_units=new_units,
                           lacking=schedules.units_without_account(s, project)), (
        422 if form.is_submitted() else 200)


# ---- a responsible unit ------------------------------------------------------------------

@bp.get("/reports/")
@role_required(UNIT)
def unit_home():
    """The projects of the user's units, each period's due date and state, and the versions."""
    from voting.supervision import rectification

    s = db.session()
    rows = dashboard.user_projects(s, current_user, today=_today(), zone=_zone())
    open_rects = [r for r in rectification.unit_rows(s, current_user) if not r.closed]
    return render_template("supervision/unit_home.html", rows=rows, today=_today(),
                           rectifications=open_rects)


def _reportable(s, project_id: int, period: str):
    project = projects_svc.get_project(s, project_id)
    if not may_report(s, current_user, project.id):
        raise Forbidden(_("You do not report for this project's units."))
    the_period = next((p for p in progress.schedule_periods(
        progress.current_schedule(s, project.year)) if p.key == period), None)
    if project.stage != "selected" or the_period is None:
        raise NotFound(_("No such reporting period."))
    return project, the_period


@bp.route("/reports/<int:project_id>/<period>", methods=["GET", "POST"])
@role_required(UNIT)
def report(project_id: int, period: str):
    """The report form: achieved to date per target; filing again is a correction (the
    previous version's figures are filled in, as typed)."""
    s = db.session()
    project, the_period = _reportable(s, project_id, period)
    pp = progress.project_progress(s, project, today=_today())
    versions = [r for r in pp.reports if r.period == period]
    previous = versions[-1] if versions else None
    form = report_form(project, previous, pp.period_values.get(period))
    if form.validate_on_submit():
        values = {t.id: form[reports.value_field(t.id)].data or "" for t in project.targets}
        units = {t.id: form[reports.unit_field(t.id)].data for t in project.targets}
        with committed(form, raising=(Forbidden, NotFound)) as outcome:
            filed = reports.file_report(
                s, current_user, project_id=project.id, period=period, values=values,
                units=units, narrative=form.narrative.data, spending=form.spending.data,
                delivery=form.delivery.data or None, source="form", now=utcnow(),
                zone=_zone(), skip_unchanged=True)
            version, late = (filed.version, filed.late) if filed else (None, False)
        if outcome.ok:
            if version is None:
                flash(_("Nothing changed: the report for %(period)s stays version %(v)s, and "
                        "no new version is filed.", period=period,
                        v=versions[-1].version), "info")
            elif late:
                flash(_("Version %(v)s of the report for %(period)s is filed, after the due "
                        "date: it is marked late.", v=version, period=period), "warning")
            else:
                flash(_("Version %(v)s of the report for %(period)s is filed.", v=version,
                        period=period), "success")
            return redirect(url_for(".unit_home"))
    return render_template("supervision/report_form.html", project=project, period=the_period,
                           form=form, fields=target_fields(form, project), versions=versions,
                           next_version=len(versions) + 1, today=_today()), (
        422 if form.is_submitted() else 200)


def _reports_imported(preview) -> Response:
    flash(_("%(n)s report(s) filed from the file.", n=len(preview.to_file)), "success")
    if preview.skipped:
        flash(_("%(n)s report(s) unchanged, skipped: %(which)s.", n=len(preview.skipped),
                which="；".join(f"{g.title} {g.period}" for g in preview.skipped)), "info")
    return redirect(url_for(".unit_home"))


def _import_flow() -> ImportFlow:
    return ImportFlow(
        template="supervision/report_import.html", upload_form=ReportUploadForm,
        check=lambda s, filename, data: report_import.check(s, current_user, filename, data,
                                                            today=_today()),
        apply=lambda s, actor, filename, data: report_import.apply(
            s, actor, filename, data, now=utcnow(), zone=_zone()),
        done=_reports_imported,
        context={"columns": report_import.COLUMNS, "shown_header": report_import.shown_header,
                 "template_urls": {fmt: url_for(".report_template", fmt=fmt)
                                   for fmt in ("xlsx", "csv")}})


add_import_routes(bp, "/reports/import", _import_flow, upload="report_import",
                  confirm="report_import_confirm", guard=role_required(UNIT))


@bp.get("/reports/template.<fmt>")
@role_required(UNIT)
def report_template(fmt: str):
    """The upload template, filled in with the user's projects and targets."""
    headers, rows = report_import.template_rows(db.session(), current_user, today=_today(),
                                                zone=_zone())
    if fmt == "xlsx":
        return _download(export_xlsx(headers, rows, title="reports"), XLSX, "reports.xlsx")
    if fmt == "csv":
        return _download(export_csv(headers, rows), "text/csv; charset=utf-8", "reports.csv")
    abort(404)
