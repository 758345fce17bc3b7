"""The secretariat's schedule page (form and record of earlier schedules) and a selected
project's units page; bad input re-shows the form and stores nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.helpers import app_db, csrf_of, login
from tests.supervision.reporting import reporting_year
from voting.audit.models import AuditEntry
from voting.pool.models import Project
from voting.supervision.models import ReportingSchedule


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
    r = client.post("/supervision/2026/schedule", data={
        "csrf_token": csrf_of(html), "frequency": "monthly", "due_day": "5",
        "final_deadline": "2027-01-10", "reason": "改为按月调度"})
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
