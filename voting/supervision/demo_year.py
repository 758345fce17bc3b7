"""The demo's living year: 2025 under supervision, so that every supervision page shows real
data. The schedule is seed 003's (quarterly, due the 25th of each quarter's last month, all done
by the end of December); the projects are seed 003's 18 tasks (loaded by `history`).

Seed 003 names no per-task responsible unit: reports go to 市发改委, which leads the work
(“市发改委、市政府办公厅牵头抓总”). The demo therefore makes 市发改委 each task's lead unit and
adds one clearly labelled demo unit per field as the responsible unit; the assignment's audit
entry says so. The reports are demo figures (source "demo"), filed through the same service a
unit's form uses, with `now` inside 2025: most on time, one late.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime, timezone
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from voting.auth.models import Role, User
from voting.auth.services import create_user, set_password
from voting.pool import units
from voting.pool.models import UnitMember
from voting.supervision import progress, reports, rules, schedules
from voting.supervision.history import load_doc
from voting.supervision.models import ProgressReport

YEAR = 2025
SEED_FILE = "harbin-2025-tasks.json"
COORDINATOR = "市发改委"
COORDINATOR_USERNAME = "unit-fgw"
ASSIGN_REASON = ("原文（哈尔滨市2025年民生实事工作方案）未逐项写明责任单位：演示以牵头抓总、"
                 "汇总各季度进展的市发改委为牵头单位，按领域设“演示责任单位”为责任单位。")

# Per project (in the seed's order): the share of each target reached at each quarter's report,
# and the local date it was filed. A project not listed files nothing (its periods go overdue).
# Project 5's third-quarter report comes after its due date (25 September): it is late.
_ON_TIME = {1: date(YEAR, 3, 20), 2: date(YEAR, 6, 20), 3: date(YEAR, 9, 22), 4: date(YEAR, 12, 19)}
PLAN = {
    1: {1: "0.30", 2: "0.60", 3: "0.90", 4: "1.15"},
    2: {1: "0.25", 2: "0.55", 3: "0.85", 4: "1.00"},
    3: {1: "0.20", 2: "0.50", 3: "0.75", 4: "0.95"},
    4: {1: "0.25", 2: "0.50", 3: "0.80"},
    5: {1: "0.20", 2: "0.45", 3: "0.70"},
    6: {1: "0.10", 2: "0.20"},
    9: {1: "0.30"},
}
LATE = {(5, 3): date(YEAR, 10, 9)}
SPENDING_BASE = Decimal(1000)  # 万元: a demo project's spending to date is its share of this
QUARTER_WORDS = {1: "第一季度", 2: "第二季度", 3: "第三季度", 4: "第四季度"}


def _unit_name(field: str) -> str:
    return f"演示责任单位（{field or '其他'}）"


def _username(i: int) -> str:
    return f"unit-{i:02d}"


def ensure_schedule(db: Session, actor):
    """Seed 003's schedule, set once."""
    current = progress.current_schedule(db, YEAR)
    if current is not None:
        return current
    rep = load_doc(SEED_FILE)["reporting"]
    return schedules.set_schedule(
        db, actor, year=YEAR, frequency=rep["frequency"], due_day=rep["due_day_of_month"],
        final_deadline=date.fromisoformat(rep["completion_deadline_date"]),
        reason=f"依据原文：{rep['text']}\n{ASSIGN_REASON}")


def assign_units(db: Session, actor, projects) -> bool:
    """市发改委 leads every task, the field's demo unit is responsible, through the secretariat's
    assignment service; once (False if already so)."""
    changed = False
    for project in projects:
        lead, responsible = COORDINATOR, [_unit_name(project.field)]
        if project.lead_unit == lead and project.responsible_units == responsible[0]:
            continue
        # the demo units are meant to be new (their accounts follow): confirmed
        schedules.assign_units(db, actor, project.id, lead=lead, responsible=responsible,
                               confirm_new=True)
        changed = True
    return changed


def _account(db: Session, actor, username: str, unit_name: str, hash_method: str) -> tuple[User, str]:
    """A unit-role account reporting for the unit, with a fresh password each run."""
    password = secrets.token_urlsafe(9)
    user = db.scalar(select(User).where(User.username == username))
    if user is None:
        user = create_user(db, username=username, password=password, role=Role.UNIT.value,
                           display_name=unit_name, hash_method=hash_method)
    else:
        set_password(user, password, hash_method=hash_method)
    unit = units.ensure_unit(db, unit_name)
    if db.get(UnitMember, (unit.id, user.id)) is None:
        units.attach_user(db, actor, unit.id, username)
    return user, password


def _moment(day: date, zone: str) -> datetime:
    return datetime(day.year, day.month, day.day, 10, tzinfo=ZoneInfo(zone)).astimezone(timezone.utc)


def is_rate(target) -> bool:
    return target.unit.strip() in ("%", "％")


def _achieved(target, share: Decimal) -> str:
    """The demo's figure for a target at that share. A rate in percent never passes 100 %:
    beyond its target it closes that share of the gap to 100 % (90 % at 1.15 → 91.5 %), since
    a rate cannot be exceeded the way a count can (103.5 % 就业率 would read as nonsense)."""
    goal = Decimal(target.value)
    value = goal * min(share, Decimal(1))
    if is_rate(target):
        if share > 1 and goal < 100:
            value = goal + (Decimal(100) - goal) * (share - 1)
        value = min(value, Decimal(100))
    elif share > 1:
        value = goal * share
    return rules.text(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _narrative(quarter: int, share: Decimal, project) -> str:
    """The demo's progress sentence, true of every target: a rate's over-achievement is not
    the counts' (see `_achieved`)."""
    head = f"（演示数据）{QUARTER_WORDS[quarter]}进展：按工作方案推进，"
    if share <= 1:
        return head + f"各项目标完成约{int(share * 100)}%。"
    extra = int((share - 1) * 100)
    if any(is_rate(t) for t in project.targets if t.value is not None):
        return head + f"全年目标均已完成，数量类目标超出约{extra}%，比率类目标不超过100%。"
    return head + f"全年目标均已完成，超出约{extra}%。"


def file_demo_reports(db: Session, accounts: dict[int, User], projects, zone: str) -> int:
    """The PLAN's reports, each filed by the project's demo unit; none if the year has any."""
    already = db.scalar(select(ProgressReport.id)
                        .where(ProgressReport.project_id.in_([p.id for p in projects])).limit(1))
    if already is not None:
        return 0
    filed = 0
    for n, project in enumerate(projects, start=1):
        for quarter, share in PLAN.get(n, {}).items():
            share = Decimal(share)
            day = LATE.get((n, quarter), _ON_TIME[quarter])
            done = share >= 1
            reports.file_report(
                db, accounts[project.id], project_id=project.id, period=f"{YEAR}-Q{quarter}",
                values={str(t.id): _achieved(t, share) for t in project.targets
                        if t.value is not None},
                narrative=_narrative(quarter, share, project),
                spending=rules.text((SPENDING_BASE + 100 * n) * share),
                delivery="in_use" if done else "partly_in_use" if share >= Decimal("0.5")
                else "under_way",
                source="demo", now=_moment(day, zone), zone=zone)
            filed += 1
    return filed


def build_living_year(db: Session, actor, projects, *, hash_method: str,
                      zone: str) -> list[tuple[str, str, int]]:
    """Schedule, units, accounts and reports of 2025 for the year's selected `projects` (in the
    seed's order). Returns (username, password, project_id) for every account and project it
    may report for. Safe to run again: only the passwords change."""
    ensure_schedule(db, actor)
    assign_units(db, actor, projects)
    coordinator, coordinator_password = _account(db, actor, COORDINATOR_USERNAME, COORDINATOR,
                                                 hash_method)
    rows = [(coordinator.username, coordinator_password, p.id) for p in projects]
    by_field: dict[str, tuple[User, str]] = {}
    reporter: dict[int, User] = {}
    for project in projects:
        name = _unit_name(project.field)
        if name not in by_field:
            by_field[name] = _account(db, actor, _username(len(by_field) + 1), name, hash_method)
        user, password = by_field[name]
        rows.append((user.username, password, project.id))
        reporter[project.id] = user
    file_demo_reports(db, reporter, projects, zone)
    return rows
