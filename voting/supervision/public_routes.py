"""The public supervision pages: the history by year and by congress, a year's projects with
filters, search and charts, one page per project (progress, reports, evaluation), the rule the
figures follow, and the year's open data as CSV/XLSX. Thin views over `public`, `opendata`
and `progress`; nothing here changes state."""

from __future__ import annotations

from decimal import Decimal

from flask import Response, abort, current_app, render_template, request
from flask_babel import gettext as _
from jinja2 import TemplateNotFound

from voting import db
from voting.pool import projects as projects_svc
from voting.supervision import charts, opendata, progress, public, rules
from voting.supervision.blueprint import bp


def _today():
    return progress.local_today(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def _has_template(name: str) -> bool:
    try:
        current_app.jinja_env.get_template(name)
    except TemplateNotFound:
        return False
    return True


@bp.app_context_processor
def _public_helpers():
    def candidate_projects(poll_id):
        """candidate id → project id, for linking a result's rows to the projects' pages."""
        try:
            return public.candidate_projects(db.session(), int(poll_id))
        except (TypeError, ValueError):
            return {}

    def supervision_progress(project):
        return progress.project_progress(db.session(), project, today=_today())

    return {"progress_labels": public.STATUS_LABELS, "progress_badges": public.STATUS_BADGES,
            "candidate_projects": candidate_projects,
            "supervision_progress": supervision_progress, "pct": _pct,
            "rules_percent": rules.percent, "rules_text": rules.text}


def _pct(value) -> str:
    """A completion as the pages show it: "100.73 %", or a dash."""
    return "—" if value is None else rules.percent(Decimal(value)) + "\u00a0%"


def status_chart(chart_id: str, counts: dict) -> charts.Chart:
    items = [(str(public.STATUS_LABELS[s]), n, f"status-{s or 'none'}")
             for s, n in counts.items()]
    return charts.count_bars(chart_id, _("Projects by status"), items,
                             head=(_("Status"), _("Projects")))


def completion_chart(chart_id: str, rows) -> charts.Chart:
    return charts.completion_bars(chart_id, _("Completion per project"),
                                  [(pp.project.title, pp.completion) for pp in rows],
                                  none_text=_("no figure yet"),
                                  head=(_("Project"), _("Completion")))


def target_charts(pp: progress.ProjectProgress) -> list[charts.Chart]:
    """One timeline chart per target: its completion per reporting period."""
    keys = [p.key for p in pp.schedule]
    out = []
    for i, tp in enumerate(pp.targets, start=1):
        points = {period: (got, done) for period, got, done in tp.history}
        periods = keys + [k for k in points if k not in keys]
        if not periods:
            continue
        out.append(charts.progress_columns(
            f"target-chart-{tp.target.id}",
            _("%(metric)s: completion by reporting period", metric=tp.target.metric),
            periods, points, tp.target.unit, none_text=_("no report"),
            head=(_("Period"), _("Achieved to date"), _("Completion"))))
    return out


# ---- pages ------------------------------------------------------------------------------

@bp.get("/years/")
def years():
    s = db.session()
    lines = public.history(s, today=_today())
    return render_template("supervision/years.html", lines=lines,
                           project_years={line.year for line in lines if line.total},
                           congresses=public.by_congress(s), this_year=public.this_year(s))


def _unit_arg() -> int | None:
    raw = (request.args.get("unit") or "").strip()
    return int(raw) if raw.isdigit() and len(raw) < 10 else None


@bp.get("/years/<int:year>")
def year(year: int):
    s = db.session()
    status = (request.args.get("status") or "").strip()
    if status not in (*rules.STATUSES, "none"):
        status = ""
    q = (request.args.get("q") or "").strip()[:100]
    view = public.year_view(s, year, today=_today(), field_=(request.args.get("field") or "")
                            .strip()[:40], status=status, unit_id=_unit_arg(), q=q)
    if not view.all_rows and not view.other_stages and year not in projects_svc.years(s):
        abort(404)
    return render_template("supervision/year.html", view=view,
                           status_chart=status_chart("status-chart", view.counts),
                           completion_chart=completion_chart("completion-chart", view.rows),
                           evaluation=opendata.year_evaluation(s, year),
                           statuses=rules.STATUSES)


@bp.get("/years/<int:year>/projects.<fmt>")
def year_download(year: int, fmt: str):
    if fmt not in opendata.FORMATS:
        abort(404)
    body, mimetype = opendata.export(db.session(), year, fmt, today=_today())
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": f"attachment; filename=supervision-{year}.{fmt}"})


@bp.get("/projects/<int:project_id>")
def project(project_id: int):
    s = db.session()
    p = projects_svc.get_project(s, project_id)
    pp = progress.project_progress(s, p, today=_today())
    evaluation = opendata.evaluation_of(s, p.id)
    overview = charts.completion_bars(
        "targets-chart", _("Completion per target"),
        [(tp.target.metric, tp.state.completion) for tp in pp.targets],
        none_text=_("no figure yet"), head=(_("Target"), _("Completion"))) if pp.targets else None
    return render_template("supervision/project.html", project=p, pp=pp, evaluation=evaluation,
                           evaluation_partial=_has_template("supervision/_evaluation.html"),
                           overview=overview, target_charts=target_charts(pp),
                           history=projects_svc.stage_history(s, p.id))


def worked_example(s) -> dict | None:
    """A project of the open data with reported figures, to show the rule applied."""
    year = public.this_year(s)
    for y in ([year] if year else []) + [y for y in projects_svc.years(s) if y != year]:
        rows = progress.projects_progress(s, progress.year_projects(s, y), today=_today())
        usable = [pp for pp in rows if pp.completion is not None and any(
            tp.state.achieved is not None and tp.state.target for tp in pp.targets)]
        if usable:
            # the most telling one: several targets with different shares in the mean
            pp = max(usable, key=lambda pp: (len({tp.state.contribution for tp in pp.targets}),
                                             len(pp.targets), -pp.project.id))
            return {"pp": pp, "json": opendata.detail(pp, None)}
    return None


@bp.get("/supervision/rules")
def rules_page():
    s = db.session()
    return render_template("supervision/rules.html", example=worked_example(s),
                           exceeded_at=rules.percent(rules.EXCEEDED_AT),
                           about_met_at=rules.percent(rules.ABOUT_MET_AT),
                           rule_text=rules.RULE_TEXT, qualifiers=QUALIFIER_WORDS)


# The qualifier words of rules.py, by the comparison they ask for.
QUALIFIER_WORDS = {kind: words for words, kind in rules._QUALIFIERS}


@bp.get("/projects/search")
def search():
    """Every year's selected projects whose title or content has the words asked for."""
    s = db.session()
    q = (request.args.get("q") or "").strip()[:100]
    rows = []
    if q:
        found = [p for p in projects_svc.search_projects(s, stage="selected", q=q)]
        rows = progress.projects_progress(s, found, today=_today())
    return render_template("supervision/search.html", q=q, rows=rows)
