"""The secretariat's reporting schedule: checked, a new row every time, audited."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from tests.helpers import app_db, user
from voting.audit.models import AuditEntry
from voting.errors import Invalid
from voting.supervision import progress, schedules
from voting.supervision.models import ReportingSchedule


def _count(s):
    return s.scalar(select(func.count()).select_from(ReportingSchedule))


def test_a_schedule_change_is_a_new_row_and_the_newest_is_the_years(app, clerk):
    with app_db(app) as s:
        first = schedules.set_schedule(s, user(s, "clerk"), year=2025, frequency="quarterly",
                                       due_day=25, final_deadline=date(2025, 12, 31))
        second = schedules.set_schedule(s, user(s, "clerk"), year=2025, frequency="monthly",
                                        due_day=5, final_deadline=date(2026, 1, 15),
                                        reason="改为按月调度")
    with app_db(app) as s:
        assert progress.current_schedule(s, 2025).id == second.id
        assert [r.id for r in progress.schedule_history(s, 2025)] == [first.id, second.id]
        periods = progress.schedule_periods(progress.current_schedule(s, 2025))
        assert [p.key for p in periods][:2] == ["2025-01", "2025-02"]
        entries = s.scalars(select(AuditEntry).where(AuditEntry.action == "schedule.set")).all()
        assert [e.details["frequency"] for e in entries] == ["quarterly", "monthly"]
        assert entries[1].details["reason"] == "改为按月调度"
        assert entries[1].details["final_deadline"] == "2026-01-15"


@pytest.mark.parametrize("kw, field", [
    ({"frequency": "weekly"}, "frequency"),
    ({"due_day": 0}, "due_day"),
    ({"due_day": 32}, "due_day"),
    ({"final_deadline": date(2024, 12, 31)}, "final_deadline"),
    ({"final_deadline": date(2026, 2, 1)}, "final_deadline"),
    ({"year": 1800}, "year"),
    ({"reason": "x" * 2001}, "reason"),
])
def test_a_bad_schedule_is_refused_and_nothing_stored(app, clerk, kw, field):
    args = {"year": 2025, "frequency": "quarterly", "due_day": 25,
            "final_deadline": date(2025, 12, 31), **kw}
    with app_db(app) as s:
        with pytest.raises(Invalid) as err:
            schedules.set_schedule(s, user(s, "clerk"), **args)
        assert err.value.field == field
        assert _count(s) == 0
        assert s.scalar(select(func.count()).select_from(AuditEntry)) == 0


def test_the_final_deadline_may_be_in_the_next_january(app, clerk):
    with app_db(app) as s:
        schedules.set_schedule(s, user(s, "clerk"), year=2025, frequency="quarterly",
                               due_day=31, final_deadline=date(2026, 1, 31))
        periods = progress.schedule_periods(progress.current_schedule(s, 2025))
        assert [p.due for p in periods] == [date(2025, 3, 31), date(2025, 6, 30),
                                            date(2025, 9, 30), date(2025, 12, 31)]


def test_unit_names_match_across_half_and_full_width_brackets():
    assert schedules.name_key("演示责任单位(教育)") == schedules.name_key("演示责任单位（教育）")
    assert schedules.name_key("市 园林局") == schedules.name_key("市园林局")
    assert schedules.name_key("〔教育〕") == schedules.name_key("(教育)")
    assert schedules.name_key("市园林局") != schedules.name_key("市水务局")


def test_what_a_schedule_change_does_to_past_periods(app, clerk):
    with app_db(app) as s:
        schedules.set_schedule(s, user(s, "clerk"), year=2025, frequency="quarterly",
                               due_day=25, final_deadline=date(2025, 12, 31))
        same = schedules.schedule_change(s, year=2025, frequency="quarterly", due_day=25,
                                         final_deadline=date(2025, 12, 31),
                                         today=date(2025, 8, 1))
        assert not same.any and not same.touches_past
        # The final deadline moved before Q4's due date: a future period moves, no confirmation.
        shorter = schedules.schedule_change(s, year=2025, frequency="quarterly", due_day=25,
                                            final_deadline=date(2025, 11, 30),
                                            today=date(2025, 8, 1))
        assert [(o.key, o.due, n.due) for o, n in shorter.moved] == [
            ("2025-Q4", date(2025, 12, 25), date(2025, 11, 30))]
        assert not shorter.touches_past
        monthly = schedules.schedule_change(s, year=2025, frequency="monthly", due_day=25,
                                            final_deadline=date(2025, 12, 31),
                                            today=date(2025, 8, 1))
        assert monthly.touches_past and len(monthly.added) == 12
        with pytest.raises(Invalid) as refused:
            schedules.set_schedule(s, user(s, "clerk"), year=2025, frequency="monthly",
                                   due_day=25, final_deadline=date(2025, 12, 31),
                                   today=date(2025, 8, 1))
        assert refused.value.field == "confirm_past"
        assert _count(s) == 1
