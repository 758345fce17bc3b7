"""Arrangements for the reporting tests: a selected project with targets and units, a unit's
reporting account, a quarterly schedule (seed 003: due the 25th of each quarter's last month)."""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

from tests.helpers import HASH, PASSWORD, app_db, user
from voting.auth.services import create_user
from voting.pool import units
from voting.pool.models import Project, ProjectTarget, UnitMember
from voting.supervision import schedules

ZONE = "Asia/Shanghai"
YEAR = 2025


def selected_project(s, *, title="城市绿化景观提升", year=YEAR, lead="市园林局",
                     responsible=("市园林局", "各区政府"), targets=None) -> Project:
    """A selected project of `year` with its targets (metric, unit, value) and units."""
    targets = targets or [("新增绿地", "公顷", "3"), ("补植乔木", "万株", "1.75")]
    p = Project(title=title, year=year, stage="selected", field="城市建设",
                content="提升城市绿化", significance="改善人居环境")
    p.targets = [ProjectTarget(position=i, metric=m, unit=u,
                               value=None if v is None else Decimal(v))
                 for i, (m, u, v) in enumerate(targets, start=1)]
    units.set_project_units(s, p, lead, list(responsible))
    s.add(p)
    s.flush()
    return p


def unit_account(s, username: str, unit_name: str, password: str = PASSWORD):
    """A user of role `unit` reporting for the unit named (created if new)."""
    u = create_user(s, hash_method=HASH, username=username, password=password, role="unit",
                    display_name=unit_name)
    unit = units.ensure_unit(s, unit_name)
    s.add(UnitMember(unit_id=unit.id, user_id=u.id))
    s.flush()
    return u


def quarterly(s, actor="clerk", year=YEAR, due_day=25, final=None):
    actor = user(s, actor) if isinstance(actor, str) else actor
    return schedules.set_schedule(s, actor, year=year, frequency="quarterly", due_day=due_day,
                                  final_deadline=final or date(year, 12, 31))


def at(y, m, d, hour=12) -> datetime:
    """A moment given in the installation's local time (UTC+8), as an aware UTC datetime."""
    return datetime(y, m, d, hour, tzinfo=ZoneInfo(ZONE)).astimezone(timezone.utc)


def reporting_year(app) -> dict:
    """The clerk, a 2025 quarterly schedule, two selected projects with their own units and a
    reporting account for each (u_green reports for 市园林局, u_water for 市水务局), and the
    accounts deputy d_user and teller t_user. Returns the ids."""
    with app_db(app) as s:
        clerk = user(s, "clerk")
        quarterly(s, clerk)
        green = selected_project(s)
        water = selected_project(s, title="城区排污设施改造", lead="市水务局",
                                 responsible=("市水务局",),
                                 targets=[("改造排污管网", "公里", "120")])
        unit_account(s, "u_green", "市园林局")
        unit_account(s, "u_water", "市水务局")
        create_user(s, hash_method=HASH, username="t_user", password=PASSWORD, role="teller",
                    display_name="计票人")
        create_user(s, hash_method=HASH, username="d_user", password=PASSWORD, role="deputy",
                    display_name="代表")
        return {"green": green.id, "water": water.id,
                "green_targets": [t.id for t in green.targets],
                "water_targets": [t.id for t in water.targets]}
