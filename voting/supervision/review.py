"""The mid-year review (期中考) and the year-end report of a year, produced from the data in the
form the seed documents show them: the projects counted by what is delivered (seed 004: 1 个已完
工并投入使用, 6 个部分投入使用, 3 个推进中) and by status, each project's narrative and figures, and
spending against the estimated investment. Read-only; every figure comes from `progress` (the
mid-year review is the same computation over the reports of the first half, as of 1 July).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from voting.supervision import history, progress, rules
from voting.supervision.models import ProgressReport
from voting.supervision.public import status_counts

MIDYEAR, YEAREND = "midyear", "yearend"
DELIVERY_ORDER = ("in_use", "partly_in_use", "under_way", None)
DELIVERY_LABELS = {
    "in_use": _l("Finished and in use"),
    "partly_in_use": _l("Partly in use"),
    "under_way": _l("Under way"),
    None: _l("No report or not stated"),
}


def midyear_cut(year: int) -> date:
    """The day the mid-year review looks from: the first half is over."""
    return date(year, 7, 1)


def in_first_half(period: str) -> bool:
    """"2025-Q2", "2025-06" and "2021-H1" fall in the first half; "2025-Q3", "2025" do not."""
    _, _, rest = period.partition("-")
    if not rest:
        return False
    if rest.startswith("Q"):
        return int(rest[1:]) <= 2
    if rest.startswith("H"):
        return rest == "H1"
    return int(rest) <= 6


@dataclass
class Spending:
    investment: Decimal | None  # 估算投资, 万元 (the project's)
    spent: Decimal | None  # 完成投资 as last reported, 万元

    @property
    def share(self) -> Decimal | None:
        """Spent ÷ investment, in percent (two decimals), where both are known."""
        if self.investment and self.spent is not None:
            return (self.spent * rules.HUNDRED / self.investment).quantize(rules.CENT)
        return None


@dataclass
class Review:
    year: int
    edition: str  # MIDYEAR or YEAREND
    as_of: date
    rows: list[progress.ProjectProgress]
    delivery: dict  # delivery code (None: not stated) -> projects
    statuses: dict  # status (None: no report) -> projects
    spending: list[Spending]  # per row
    source: dict | None  # the seed document's own summary, where the year is a seed year

    @property
    def midyear(self) -> bool:
        return self.edition == MIDYEAR

    @property
    def reported(self) -> int:
        return sum(1 for pp in self.rows if pp.latest is not None)

    @property
    def investment_total(self) -> Decimal | None:
        known = [s.investment for s in self.spending if s.investment is not None]
        return sum(known) if known else None

    @property
    def spent_total(self) -> Decimal | None:
        known = [s.spent for s in self.spending if s.spent is not None]
        return sum(known) if known else None

    @property
    def spent_share(self) -> Decimal | None:
        """Spent ÷ investment over the projects where both are known."""
        both = [s for s in self.spending if s.investment and s.spent is not None]
        invested = sum(s.investment for s in both)
        if not both or not invested:
            return None
        return (sum(s.spent for s in both) * rules.HUNDRED / invested).quantize(rules.CENT)

    @property
    def late_reports(self) -> int:
        """Reports filed late, one per project and period: its first version came after the
        due date. A correction is a new version of the same report, not another report."""
        return sum(1 for pp in self.rows for r in first_versions(pp) if r.late)

    @property
    def late_corrections(self) -> int:
        """Corrections (versions after the first) filed after the period's due date."""
        return sum(1 for pp in self.rows for r in pp.reports if r.late and r.version > 1)

    @property
    def overdue(self) -> int:
        return sum(len(pp.overdue) for pp in self.rows)


def first_versions(pp: progress.ProjectProgress) -> list[ProgressReport]:
    """The first version filed of each period's report."""
    first: dict[str, ProgressReport] = {}
    for r in pp.reports:
        if r.period not in first or r.version < first[r.period].version:
            first[r.period] = r
    return list(first.values())


def delivery_counts(rows: list[progress.ProjectProgress]) -> dict:
    """Projects by what their current report says is delivered, every kind present."""
    counts = Counter(pp.latest.delivery if pp.latest else None for pp in rows)
    return {k: counts.get(k, 0) for k in DELIVERY_ORDER}


def source_summary(year: int, edition: str) -> dict | None:
    """What the seed document itself says of the year, quoted beside the computed counts:
    {"text", "title", "issuer", "date"}; None for a year without such a summary."""
    doc = history.seed_doc(year)
    if doc is None:
        return None
    block = doc.get("midyear_summary") if edition == MIDYEAR else (
        doc.get("summary") if doc["kind"] in ("results", "report") else None)
    if not block or not block.get("text"):
        return None
    src = doc["source"]
    return {"text": block["text"], "title": src["title"], "issuer": src.get("issuer"),
            "date": src.get("date"), "reported_at": block.get("reported_at")}


def _first_half(db: Session, projects, today: date) -> list[progress.ProjectProgress]:
    """The figures as they stood at mid-year: the first half's reports, judged on 1 July (or
    today, if the first half is not over yet)."""
    if not projects:
        return []
    on = min(today, midyear_cut(projects[0].year))
    reports: dict[int, list[ProgressReport]] = defaultdict(list)
    for report in db.scalars(select(ProgressReport)
                             .where(ProgressReport.project_id.in_([p.id for p in projects]))
                             .options(selectinload(ProgressReport.values))):
        if in_first_half(report.period):
            reports[report.project_id].append(report)
    schedule = progress.current_schedule(db, projects[0].year)
    return [progress.build(p, schedule, reports[p.id], today=on) for p in projects]


def build_review(db: Session, year: int, edition: str, *, today: date) -> Review:
    projects = progress.year_projects(db, year)
    if edition == MIDYEAR:
        rows = _first_half(db, projects, today)
        as_of = min(today, midyear_cut(year))
    else:
        rows = progress.projects_progress(db, projects, today=today)
        as_of = today
    spending = [Spending(pp.project.investment_wan_yuan, pp.spending) for pp in rows]
    return Review(year=year, edition=edition, as_of=as_of, rows=rows, delivery=delivery_counts(rows),
                  statuses=status_counts(rows), spending=spending,
                  source=source_summary(year, edition))
