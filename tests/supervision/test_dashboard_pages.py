"""The secretariat's dashboard: every selected project with completion, status in Chinese,
the last report, overdue periods with units and days, late reports; the overdue list as CSV
and XLSX with formula injection neutralised."""

from __future__ import annotations

import io
import re
from datetime import date
from unittest import mock

import pytest
from openpyxl import load_workbook

from tests.helpers import app_db, login, user
from tests.supervision.reporting import ZONE, at, reporting_year, selected_project
from voting.supervision import progress, reports


@pytest.fixture
def year(app, clerk):
    ids = reporting_year(app)
    with app_db(app) as s:
        u = user(s, "u_green")
        t1, t2 = ids["green_targets"]
        reports.file_report(s, u, project_id=ids["green"], period="2025-Q1",
                            values={t1: "1", t2: "0.5"}, now=at(2025, 3, 25), zone=ZONE)
        reports.file_report(s, u, project_id=ids["green"], period="2025-Q2",
                            values={t1: "2", t2: "1"}, now=at(2025, 7, 2), zone=ZONE)
    return ids


def _today(d):
    return mock.patch.object(progress, "local_today", lambda zone: d)


def test_the_dashboard_lists_every_project_with_its_figures(app, client, year):
    login(client, "clerk")
    with _today(date(2025, 7, 10)):
        r = client.get("/supervision/?year=2025")
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "城市绿化景观提升" in html and "城区排污设施改造" in html
    # 新增绿地 2/3 = 66.67 %, 补植乔木 1/1.75 = 57.14 %: mean 61.91 %; half the periods
    # elapsed (Q1, Q2): in progress.
    assert re.search(r"data-completion[^>]*>61\.91\s%<", html) and "推进中" in html
    assert "2025-Q2，第 1 版" in html
    # The water project filed nothing: Q1 (due 25 March) and Q2 (25 June) overdue.
    assert "2025-Q1：107 天" in html and "2025-Q2：15 天" in html
    assert 'id="overdue"' in html and "市水务局" in html
    assert 'id="late"' in html  # Q2 of the green project was filed on 2 July: 7 days late
    assert "data-days-late>7<" in html


def test_a_year_without_a_schedule_says_so(app, client, year):
    login(client, "clerk")
    html = client.get("/supervision/?year=2031").get_data(as_text=True)
    assert "2031 年尚未设定报送安排" in html and "2031 年尚无入选项目" in html


def test_the_overdue_list_exports_as_csv_and_xlsx_without_formulas(app, client, year):
    with app_db(app) as s:
        selected_project(s, title="=HYPERLINK(\"http://x\")", lead="-市城管局",
                         responsible=("-市城管局",), targets=[("清扫", "公里", "10")])
    login(client, "clerk")
    with _today(date(2025, 7, 10)):
        csv = client.get("/supervision/2025/overdue.csv")
        xlsx = client.get("/supervision/2025/overdue.xlsx")
    assert csv.status_code == 200 and "attachment" in csv.headers["Content-Disposition"]
    text = csv.get_data().decode("utf-8-sig")
    assert "城区排污设施改造,2025-Q1,2025-03-25,107,市水务局" in text
    assert "'=HYPERLINK" in text and ",'-市城管局" in text
    ws = load_workbook(io.BytesIO(xlsx.get_data())).worksheets[0]
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    assert rows[0][:5] == ["项目编号", "项目", "报告期", "截止日期", "逾期天数"]
    bad = next(r for r in rows if str(r[1]).startswith("=HYPERLINK"))
    cell = next(c for row in ws.iter_rows() for c in row if c.value == bad[1])
    assert cell.data_type == "s"
    assert client.get("/supervision/2025/overdue.pdf").status_code == 404
