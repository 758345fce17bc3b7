"""CSV/XLSX import and export of projects and suggestions.

An import is checked whole first (`check_*`, changing nothing) and then applied all rows or
none (`import_*`); exports use the same columns, so an exported file imports back.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from voting.audit.services import record
from voting.core.tabular import (Column, ImportResult, RowError, export_csv, export_xlsx,
                                 max_length, parse_table, read_rows)
from voting.errors import Conflict, Invalid, NotFound
from voting.i18n import local_time_text
from voting.pool.models import Project
from voting.pool.units import check_targets_unchanged
from voting.pool.projects import (STAGE_LABELS, apply_values, get_project, search_projects,
                                  stage_history)
from voting.pool.suggestions import (KIND_LABELS, STATUS_LABELS, submit_suggestion,
                                     suggestions_by_status)
from voting.pool.values import (CONTACT_MAX, FIELDS, NAME_MAX, SOURCE_MAX, TEXT_MAX, TITLE_MAX,
                                UNIT_MAX, ProjectValues, clean_values, format_targets,
                                parse_investment, parse_targets, parse_year, split_units)


def _parse_id(cell: str) -> int:
    try:
        value = int(cell)
    except ValueError:
        raise ValueError(_("“%(v)s” is not a whole number.", v=cell)) from None
    if value < 1:
        raise ValueError(_("“%(v)s” is not a whole number.", v=cell))
    return value


def _parse_field(cell: str) -> str:
    if cell not in FIELDS:
        raise ValueError(_("“%(v)s” is not one of: %(kinds)s.", v=cell, kinds="、".join(FIELDS)))
    return cell


def _parse_kind(cell: str) -> str:
    key = cell.strip().lower()
    for kind, label in KIND_LABELS.items():
        if key in (kind, str(label).lower(), _KIND_ZH[kind]):
            return kind
    raise ValueError(_("“%(v)s” is not one of: %(kinds)s.", v=cell,
                       kinds="、".join(str(v) for v in KIND_LABELS.values())))


# Chinese names accepted in files whatever the interface language.
_KIND_ZH = {"public": "市民群众", "deputy": "人大代表", "cppcc": "政协委员", "adviser": "决策咨询委成员"}
PROJECT_COLUMNS = (
    Column("id", _l("ID"), aliases=("编号", "项目编号", "ID"), parse=_parse_id),
    Column("title", _l("Title"), aliases=("项目名称", "名称", "Title"), required=True,
           parse=max_length(TITLE_MAX)),
    Column("year", _l("Year"), aliases=("年度", "年份", "Year"), required=True,
           parse=parse_year),
    Column("field", _l("Field"), aliases=("领域", "Field"), parse=_parse_field),
    Column("content", _l("Content"), aliases=("内容", "Content"), parse=max_length(TEXT_MAX)),
    Column("significance", _l("Significance"), aliases=("意义", "Significance"),
           parse=max_length(TEXT_MAX)),
    Column("targets", _l("Targets"), aliases=("目标任务", "目标", "Targets"),
           parse=parse_targets),
    Column("investment_wan_yuan", _l("Investment (10,000 yuan)"),
           aliases=("估算投资（万元）", "估算投资", "投资（万元）", "Investment"),
           parse=parse_investment),
    Column("lead_unit", _l("Lead unit"), aliases=("牵头单位", "Lead unit"),
           parse=max_length(UNIT_MAX)),
    Column("responsible_units", _l("Responsible units"), aliases=("责任单位", "Responsible units"),
           parse=split_units),
    Column("source", _l("Source"), aliases=("来源", "Source"), parse=max_length(SOURCE_MAX)),
)
SUGGESTION_COLUMNS = (
    Column("title", _l("Title"), aliases=("标题", "建议标题", "项目名称", "Title"), required=True,
           parse=max_length(TITLE_MAX)),
    Column("body", _l("Suggestion"), aliases=("建议内容", "内容", "Suggestion", "Body"),
           required=True, parse=max_length(TEXT_MAX)),
    Column("submitter_kind", _l("Submitted by"), aliases=("建议人类别", "类别", "Submitted by"),
           parse=_parse_kind),
    Column("submitter_name", _l("Name"), aliases=("建议人", "姓名", "Name"),
           parse=max_length(NAME_MAX)),
    Column("submitter_contact", _l("Contact"), aliases=("联系方式", "Contact"),
           parse=max_length(CONTACT_MAX)),
)


@dataclass
class ImportPreview(ImportResult):
    """A checked file: every row (with "_action": create or update) and every problem."""

    kind: str = ""  # "projects" or "suggestions"

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.get("_action") == action)


def _column_label(key: str | None) -> str:
    return next((str(c.label) for c in PROJECT_COLUMNS if c.key == key), str(key))


def _values_of(row: dict) -> ProjectValues:
    return ProjectValues(title=row["title"], year=row["year"], field=row.get("field") or "",
                         content=row.get("content") or "",
                         significance=row.get("significance") or "",
                         targets=row.get("targets") or [],
                         investment_wan_yuan=row.get("investment_wan_yuan"),
                         lead_unit=row.get("lead_unit") or "",
                         responsible_units=row.get("responsible_units") or [],
                         source=row.get("source") or "")


def check_projects(db: Session, filename: str, data: bytes) -> ImportPreview:
    """Read and check a whole projects file without changing anything. A row with an ID
    updates that project (never its stage); a row without one creates a pool project."""
    parsed = parse_table(read_rows(filename, data), PROJECT_COLUMNS)
    preview = ImportPreview(kind="projects", rows=parsed.rows, errors=list(parsed.errors))
    id_label, year_label = str(PROJECT_COLUMNS[0].label), str(PROJECT_COLUMNS[2].label)
    seen: dict[int, int] = {}
    for row in preview.rows:
        n, project_id = row["_row"], row.get("id")
        row["_action"] = "create"
        if row.get("title") and row.get("year"):
            try:
                clean_values(_values_of(row))
            except Invalid as exc:
                preview.errors.append(RowError(n, _column_label(exc.field), str(exc.message)))
        if project_id is None:
            continue
        row["_action"] = "update"
        if project_id in seen:
            preview.errors.append(RowError(n, id_label, _("Project %(id)s is also on row %(row)s.",
                                                          id=project_id, row=seen[project_id])))
            continue
        seen[project_id] = n
        project = db.get(Project, project_id)
        if project is None:
            preview.errors.append(RowError(n, id_label, _("There is no project %(id)s.",
                                                          id=project_id)))
        elif row.get("year") and row["year"] != project.year and stage_history(db, project.id):
            preview.errors.append(RowError(n, year_label, _(
                "The year cannot change: the project has been through a screening round of "
                "%(year)s.", year=project.year)))
        else:
            row["_stage"] = project.stage
            try:  # a selected project's targets change only by a recorded amendment
                check_targets_unchanged(project, row.get("targets") or [])
            except Conflict as exc:
                preview.errors.append(RowError(n, _column_label("targets"), str(exc.message)))
    preview.errors.sort(key=lambda e: e.row)
    return preview


def import_projects(db: Session, actor, *, filename: str, data: bytes) -> ImportPreview:
    """All rows or none: any problem raises ImportRefused listing every one of them."""
    preview = check_projects(db, filename, data)
    preview.refuse_unless_ok()
    for row in preview.rows:
        values = clean_values(_values_of(row))
        if row["_action"] == "update":
            project = get_project(db, row["id"])
        else:
            project = Project(stage="pool", title=values.title, year=values.year)
            db.add(project)
        apply_values(db, project, values)
    db.flush()
    record(db, actor, "project.import", "project", "-", filename=filename,
           created=preview.count("create"), updated=preview.count("update"),
           ids=sorted(r["id"] for r in preview.rows if r.get("id")))
    return preview


def check_suggestions(db: Session, filename: str, data: bytes) -> ImportPreview:
    """Suggestions collected elsewhere (letters, hearings); they go into the moderation queue."""
    parsed = parse_table(read_rows(filename, data), SUGGESTION_COLUMNS)
    preview = ImportPreview(kind="suggestions", rows=parsed.rows, errors=list(parsed.errors))
    for row in preview.rows:
        row["_action"] = "create"
        row["submitter_kind"] = row.get("submitter_kind") or "public"
    return preview


def import_suggestions(db: Session, actor, *, filename: str, data: bytes) -> ImportPreview:
    preview = check_suggestions(db, filename, data)
    preview.refuse_unless_ok()
    for row in preview.rows:
        submit_suggestion(db, submitter_kind=row["submitter_kind"], title=row["title"],
                          body=row["body"], submitter_name=row.get("submitter_name") or "",
                          submitter_contact=row.get("submitter_contact") or "")
    record(db, actor, "suggestion.import", "suggestion", "-", filename=filename,
           created=len(preview.rows))
    return preview


def project_table(db: Session, *, year: int | None = None) -> tuple[list[str], list[list]]:
    """Headers and rows of the projects export; the same columns the import reads back, plus
    the stage (read-only)."""
    headers = [str(c.label) for c in PROJECT_COLUMNS] + [_("Stage")]
    rows = []
    for p in search_projects(db, year=year):
        rows.append([p.id, p.title, p.year, p.field, p.content, p.significance,
                     format_targets(p.targets),
                     None if p.investment_wan_yuan is None else float(p.investment_wan_yuan),
                     p.lead_unit, p.responsible_units, p.source, str(STAGE_LABELS[p.stage])])
    return headers, rows


def suggestion_table(db: Session, *, status: str | None = None) -> tuple[list[str], list[list]]:
    headers = [str(c.label) for c in SUGGESTION_COLUMNS] + [
        _("Status"), _("Moderation note"), _("Project"), _("Received")]
    rows = [[s.title, s.body, str(KIND_LABELS[s.submitter_kind]), s.submitter_name,
             s.submitter_contact, str(STATUS_LABELS[s.status]), s.moderation_note,
             s.project_id, local_time_text(s.created_at)]
            for s in suggestions_by_status(db, status)]
    return headers, rows


def export(headers: list[str], rows: list[list], fmt: str, title: str) -> tuple[bytes, str]:
    """The file's bytes and MIME type; text cells that look like formulas are neutralised."""
    if fmt == "csv":
        return export_csv(headers, rows), "text/csv; charset=utf-8"
    if fmt == "xlsx":
        return (export_xlsx(headers, rows, title=title),
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    raise NotFound(_l("Unknown file format."))
