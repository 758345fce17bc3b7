"""A unit files its report: checked against the schedule and the targets, versions kept, late
fixed by the local date of filing, 万 conversion; every error leaves nothing stored."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from tests.helpers import app_db, user
from tests.supervision.reporting import YEAR, ZONE, at, reporting_year
from voting.audit.models import AuditEntry
from voting.errors import Forbidden, Invalid, NotFound
from voting.supervision import progress, reports
from voting.supervision.models import ProgressReport, ReportValue


@pytest.fixture
def year(app, clerk):
    return reporting_year(app)


def _file(s, username, project_id, period="2025-Q1", values=None, now=None, **kw):
    kw.setdefault("narrative", "按计划推进")
    return reports.file_report(s, user(s, username), project_id=project_id, period=period,
                               values=values or {}, now=now or at(2025, 3, 20), zone=ZONE, **kw)


def _stored(s):
    return (s.scalar(select(func.count()).select_from(ProgressReport)),
            s.scalar(select(func.count()).select_from(ReportValue)),
            s.scalar(select(func.count()).select_from(AuditEntry)
                     .where(AuditEntry.action == "report.file")))


def test_a_report_stores_each_value_and_is_audited(app, year):
    green, (t1, t2) = year["green"], year["green_targets"]
    with app_db(app) as s:
        r = _file(s, "u_green", green, values={str(t1): "1.5", t2: "0.8"},
                  narrative="完成一季度任务", spending="120.5", delivery="under_way")
        assert (r.version, r.late, r.due, r.source) == (1, False, date(2025, 3, 25), "form")
        assert r.unit.name == "市园林局" and r.submitted_by == "u_green"
    with app_db(app) as s:
        report = s.scalars(select(ProgressReport)).one()
        assert [(v.target_id, v.achieved) for v in report.values] == [(t1, "1.5"), (t2, "0.8")]
        assert str(report.spending_wan_yuan) == "120.50"
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "report.file")).one()
        assert entry.details == {"project": green, "period": "2025-Q1", "version": 1,
                                 "late": False}


def test_on_the_due_date_is_on_time_and_a_day_after_is_late(app, year):
    green = year["green"]
    with app_db(app) as s:
        # 23:30 on 25 March in Beijing is 15:30 UTC: still the due date, locally.
        on_time = _file(s, "u_green", green, now=at(2025, 3, 25, 23))
        # 00:30 on 26 March in Beijing is still 25 March in UTC: late all the same.
        late = _file(s, "u_green", green, now=at(2025, 3, 26, 0))
        assert on_time.late is False and late.late is True
        assert (on_time.version, late.version) == (1, 2)


def test_a_correction_is_the_next_version_and_the_earlier_stays(app, year):
    green, (t1, _) = year["green"], year["green_targets"]
    with app_db(app) as s:
        _file(s, "u_green", green, values={t1: "1"})
        _file(s, "u_green", green, values={t1: "1.2"})
        _file(s, "u_green", green, period="2025-Q2", values={t1: "2"}, now=at(2025, 6, 1))
    with app_db(app) as s:
        rows = s.scalars(select(ProgressReport).order_by(ProgressReport.id)).all()
        assert [(r.period, r.version) for r in rows] == [("2025-Q1", 1), ("2025-Q1", 2),
                                                         ("2025-Q2", 1)]
        project = s.get(progress.Project, green)
        p = progress.project_progress(s, project, today=date(2025, 6, 2))
        assert p.current["2025-Q1"].version == 2
        assert [(k, str(a), str(c)) for k, a, c in p.targets[0].history] == [
            ("2025-Q1", "1.2", "40.00"), ("2025-Q2", "2", "66.67")]


def test_a_figure_typed_in_units_is_converted_to_the_targets_wan(app, year):
    green, (_, t2) = year["green"], year["green_targets"]  # 补植乔木 1.75 万株
    with app_db(app) as s:
        _file(s, "u_green", green, values={t2: "17600"}, units={t2: "株"})
    with app_db(app) as s:
        value = s.scalars(select(ReportValue)).one()
        assert (value.achieved, value.entered, value.entered_unit) == ("1.76", "17600", "株")
        p = progress.project_progress(s, s.get(progress.Project, green), today=date(2025, 3, 26))
        assert str(p.targets[1].state.completion) == "100.57"


@pytest.mark.parametrize("change, error, field", [
    ({"period": "2025-Q5"}, Invalid, "period"),
    ({"period": "2024-Q1"}, Invalid, "period"),
    ({"period": 3}, Invalid, "period"),
    ({"values": {"999999": "1"}}, Invalid, "values"),
    ({"values": {"abc": "1"}}, Invalid, "values"),
    ({"values": {"T1": "-1"}}, Invalid, "value_T1"),
    ({"values": {"T1": "1e3"}}, Invalid, "value_T1"),
    ({"values": {"T1": "一百"}}, Invalid, "value_T1"),
    ({"values": {"T1": 5}}, Invalid, "value_T1"),
    ({"values": {"T1": "1", "T2": "x"}}, Invalid, "value_T2"),
    ({"values": ["1"]}, Invalid, "values"),
    ({"values": {"T2": "17600"}, "units": {"T2": "平方米"}}, Invalid, "unit_T2"),
    ({"spending": "-3"}, Invalid, "spending"),
    ({"spending": "1.234"}, Invalid, "spending"),
    ({"delivery": "done"}, Invalid, "delivery"),
    ({"narrative": "长" * 5001}, Invalid, "narrative"),
    ({"username": "u_water"}, Forbidden, None),
    ({"username": "clerk"}, Forbidden, None),
    ({"project": 987654}, NotFound, None),
])
def test_every_error_names_its_field_and_stores_nothing(app, year, change, error, field):
    t1, t2 = year["green_targets"]
    ids = {"T1": str(t1), "T2": str(t2)}

    def sub(d):
        return {ids.get(k, k): v for k, v in d.items()}

    kw = {"values": {str(t1): "1"}, **{k: v for k, v in change.items()
                                       if k not in ("username", "project", "period")}}
    kw["values"] = sub(kw["values"]) if isinstance(kw["values"], dict) else kw["values"]
    if "units" in kw:
        kw["units"] = sub(kw["units"])
    if field:
        field = field.replace("T1", ids["T1"]).replace("T2", ids["T2"])
    with app_db(app) as s:
        with pytest.raises(error) as err:
            _file(s, change.get("username", "u_green"), change.get("project", year["green"]),
                  period=change.get("period", "2025-Q1"), **kw)
        if field:
            assert err.value.field == field
        assert _stored(s) == (0, 0, 0)


def test_no_schedule_or_a_project_not_selected_is_refused(app, year):
    with app_db(app) as s:
        from tests.supervision.reporting import selected_project

        p = selected_project(s, title="二〇二六年项目", year=YEAR + 1, lead="市园林局",
                             responsible=("市园林局",))
        with pytest.raises(Invalid) as err:
            _file(s, "u_green", p.id, period="2026-Q1", now=at(2026, 3, 1))
        assert err.value.field == "period" and "2026" in str(err.value.message)
        q = selected_project(s, title="储备项目", lead="市园林局", responsible=("市园林局",))
        q.stage = "pool"
        s.flush()
        with pytest.raises(Invalid):
            _file(s, "u_green", q.id)
        assert _stored(s) == (0, 0, 0)


def test_an_empty_report_is_refused(app, year):
    green, (t1, t2) = year["green"], year["green_targets"]
    with app_db(app) as s:
        with pytest.raises(Invalid) as err:
            _file(s, "u_green", green, values={t1: "", t2: " "}, narrative="  ")
        assert err.value.field == f"value_{t1}"
        assert _stored(s) == (0, 0, 0)


def test_a_blank_form_value_is_not_reported(app, year):
    green, (t1, t2) = year["green"], year["green_targets"]
    with app_db(app) as s:
        r = _file(s, "u_green", green, values={t1: "2", t2: "  "})
        assert [v.target_id for v in r.values] == [t1]
