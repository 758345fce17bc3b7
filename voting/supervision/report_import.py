"""A unit's reports by XLSX (or CSV) upload: one row per project, period and target; the rows
of one project and period make one report (a new version, as on the form). The whole file is
checked first, every problem reported with its spreadsheet row; a file with any problem files
nothing. The template is filled in with the user's projects and targets for the period due."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from voting.core.tabular import (Column, ImportResult, RowError, max_length, parse_int,
                                 parse_table, read_rows)
from voting.errors import DomainError, Invalid
from voting.pool.models import Project
from voting.pool.units import may_report
from voting.supervision import dashboard, reports, rules
from voting.supervision.models import DELIVERY


def _parse_delivery(cell: str) -> str:
    from voting.supervision.report_forms import DELIVERY_LABELS

    words = {"已完工并投入使用": "in_use", "已完工": "in_use", "投入使用": "in_use",
             "部分投入使用": "partly_in_use", "推进中": "under_way", "在建": "under_way"}
    words.update({k: k for k in DELIVERY})
    words.update({str(label): k for k, label in DELIVERY_LABELS.items()})
    key = words.get(cell.strip())
    if key is None:
        raise ValueError(_("Write 已完工并投入使用, 部分投入使用 or 推进中, or leave it blank."))
    return key


COLUMNS = (
    Column("project_id", _l("Project ID"), aliases=("项目编号", "Project ID"), required=True,
           parse=parse_int),
    Column("project", _l("Project"), aliases=("项目名称", "Project")),
    Column("period", _l("Period"), aliases=("报告期", "Period"), required=True,
           parse=max_length(10)),
    Column("target_id", _l("Target ID"), aliases=("指标编号", "Target ID"), parse=parse_int),
    Column("metric", _l("Target"), aliases=("指标", "Target")),
    Column("target_unit", _l("Target unit"), aliases=("目标单位", "Target unit")),
    Column("achieved", _l("Achieved to date"), aliases=("累计完成", "Achieved to date")),
    Column("unit", _l("Unit of the figure"), aliases=("填报单位", "Unit of the figure"),
           parse=max_length(40)),
    Column("narrative", _l("Progress narrative"), aliases=("进展情况", "Progress narrative"),
           parse=max_length(reports.NARRATIVE_MAX)),
    Column("spending", _l("Investment completed to date (10,000 yuan)"),
           aliases=("完成投资（万元）", "完成投资", "累计完成投资（万元）", "Investment completed")),
    Column("delivery", _l("Delivery"), aliases=("建设状态", "Delivery"), parse=_parse_delivery),
)


def shown_header(column: Column) -> str:
    """A column's header as the page names it: the template's Chinese header on a Chinese
    page, the English one otherwise (both are accepted in a file)."""
    from flask_babel import get_locale

    locale = get_locale()
    return column.aliases[0] if locale is None or locale.language == "zh" else column.aliases[-1]


def _label(key: str) -> str:
    return next(str(c.label) for c in COLUMNS if c.key == key)


@dataclass
class ReportGroup:
    """The rows of one project and period: one report."""

    project_id: int
    period: str
    rows: list[int] = field(default_factory=list)
    values: dict = field(default_factory=dict)
    units: dict = field(default_factory=dict)
    value_rows: dict = field(default_factory=dict)  # target id -> row
    narrative: str = ""
    spending: str | None = None
    delivery: str | None = None
    title: str = ""
    version: int = 0
    unchanged: bool = False  # identical to the period's current report: skipped
    late: bool = False  # would be marked late (filed after the period's due date)

    @property
    def correction(self) -> bool:
        """A new version of a period already filed."""
        return self.version > 1


DELIVERY_WORDS = {"in_use": "已完工并投入使用", "partly_in_use": "部分投入使用",
                  "under_way": "推进中"}


@dataclass
class ReportPreview(ImportResult):
    groups: list[ReportGroup] = field(default_factory=list)

    @property
    def to_file(self) -> list[ReportGroup]:
        return [g for g in self.groups if not g.unchanged]

    @property
    def skipped(self) -> list[ReportGroup]:
        return [g for g in self.groups if g.unchanged]

    def group_of(self, row: int) -> ReportGroup | None:
        return next((g for g in self.groups if row in g.rows), None)


def _field_row(group: ReportGroup, exc: DomainError) -> tuple[int, str]:
    """The spreadsheet row and column a service error points at."""
    name = exc.field or ""
    for prefix, column in (("value_", "achieved"), ("unit_", "unit")):
        if name.startswith(prefix):
            try:
                return group.value_rows[int(name[len(prefix):])], _label(column)
            except (KeyError, ValueError):
                break
    column = {"period": "period", "spending": "spending", "delivery": "delivery",
              "narrative": "narrative", "values": "target_id"}.get(name, "project_id")
    return group.rows[0], _label(column)


def check(db: Session, actor, filename: str, data: bytes, *,
          today: date | None = None) -> ReportPreview:
    """Read and check the whole file; nothing changes. Each report says what it will be: a
    new report, a correction of a filed period (its version, late by `today` or not), or
    unchanged (identical to the period's current report, skipped)."""
    parsed = parse_table(read_rows(filename, data), COLUMNS)
    preview = ReportPreview(rows=parsed.rows, errors=list(parsed.errors))
    if preview.errors and not preview.rows:
        return preview
    groups: dict[tuple[int, str], ReportGroup] = {}
    for row in preview.rows:
        n = row["_row"]
        if row.get("project_id") is None or not row.get("period"):
            continue  # reported by parse_table already
        key = (row["project_id"], row["period"])
        group = groups.setdefault(key, ReportGroup(*key))
        group.rows.append(n)
        tid = row.get("target_id")
        if tid is not None:
            if tid in group.value_rows:
                preview.errors.append(RowError(n, _label("target_id"), _(
                    "Target %(id)s is given twice for this project and period (row %(row)s).",
                    id=tid, row=group.value_rows[tid])))
                continue
            group.value_rows[tid] = n
            if row.get("achieved"):
                group.values[tid] = row["achieved"]
                if row.get("unit"):
                    group.units[tid] = row["unit"]
        elif row.get("achieved"):
            preview.errors.append(RowError(n, _label("target_id"),
                                           _("A figure needs its target ID.")))
        for name in ("narrative", "spending", "delivery"):
            value = row.get(name)
            if not value:
                continue
            if getattr(group, name) and getattr(group, name) != value:
                preview.errors.append(RowError(n, _label(name), _(
                    "Another row of this project and period says otherwise; write it once.")))
            else:
                setattr(group, name, value)

    for group in groups.values():
        project = db.get(Project, group.project_id)
        if project is None:
            preview.errors.append(RowError(group.rows[0], _label("project_id"),
                                           _("There is no project %(id)s.", id=group.project_id)))
            continue
        group.title = project.title
        if not may_report(db, actor, project.id):
            preview.errors.append(RowError(group.rows[0], _label("project_id"), _(
                "You do not report for the units of project %(id)s.", id=project.id)))
            continue
        try:
            the_period = reports.reportable_period(db, project, group.period)
            checked = reports.check_values(
                project, {str(k): v for k, v in group.values.items()},
                {str(k): v for k, v in group.units.items()})
            narrative = reports.check_narrative(group.narrative)
            spending = reports.check_spending(group.spending)
            delivery = reports.check_delivery(group.delivery)
        except Invalid as exc:
            if exc.field == "values":  # an unknown target: point at the row
                bad = next((r for t, r in group.value_rows.items()
                            if t not in {x.id for x in project.targets}), group.rows[0])
                preview.errors.append(RowError(bad, _label("target_id"), str(exc.message)))
            else:
                row, column = _field_row(group, exc)
                preview.errors.append(RowError(row, column, str(exc.message)))
            continue
        resolved = reports.resolve(db, project.id, group.period, checked, narrative, spending,
                                   delivery)
        group.version = resolved.version
        group.unchanged = resolved.unchanged and bool(resolved.versions)
        group.late = today is not None and today > the_period.due
    # A later version of the same period in one file would be a correction made before
    # the first is read: one report per project and period is what the file files.
    preview.groups = list(groups.values())
    preview.errors.sort(key=lambda e: e.row)
    return preview


def apply(db: Session, actor, filename: str, data: bytes, *, now: datetime,
          zone: str) -> ReportPreview:
    """Check again and file every report of the file but the unchanged ones, or raise
    ImportRefused."""
    from voting.supervision import progress

    preview = check(db, actor, filename, data, today=progress.local_date(now, zone))
    preview.refuse_unless_ok()
    for group in preview.to_file:
        reports.file_report(db, actor, project_id=group.project_id, period=group.period,
                            values={str(k): v for k, v in group.values.items()},
                            units={str(k): v for k, v in group.units.items()},
                            narrative=group.narrative, spending=group.spending,
                            delivery=group.delivery, source="xlsx", now=now, zone=zone,
                            skip_unchanged=True)
    return preview


def template_rows(db: Session, actor, *, today: date, zone: str) -> tuple[list[str], list[list]]:
    """The template, filled in with one row per target of each of the user's projects for the
    period to report now (the first not filed yet, else the last), with everything its current
    report says (figures, narrative, spending, delivery): sent back as it is, it files nothing."""
    headers = [c.aliases[0] for c in COLUMNS]  # the Chinese headers the units' files use
    rows = []
    for up in dashboard.user_projects(db, actor, today=today, zone=zone):
        pp = up.progress
        if not up.periods:
            continue
        period = next((ps for ps in up.periods if ps.state in ("overdue", "open")),
                      up.periods[-1])
        previous = pp.current.get(period.period.key)
        entered = pp.period_values.get(period.period.key, {})
        spending = (rules.text(previous.spending_wan_yuan)
                    if previous is not None and previous.spending_wan_yuan is not None else "")
        delivery = DELIVERY_WORDS.get(previous.delivery, "") if previous is not None else ""
        narrative = previous.narrative if previous is not None else ""
        first = True
        for target in pp.project.targets:
            value = entered.get(target.id)
            rows.append([pp.project.id, pp.project.title, period.period.key, target.id,
                         target.metric, target.unit,
                         value.entered if value else "", value.entered_unit if value else "",
                         *((narrative, spending, delivery) if first else ("", "", ""))])
            first = False
        if not pp.project.targets:
            rows.append([pp.project.id, pp.project.title, period.period.key, "", "", "", "",
                         "", narrative, spending, delivery])
    return headers, rows
