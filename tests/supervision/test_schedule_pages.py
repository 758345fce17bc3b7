"""The secretariat's schedule page (form and record of earlier schedules) and a selected
project's units page; bad input re-shows the form and stores nothing."""

from __future__ import annotations

import re
from datetime import date
from unittest import mock

import pytest
from sqlalchemy import func, select

from tests.helpers import app_db, csrf_of, login
from tests.supervision.reporting import reporting_year
from voting.audit.models import AuditEntry
from voting.pool.models import Project
from voting.supervision import progress
from voting.supervision.models import ReportingSchedule


def _today(d):
    return mock.patch.object(progress, "local_today", lambda zone: d)


def _previewed(html: str) -> str:
    return re.search(r'name="previewed" value="([^"]*)"', html).group(1)


@pytest.fixture
def year(app, clerk):
    return reporting_year(app)


def test_setting_and_changing_the_schedule_keeps_the_record(app, client, year):
    login(client, "clerk")
    page = client.get("/supervision/2026/schedule")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "尚未设定报送安排" in html
    r = client.post("/supervision/2026/schedule", data={
        "csrf_token": csrf_of(html), "frequency": "quarterly", "due_day": "25",
        "final_deadline": "2026-12-31", "reason": ""})
    assert r.status_code == 302
    html = client.get("/supervision/2026/schedule").get_data(as_text=True)
    assert 'data-period="2026-Q1"' in html and "2026-03-25" in html
    change = {"csrf_token": csrf_of(html), "frequency": "monthly", "due_day": "5",
              "final_deadline": "2027-01-10", "reason": "改为按月调度"}
    with _today(date(2026, 1, 2)):  # before any due date: no past period changes
        r = client.post("/supervision/2026/schedule", data=change)
        html = r.get_data(as_text=True)
        assert r.status_code == 200 and "这次修改的影响" in html  # a preview, nothing saved
        assert "新增报告期：2026-01" in html and "取消的报告期：2026-Q1" in html
        assert 'name="confirm_past"' not in html
        r = client.post("/supervision/2026/schedule", data={
            **change, "step": "apply", "previewed": _previewed(html)})
    assert r.status_code == 302
    html = client.get("/supervision/2026/schedule").get_data(as_text=True)
    assert 'data-period="2026-12"' in html and "改为按月调度" in html
    assert html.count("<tr") >= 3  # header and both schedules in the record
    with app_db(app) as s:
        assert s.scalar(select(func.count()).select_from(ReportingSchedule)
                        .where(ReportingSchedule.year == 2026)) == 2


def test_a_bad_schedule_is_shown_and_nothing_stored(app, client, year):
    login(client, "clerk")
    token = csrf_of(client.get("/supervision/2026/schedule").get_data(as_text=True))
    r = client.post("/supervision/2026/schedule", data={
        "csrf_token": token, "frequency": "quarterly", "due_day": "25",
        "final_deadline": "2028-03-01", "reason": "保留这段理由"})
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert "最终截止日期应在 2026 年内或次年 1 月" in html and "保留这段理由" in html
    r = client.post("/supervision/2026/schedule", data={
        "csrf_token": token, "frequency": "quarterly", "due_day": "40",
        "final_deadline": "2026-12-31"})
    assert r.status_code == 422
    with app_db(app) as s:
        assert s.scalar(select(func.count()).select_from(ReportingSchedule)
                        .where(ReportingSchedule.year == 2026)) == 0


def test_assigning_units_is_audited_and_lets_the_units_account_report(app, client, year):
    login(client, "clerk")
    url = f"/supervision/projects/{year['water']}/units"
    html = client.get(url).get_data(as_text=True)
    assert "市水务局" in html
    r = client.post(url, data={"csrf_token": csrf_of(html), "lead": "市水务局",
                               "responsible": "市水务局\n市园林局"})
    assert r.status_code == 302
    with app_db(app) as s:
        p = s.get(Project, year["water"])
        assert p.responsible_units == "市水务局、市园林局"
        entry = s.scalars(select(AuditEntry)
                          .where(AuditEntry.action == "project.assign_units")).one()
        assert entry.details["responsible_units"] == "市水务局、市园林局"
    client.post("/logout", data={"csrf_token": csrf_of(client.get("/").get_data(as_text=True))})
    login(client, "u_green")
    assert client.get(f"/reports/{year['water']}/2025-Q1").status_code == 200


def test_assigning_no_unit_is_refused(app, client, year):
    login(client, "clerk")
    url = f"/supervision/projects/{year['water']}/units"
    r = client.post(url, data={"csrf_token": csrf_of(client.get(url).get_data(as_text=True)),
                               "lead": "", "responsible": " "})
    assert r.status_code == 422 and "请填写牵头单位或至少一个责任单位" in r.get_data(as_text=True)
    with app_db(app) as s:
        assert s.get(Project, year["water"]).lead_unit == "市水务局"


def _file(app, year, period, day):
    from tests.helpers import user
    from tests.supervision.reporting import ZONE, at
    from voting.supervision import reports

    with app_db(app) as s:
        reports.file_report(s, user(s, "u_green"), project_id=year["green"], period=period,
                            values={year["green_targets"][0]: "1"}, now=day, zone=ZONE)


def test_a_change_of_past_periods_is_shown_first_and_needs_a_confirmation(app, client, year):
    from tests.supervision.reporting import at

    _file(app, year, "2025-Q1", at(2025, 3, 20))
    _file(app, year, "2025-Q2", at(2025, 6, 20))
    login(client, "clerk")
    url = "/supervision/2025/schedule"
    with _today(date(2025, 7, 1)):
        html = client.get(url).get_data(as_text=True)
        monthly = {"csrf_token": csrf_of(html), "frequency": "monthly", "due_day": "25",
                   "final_deadline": "2025-12-31", "reason": "改为按月"}
        r = client.post(url, data=monthly)
        html = r.get_data(as_text=True)
        assert r.status_code == 200 and 'data-touches-past="yes"' in html
        assert "取消的报告期：2025-Q1、2025-Q2、2025-Q3、2025-Q4" in html
        assert "已有 1 个项目报送了 2025-Q1 的报告" in html
        assert "2025-01（截止 2025-01-25）将立即对 2 个未报送该期报告的项目显示为逾期" in html
        assert html.count('data-change="overdue"') == 6  # January to June
        assert 'name="confirm_past"' in html
        saved = {**monthly, "step": "apply", "previewed": _previewed(html)}
        r = client.post(url, data=saved)  # no confirmation: refused, the preview stays
        html = r.get_data(as_text=True)
        assert r.status_code == 422 and "请阅读下方列出的影响，并勾选确认框" in html
        assert "改为按月" in html and 'data-change="removed"' in html
        with app_db(app) as s:
            assert progress.current_schedule(s, 2025).frequency == "quarterly"
        # The fields changed after the preview: shown again, not saved.
        r = client.post(url, data={**saved, "due_day": "20", "confirm_past": "y"})
        assert r.status_code == 200 and "2025-01-20" in r.get_data(as_text=True)
        with app_db(app) as s:
            assert progress.current_schedule(s, 2025).frequency == "quarterly"
        r = client.post(url, data={**saved, "confirm_past": "y"})
    assert r.status_code == 302
    with app_db(app) as s:
        history = progress.schedule_history(s, 2025)
        assert [h.frequency for h in history] == ["quarterly", "monthly"]  # the record kept


def test_a_change_of_future_periods_only_needs_no_confirmation(app, client, year):
    login(client, "clerk")
    url = "/supervision/2025/schedule"
    with _today(date(2025, 1, 10)):
        html = client.get(url).get_data(as_text=True)
        data = {"csrf_token": csrf_of(html), "frequency": "quarterly", "due_day": "20",
                "final_deadline": "2025-12-31", "reason": ""}
        html = client.post(url, data=data).get_data(as_text=True)
        assert 'data-touches-past="no"' in html and 'name="confirm_past"' not in html
        assert "2025-Q1：截止日期由 2025-03-25 改为 2025-03-20" in html
        r = client.post(url, data={**data, "step": "apply", "previewed": _previewed(html)})
    assert r.status_code == 302


def test_a_unit_name_in_half_width_brackets_is_the_existing_unit(app, client, year):
    from tests.supervision.reporting import unit_account
    from voting.pool.models import Unit
    from voting.pool.units import may_report

    with app_db(app) as s:
        unit_account(s, "u_edu", "演示责任单位（教育）")
        units_before = s.scalar(select(func.count()).select_from(Unit))
    login(client, "clerk")
    url = f"/supervision/projects/{year['water']}/units"
    r = client.post(url, data={"csrf_token": csrf_of(client.get(url).get_data(as_text=True)),
                               "lead": "演示责任单位(教育)", "responsible": "市水务局"})
    assert r.status_code == 302
    with app_db(app) as s:
        assert s.scalar(select(func.count()).select_from(Unit)) == units_before
        p = s.get(Project, year["water"])
        assert p.lead.name == "演示责任单位（教育）"
        from tests.helpers import user
        assert may_report(s, user(s, "u_edu"), p.id)


def test_a_new_unit_name_needs_a_confirmation_and_its_lack_of_account_is_shown(app, client,
                                                                              year):
    from voting.pool.models import Unit

    login(client, "clerk")
    url = f"/supervision/projects/{year['water']}/units"
    typed = {"csrf_token": csrf_of(client.get(url).get_data(as_text=True)),
             "lead": "市水务局", "responsible": "市水务局\n市城管局"}
    r = client.post(url, data=typed)
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    assert "没有名为 市城管局 的单位" in html and "保存将新建单位 市城管局" in html
    assert "市城管局</textarea>" in html  # what was typed is kept
    with app_db(app) as s:
        assert s.scalar(select(Unit).where(Unit.name == "市城管局")) is None
        assert s.get(Project, year["water"]).responsible_units == "市水务局"
    r = client.post(url, data={**typed, "confirm_new": "y"}, follow_redirects=True)
    html = r.get_data(as_text=True)
    assert "市城管局 还没有报送账号" in html
    with app_db(app) as s:
        assert s.get(Project, year["water"]).responsible_units == "市水务局、市城管局"
