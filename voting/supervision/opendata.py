"""The supervision open data of docs/protocol.md: a year's projects and one project's detail as
JSON, and the same rows as CSV and XLSX. Every figure comes from `progress` (so the pages and
the open data never disagree) and travels as the decimal string `rules` writes, so that anyone
can recompute it from the same document.

Plain arguments; no Flask, except the lazy labels of the download's header row.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timezone
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from voting.core import tabular
from voting.core.years import YEAR_MESSAGE, YEAR_MAX, YEAR_MIN
from voting.errors import Invalid
from voting.pool import projects as projects_svc
from voting.pool.models import Project
from voting.supervision import progress, rules

FORMATS = ("csv", "xlsx")


def parse_year(raw) -> int:
    """The `year` query parameter, or Invalid with the message a person can act on: missing,
    not a number, or out of range (a huge number too, without ever reaching the database)."""
    if raw is None or not str(raw).strip():
        raise Invalid(_l("Give the year, e.g. ?year=2023."), field="year")
    text = str(raw).strip()
    if not re.fullmatch(r"\d{1,6}", text):
        raise Invalid(_l("The year must be a whole number such as 2023."), field="year")
    year = int(text)
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise Invalid(YEAR_MESSAGE, field="year")
    return year


def _pct(value: Decimal | None) -> str | None:
    return None if value is None else rules.percent(value)


def _iso(moment) -> str | None:
    if moment is None:
        return None
    if isinstance(moment, datetime):
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        return moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
    if isinstance(moment, date):
        return moment.isoformat()
    return str(moment)


def _jsonable(value):
    """H4's evaluation dict as JSON: dates as ISO text, dict keys as strings."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (datetime, date)):
        return _iso(value)
    if isinstance(value, Decimal):
        return rules.text(value)
    return value


def unit_names(project: Project) -> list[str]:
    """The responsible units in the source's order (the entities, else the display copy)."""
    names = [u.name for u in project.units]
    if names:
        return names
    return [n.strip() for n in (project.responsible_units or "").split("、") if n.strip()]


def lead_name(project: Project) -> str:
    return project.lead.name if project.lead is not None else (project.lead_unit or "")


def evaluation_of(db: Session, project_id: int) -> dict | None:
    """The project's published evaluation (H4's `evaluation.project_evaluation`), or None."""
    try:
        from voting.supervision import evaluation
    except ImportError:  # pragma: no cover - the evaluation part is optional
        return None
    fn = getattr(evaluation, "project_evaluation", None)
    return fn(db, project_id) if fn else None


def year_evaluation(db: Session, year: int) -> dict | None:
    try:
        from voting.supervision import evaluation
    except ImportError:  # pragma: no cover
        return None
    fn = getattr(evaluation, "year_evaluation", None)
    return fn(db, year) if fn else None


# ---- JSON -----------------------------------------------------------------------------------

def summary(pp: progress.ProjectProgress) -> dict:
    """One row of the year list."""
    p = pp.project
    return {"id": p.id, "title": p.title, "year": p.year, "stage": p.stage, "field": p.field,
            "lead_unit": lead_name(p), "responsible_units": unit_names(p),
            "completion": _pct(pp.completion), "status": pp.status}


def year_document(db: Session, year: int, *, today: date) -> dict:
    """`GET /api/v1/projects?year=YYYY`: every project of the year, all stages."""
    rows = progress.projects_progress(db, progress.year_projects(db, year, stage=None),
                                      today=today)
    return {"year": year, "projects": [summary(pp) for pp in rows]}


def _completion_source(state: rules.TargetState) -> str | None:
    """Where a target's completion comes from: achieved ÷ target, or the source document's
    own percent (a past year that gave no annual value)."""
    if state.achieved is not None and state.target:
        return "achieved_over_target"
    if state.stated is not None:
        return "stated"
    return None


def target_row(tp: progress.TargetProgress) -> dict:
    t, state = tp.target, tp.state
    return {"id": t.id, "metric": t.metric, "unit": t.unit,
            "target": rules.text(t.value), "achieved": rules.text(state.achieved),
            "completion": _pct(state.completion),
            # beside the protocol's fields: how the figure was reached
            "completion_source": _completion_source(state),
            "qualifier": state.qualifier, "met": state.met,
            "contribution": _pct(state.contribution),
            "history": [{"period": period, "achieved": rules.text(got),
                         "completion": _pct(done)} for period, got, done in tp.history]}


def report_row(report) -> dict:
    return {"period": report.period, "version": report.version,
            "submitted": _iso(report.submitted_at), "late": bool(report.late),
            "values": {str(v.target_id): v.achieved for v in report.values},
            "narrative": report.narrative,
            # beside the protocol's fields
            "due": _iso(report.due),
            "days_late": (rules.days_late(report.due, report.submitted_at.date())
                          if report.late and report.due and report.submitted_at else 0),
            "unit": report.unit.name if report.unit is not None else None,
            "entered": {str(v.target_id): {"value": v.entered, "unit": v.entered_unit}
                        for v in report.values},
            "stated_completion": {str(v.target_id): v.stated_completion for v in report.values
                                  if v.stated_completion is not None},
            "spending_wan_yuan": rules.text(report.spending_wan_yuan),
            "delivery": report.delivery, "source": report.source}


def project_document(db: Session, project_id: int, *, today: date) -> dict:
    """`GET /api/v1/projects/{id}` (NotFound for an unknown id)."""
    project = projects_svc.get_project(db, project_id)
    pp = progress.project_progress(db, project, today=today)
    return detail(pp, evaluation_of(db, project.id))


def detail(pp: progress.ProjectProgress, evaluation: dict | None) -> dict:
    p = pp.project
    return {**summary(pp), "content": p.content, "significance": p.significance,
            "targets": [target_row(tp) for tp in pp.targets],
            "schedule": [{"period": per.key, "due": per.due.isoformat()} for per in pp.schedule],
            "reports": [report_row(r) for r in pp.reports],
            "evaluation": _jsonable(evaluation) if evaluation else None,
            # beside the protocol's fields
            "investment_wan_yuan": rules.text(p.investment_wan_yuan),
            "source": p.source, "elapsed": _pct(pp.elapsed), "year_over": pp.year_over,
            "overdue": [{"period": o.period.key, "due": o.period.due.isoformat(),
                         "days": o.days} for o in pp.overdue],
            "rule": "/supervision/rules"}


# ---- CSV / XLSX -----------------------------------------------------------------------------

HEADERS = (
    ("id", _l("ID")), ("title", _l("Title")), ("year", _l("Year")), ("stage", _l("Stage")),
    ("field", _l("Field")), ("lead_unit", _l("Lead unit")),
    ("responsible_units", _l("Responsible units")), ("completion", _l("Completion (%)")),
    ("status", _l("Status")),
)


def year_table(db: Session, year: int, *, today: date) -> tuple[list[str], list[list]]:
    """The year list's rows for a spreadsheet: the same values as the JSON (units joined
    with 、), headers in the reader's language with the JSON key after them."""
    doc = year_document(db, year, today=today)
    headers = [f"{label} ({key})" for key, label in HEADERS]
    rows = []
    for row in doc["projects"]:
        rows.append([row["id"], row["title"], row["year"], row["stage"], row["field"],
                     row["lead_unit"], "、".join(row["responsible_units"]),
                     row["completion"] or "", row["status"] or ""])
    return headers, rows


TARGET_HEADERS = (
    ("project_id", _l("Project ID")), ("project_title", _l("Project")),
    ("target_id", _l("Target ID")), ("metric", _l("Target")), ("unit", _l("Unit")),
    ("target", _l("Annual target")), ("achieved", _l("Achieved to date")),
    ("completion", _l("Completion (%)")), ("completion_source", _l("Completion source")),
    ("qualifier", _l("Qualifier")), ("met", _l("Met")), ("contribution", _l("Counts as (%)")),
    ("status", _l("Project status")),
)

REPORT_HEADERS = (
    ("project_id", _l("Project ID")), ("project_title", _l("Project")),
    ("period", _l("Period")), ("version", _l("Version")), ("submitted", _l("Submitted")),
    ("source", _l("Report source")), ("late", _l("Late")), ("due", _l("Due")),
    ("days_late", _l("Days late")), ("unit", _l("Unit")),
    ("target_id", _l("Target ID")), ("metric", _l("Target")), ("achieved", _l("Achieved")),
    ("target_unit", _l("Target unit")), ("entered", _l("Entered")),
    ("entered_unit", _l("Entered unit")), ("stated_completion", _l("Stated completion (%)")),
    ("counts", _l("Gives the period's figure")),
    ("spending_wan_yuan", _l("Spent to date (10,000 yuan)")), ("delivery", _l("Delivery")),
)

TABLES = ("projects", "targets", "reports")


def _headers(pairs) -> list[str]:
    return [f"{label} ({key})" for key, label in pairs]


def _flag(value) -> str:
    return "" if value is None else ("true" if value else "false")


def _year_rows(db: Session, year: int, *, today: date) -> list[progress.ProjectProgress]:
    return progress.projects_progress(db, progress.year_projects(db, year, stage=None),
                                      today=today)


def target_table(db: Session, year: int, *, today: date) -> tuple[list[str], list[list]]:
    """One row per target of the year's projects, with the figures of `target_row` (the
    project JSON): target ÷ achieved gives the completion, the contributions the project's."""
    rows = []
    for pp in _year_rows(db, year, today=today):
        for tp in pp.targets:
            t = target_row(tp)
            rows.append([pp.project.id, pp.project.title, t["id"], t["metric"], t["unit"],
                         t["target"] or "", t["achieved"] or "", t["completion"] or "",
                         t["completion_source"] or "", t["qualifier"] or "", _flag(t["met"]),
                         t["contribution"] or "", pp.status or ""])
    return _headers(TARGET_HEADERS), rows


def report_table(db: Session, year: int, *, today: date) -> tuple[list[str], list[list]]:
    """One row per figure of every report version (by project, period, version): the raw
    material of every completion. `counts` says whether this version's figure is the one the
    period uses (the newest version naming the target)."""
    rows = []
    for pp in _year_rows(db, year, today=today):
        targets = {t.id: t for t in pp.project.targets}
        for report in pp.reports:
            r = report_row(report)
            base = [pp.project.id, pp.project.title, r["period"], r["version"],
                    r["submitted"] or "", r["source"] or "", _flag(r["late"]), r["due"] or "",
                    r["days_late"], r["unit"] or ""]
            tail = [r["spending_wan_yuan"] or "", r["delivery"] or ""]
            if not report.values:
                rows.append(base + [""] * 8 + tail)
            for v in report.values:
                t = targets.get(v.target_id)
                counts = pp.period_values.get(report.period, {}).get(v.target_id) is v
                rows.append(base + [v.target_id, t.metric if t else "", v.achieved,
                                    t.unit if t else "", v.entered or "", v.entered_unit or "",
                                    v.stated_completion or "", _flag(counts)] + tail)
    return _headers(REPORT_HEADERS), rows


def export(db: Session, year: int, fmt: str, *, today: date,
           table: str = "projects") -> tuple[bytes, str]:
    """(body, content type) of one of the year's tables (projects, targets, report values)
    as CSV or XLSX; formulas are neutralised by `voting.core.tabular` (a title starting
    with = stays text)."""
    make = {"projects": year_table, "targets": target_table, "reports": report_table}[table]
    headers, rows = make(db, year, today=today)
    if fmt == "csv":
        return tabular.export_csv(headers, rows), "text/csv; charset=utf-8"
    if fmt == "xlsx":
        return (tabular.export_xlsx(headers, rows, title=f"{table}-{year}"),
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    raise Invalid(_l("Download as .csv or .xlsx."))
