"""The public supervision pages: the history by year and by congress, a year's projects with
filters, search and charts, one page per project (progress, reports, evaluation), the rule the
figures follow, and the year's open data as CSV/XLSX. Thin views over `public`, `opendata`
and `progress`; nothing here changes state."""

from __future__ import annotations

from decimal import Decimal

from flask import Response, abort, current_app, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from jinja2 import TemplateNotFound

from voting import db
from voting.core import page_cache
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

    def seed_dated(project, report):
        """A seed report dated by its source document (else: the time it was loaded)."""
        return public.seed_report_dated(project, report,
                                        current_app.config["BABEL_DEFAULT_TIMEZONE"])

    def stage_names(project):
        """The stage words for this project (票决入选 only for what the deputies voted)."""
        return public.stage_names(db.session(), project)

    return {"progress_labels": public.STATUS_LABELS, "progress_badges": public.STATUS_BADGES,
            "candidate_projects": candidate_projects,
            "supervision_progress": supervision_progress, "pct": _pct,
            "stage_names": stage_names, "seed_dated": seed_dated,
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
            no_target_text=_("no target value"),
            head=(_("Period"), _("Achieved to date"), _("Completion"))))
    return out


def _target_completion(tp: progress.TargetProgress):
    """A target's completion for the overview chart; a figure without a target value to
    compare with shows that figure, "no target value", rather than "no figure yet"."""
    if tp.state.completion is None and tp.state.achieved is not None:
        return _("%(v)s %(u)s, no target value", v=rules.text(tp.state.achieved),
                 u=tp.target.unit)
    return tp.state.completion


# ---- pages ------------------------------------------------------------------------------

@bp.get("/years/")
def years():
    page_cache.live()
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
    page_cache.live()
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
                           ratings=public.year_ratings(s, year, view.all_rows),
                           selection=public.selection(s, year, [pp.project for pp in view.all_rows]),
                           reported=public.reported_count(view.all_rows),
                           statuses=rules.STATUSES)


def _download(year: int, fmt: str, table: str):
    if fmt not in opendata.FORMATS:
        abort(404)
    body, content_type = opendata.export(db.session(), year, fmt, today=_today(), table=table)
    name = f"supervision-{year}" + ("" if table == "projects" else f"-{table}")
    # content_type, not mimetype: Flask would add a second "; charset=utf-8" to a text type
    return Response(body, content_type=content_type, headers={
        "Content-Disposition": f"attachment; filename={name}.{fmt}"})


@bp.get("/years/<int:year>/projects.<fmt>")
def year_download(year: int, fmt: str):
    """The year's projects as a spreadsheet: the rows of the JSON list."""
    return _download(year, fmt, "projects")


@bp.get("/years/<int:year>/targets.<fmt>")
def year_targets_download(year: int, fmt: str):
    """One row per target, so that every completion can be recomputed from the file."""
    return _download(year, fmt, "targets")


@bp.get("/years/<int:year>/reports.<fmt>")
def year_reports_download(year: int, fmt: str):
    """One row per figure of every report version (corrections included)."""
    return _download(year, fmt, "reports")


@bp.get("/projects/<int:project_id>")
def project(project_id: int):
    page_cache.live()
    s = db.session()
    p = projects_svc.get_project(s, project_id)
    pp = progress.project_progress(s, p, today=_today())
    evaluation = opendata.evaluation_of(s, p.id)
    overview = charts.completion_bars(
        "targets-chart", _("Completion per target"),
        [(tp.target.metric, _target_completion(tp)) for tp in pp.targets],
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
                           rule_text=rules.RULE_TEXT, qualifiers=QUALIFIER_WORDS,
                           rule_words=RULE_WORDS, rule_values={
                               "completion": _("achieved to date ÷ annual target × 100, to "
                                               "two decimals, rounded half up"),
                               "project": _("the plain mean of the targets' completions, each "
                                            "capped at 100 %, every target weighing the same"),
                               "exceeded_at": f"{rules.percent(rules.EXCEEDED_AT)} %",
                               "about_met_at": f"{rules.percent(rules.ABOUT_MET_AT)} %"})


# rules.RULE_TEXT's keys in words (the code's own text follows each, labelled).
RULE_WORDS = {"completion": _l("A target's completion"),
              "project": _l("A project's completion"),
              "exceeded_at": _l("A target is exceeded from"),
              "about_met_at": _l("A target “about” (左右) a number is met from")}


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
