"""A unit's XLSX upload: the filled-in template, a preview, confirm files one report per
project and period; every problem in Chinese with its row number; nothing stored if any row
is wrong."""

from __future__ import annotations

import io
import re
from datetime import date
from unittest import mock

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from tests.helpers import app_db, csrf_of, login, user
from tests.supervision.reporting import reporting_year
from voting.supervision import progress, schedules
from voting.supervision.models import ProgressReport

HEADER = ["项目编号", "项目名称", "报告期", "指标编号", "指标", "累计完成", "填报单位", "进展情况",
          "完成投资（万元）", "建设状态"]


@pytest.fixture
def year(app, clerk):
    return reporting_year(app)


def _xlsx(rows, header=HEADER) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _upload(client, data, name="reports.xlsx"):
    token = csrf_of(client.get("/reports/import").get_data(as_text=True))
    return client.post("/reports/import", data={"csrf_token": token,
                                                "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def _confirm(client, html):
    fields = dict(re.findall(r'name="(csrf_token|filename|content)"[^>]*value="([^"]*)"', html))
    return client.post("/reports/import/confirm", data=fields)


def _count(app):
    with app_db(app) as s:
        return s.scalar(select(func.count()).select_from(ProgressReport))


def test_the_template_is_filled_in_with_the_units_projects(app, client, year):
    login(client, "u_green")
    with mock.patch.object(progress, "local_today", lambda zone: date(2025, 4, 2)):
        r = client.get("/reports/template.xlsx")
    assert r.status_code == 200
    rows = [[c.value for c in row]
            for row in load_workbook(io.BytesIO(r.get_data())).worksheets[0].iter_rows()]
    assert rows[0][:5] == HEADER[:5] and set(HEADER) <= set(rows[0])
    assert [(row[0], row[2], row[3]) for row in rows[1:]] == [
        (year["green"], "2025-Q1", year["green_targets"][0]),
        (year["green"], "2025-Q1", year["green_targets"][1])]  # Q1 overdue, not filed yet
    assert client.get("/reports/template.csv").status_code == 200


def test_upload_preview_then_confirm_files_the_reports(app, client, year):
    t1, t2 = year["green_targets"]
    g = year["green"]
    login(client, "u_green")
    data = _xlsx([[g, "城市绿化景观提升", "2025-Q1", t1, "新增绿地", 1.2, "", "一季度进展", 50, "推进中"],
                  [g, "城市绿化景观提升", "2025-Q1", t2, "补植乔木", 8000, "株", "", "", ""],
                  [g, "城市绿化景观提升", "2025-Q2", t1, "新增绿地", "2.5", "", "", "", ""]])
    r = _upload(client, data)
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "将报送 2 份报告" in html
    assert _count(app) == 0  # the preview changes nothing
    r = _confirm(client, html)
    assert r.status_code == 302
    with app_db(app) as s:
        rows = s.scalars(select(ProgressReport).order_by(ProgressReport.period)).all()
        assert [(r.period, r.version, r.source, r.delivery) for r in rows] == [
            ("2025-Q1", 1, "xlsx", "under_way"), ("2025-Q2", 1, "xlsx", None)]
        assert [(v.achieved, v.entered, v.entered_unit) for v in rows[0].values] == [
            ("1.2", "1.2", "公顷"), ("0.8", "8000", "株")]
        assert str(rows[0].spending_wan_yuan) == "50.00"


def test_every_wrong_row_is_reported_in_chinese_and_nothing_is_filed(app, client, year):
    t1, t2 = year["green_targets"]
    g, w = year["green"], year["water"]
    login(client, "u_green")
    data = _xlsx([[g, "", "2025-Q1", t1, "", "1.5", "", "", "", ""],  # fine
                  [g, "", "2025-Q1", t2, "", "很多", "", "", "", ""],  # row 3: not a number
                  [g, "", "2025-Q9", t1, "", "1", "", "", "", ""],  # row 4: no such period
                  [w, "", "2025-Q1", year["water_targets"][0], "", "1", "", "", "", ""],  # 5
                  [g, "", "2025-Q2", 999999, "", "1", "", "", "", ""],  # row 6: no such target
                  [g, "", "2025-Q3", t1, "", "1", "平方米", "", "", ""],  # row 7: bad unit
                  [g, "", "2025-Q4", t1, "", "1", "", "", "", "完成了"]])  # row 8: delivery
    r = _upload(client, data)
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    errors = re.findall(r"<li>(第 \d+ 行[^<]*)</li>", html)
    assert [int(re.search(r"\d+", e).group()) for e in errors] == [3, 4, 5, 6, 7, 8], errors
    assert "不是非负的十进制数字" in errors[0] and "不是 2025 年的报送期" in errors[1]
    assert "不是项目" in errors[2] and "责任单位的报送人员" in errors[2]
    assert "不是本项目的目标指标" in errors[3] and "平方米" in errors[4]
    assert "已完工并投入使用" in errors[5]
    assert 'name="content"' not in html  # no confirm button
    assert _count(app) == 0


def test_a_confirm_rechecks_the_file(app, client, year):
    """A file fine at preview but wrong by the time it is confirmed files nothing."""
    t1 = year["green_targets"][0]
    login(client, "u_green")
    html = _upload(client, _xlsx([[year["green"], "", "2025-Q1", t1, "", "1", "", "", "", ""]])
                   ).get_data(as_text=True)
    with app_db(app) as s:  # the schedule changes to monthly: 2025-Q1 is no period now
        schedules.set_schedule(s, user(s, "clerk"), year=2025, frequency="monthly", due_day=5,
                               final_deadline=date(2025, 12, 31))
    r = _confirm(client, html)
    assert r.status_code == 422 and "第 2 行" in r.get_data(as_text=True)
    assert _count(app) == 0


def test_not_a_spreadsheet_and_missing_columns(app, client, year):
    login(client, "u_green")
    r = _upload(client, b"not a zip", name="r.xlsx")
    assert r.status_code == 422 and "XLSX" in r.get_data(as_text=True)
    r = _upload(client, _xlsx([[1]], header=["项目编号"]))
    assert r.status_code == 422 and "报告期" in r.get_data(as_text=True)
    assert _count(app) == 0
