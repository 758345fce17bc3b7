"""A unit's pages: its projects only, each period's state, the report form (a correction shows
the previous figures and the version it will be), bad input shown with nothing stored and
nothing typed lost."""

from __future__ import annotations

from datetime import date
from unittest import mock

import pytest
from sqlalchemy import func, select

from tests.helpers import app_db, csrf_of, login, user
from tests.supervision.reporting import ZONE, at, reporting_year
from voting.supervision import progress, reports
from voting.supervision.models import ProgressReport


@pytest.fixture
def year(app, clerk):
    return reporting_year(app)


def _today(d):
    return mock.patch.object(progress, "local_today", lambda zone: d)


def _count(app):
    with app_db(app) as s:
        return s.scalar(select(func.count()).select_from(ProgressReport))


def test_the_unit_sees_only_its_projects_with_each_periods_state(app, client, year):
    with app_db(app) as s:
        reports.file_report(s, user(s, "u_green"), project_id=year["green"], period="2025-Q1",
                            values={year["green_targets"][0]: "1"}, now=at(2025, 3, 24),
                            zone=ZONE)
        reports.file_report(s, user(s, "u_green"), project_id=year["green"], period="2025-Q2",
                            values={year["green_targets"][0]: "2"}, now=at(2025, 6, 28),
                            zone=ZONE)
    login(client, "u_green")
    with _today(date(2025, 10, 1)):
        html = client.get("/reports/").get_data(as_text=True)
    assert "城市绿化景观提升" in html and "城区排污设施改造" not in html
    assert 'data-period="2025-Q1" data-state="on_time"' in html
    assert 'data-period="2025-Q2" data-state="late"' in html
    assert "3 天" in html or "3 days" in html  # Q2 filed 3 days late
    assert 'data-period="2025-Q3" data-state="overdue"' in html
    assert 'data-period="2025-Q4" data-state="open"' in html


def test_filing_on_the_form_then_correcting_it(app, client, year):
    t1, t2 = year["green_targets"]
    login(client, "u_green")
    url = f"/reports/{year['green']}/2025-Q1"
    page = client.get(url)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "新增绿地" in html and 'data-next-version="1"' in html
    r = client.post(url, data={"csrf_token": csrf_of(html), f"value_{t1}": "1.5",
                               f"unit_{t1}": "公顷", f"value_{t2}": "17600", f"unit_{t2}": "株",
                               "narrative": "新增绿地1.5公顷", "spending": "300",
                               "delivery": "under_way"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/reports/")
    html = client.get(url).get_data(as_text=True)
    assert 'data-next-version="2"' in html
    assert 'value="17600"' in html and 'value="1.5"' in html and "新增绿地1.5公顷" in html
    r = client.post(url, data={"csrf_token": csrf_of(html), f"value_{t1}": "1.8",
                               f"unit_{t1}": "公顷", f"value_{t2}": "1.8", f"unit_{t2}": "万株"})
    assert r.status_code == 302
    with app_db(app) as s:
        rows = s.scalars(select(ProgressReport).order_by(ProgressReport.version)).all()
        assert [(r.version, [v.achieved for v in r.values]) for r in rows] == [
            (1, ["1.5", "1.76"]), (2, ["1.8", "1.8"])]


def test_bad_input_is_shown_keeps_what_was_typed_and_stores_nothing(app, client, year):
    t1, t2 = year["green_targets"]
    login(client, "u_green")
    url = f"/reports/{year['green']}/2025-Q1"
    token = csrf_of(client.get(url).get_data(as_text=True))
    r = client.post(url, data={"csrf_token": token, f"value_{t1}": "一点五",
                               f"unit_{t1}": "公顷", f"value_{t2}": "1", f"unit_{t2}": "万株",
                               "narrative": "要保留的说明"})
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert "不是" in html and 'aria-invalid="true"' in html
    assert 'value="一点五"' in html and "要保留的说明" in html
    assert _count(app) == 0


def test_another_units_project_and_unknown_periods(app, client, year):
    login(client, "u_water")
    assert client.get(f"/reports/{year['green']}/2025-Q1").status_code == 403
    assert client.get(f"/reports/{year['water']}/2025-Q7").status_code == 404
    assert client.get(f"/reports/{year['water']}/2025-Q1").status_code == 200
    assert client.get("/reports/424242/2025-Q1").status_code == 404


def test_a_report_after_the_due_date_says_so(app, client, year):
    login(client, "u_green")
    with _today(date(2025, 3, 26)):
        html = client.get(f"/reports/{year['green']}/2025-Q1").get_data(as_text=True)
    assert "marked late" in html or "逾期" in html
