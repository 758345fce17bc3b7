"""QA's findings on re-sending a report: the template carries everything the period's current
report says (spending and delivery too), so that uploading it back files nothing; a correction
that leaves spending or delivery blank keeps the previous version's; the preview says which
rows correct a filed period (which version, late or not). The import page names its columns
in the page's language; a unit's home lists its open rectifications."""

from __future__ import annotations

import io
import re
from datetime import date
from unittest import mock

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from tests.helpers import app_db, csrf_of, login, user
from tests.supervision.reporting import ZONE, at, reporting_year
from voting.supervision import progress, reports
from voting.supervision.models import ProgressReport


@pytest.fixture
def year(app, clerk):
    return reporting_year(app)


def _today(d):
    return mock.patch.object(progress, "local_today", lambda zone: d)


def _file_year(app, year):
    """u_green files all four quarters on time; Q4 with narrative, spending and delivery."""
    t1, t2 = year["green_targets"]
    with app_db(app) as s:
        u = user(s, "u_green")
        for q, (a, b) in enumerate([("0.5", "0.2"), ("1", "0.5"), ("2", "1")], start=1):
            reports.file_report(s, u, project_id=year["green"], period=f"2025-Q{q}",
                                values={t1: a, t2: b}, now=at(2025, 3 * q, 20), zone=ZONE)
        reports.file_report(s, u, project_id=year["green"], period="2025-Q4",
                            values={t1: "3", t2: "17600"}, units={t2: "株"},
                            narrative="全年完成", spending="260.5", delivery="in_use",
                            now=at(2025, 12, 20), zone=ZONE)


def _versions(app, period="2025-Q4"):
    with app_db(app) as s:
        return [(r.version, r.late, r.spending_wan_yuan, r.delivery,
                 sorted((v.target_id, v.achieved) for v in r.values))
                for r in s.scalars(select(ProgressReport).where(ProgressReport.period == period)
                                   .order_by(ProgressReport.version))]


def _template(client):
    r = client.get("/reports/template.xlsx")
    assert r.status_code == 200
    return [[c.value for c in row]
            for row in load_workbook(io.BytesIO(r.get_data())).worksheets[0].iter_rows()]


def _xlsx(rows) -> bytes:
    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _upload(client, data):
    token = csrf_of(client.get("/reports/import").get_data(as_text=True))
    return client.post("/reports/import", data={"csrf_token": token,
                                                "file": (io.BytesIO(data), "reports.xlsx")},
                       content_type="multipart/form-data")


def _confirm(client, html):
    fields = dict(re.findall(r'name="(csrf_token|filename|content)"[^>]*value="([^"]*)"', html))
    return client.post("/reports/import/confirm", data=fields)


def test_the_template_sent_back_unchanged_files_nothing(app, client, year):
    _file_year(app, year)
    login(client, "u_green")
    with _today(date(2026, 1, 5)):  # every quarter filed: the template is Q4's report
        rows = _template(client)
        head = rows[0]
        q4 = [dict(zip(head, row)) for row in rows[1:]]
        assert [(r["报告期"], r["累计完成"], r["填报单位"]) for r in q4] == [
            ("2025-Q4", "3", "公顷"), ("2025-Q4", "17600", "株")]
        assert (q4[0]["进展情况"], q4[0]["完成投资（万元）"], q4[0]["建设状态"]) == (
            "全年完成", "260.5", "已完工并投入使用")
        r = _upload(client, _xlsx(rows))
        html = r.get_data(as_text=True)
        assert r.status_code == 200 and "将报送 0 份报告" in html
        assert 'data-outcome="unchanged"' in html and "与现有报告相同，跳过（仍为第 1 版）" in html
        r = _confirm(client, html)
    assert r.status_code == 302
    assert [v[0] for v in _versions(app)] == [1]  # no new (late) version


def test_a_correction_in_the_template_keeps_blank_spending_and_delivery(app, client, year):
    _file_year(app, year)
    t1, t2 = year["green_targets"]
    login(client, "u_green")
    with _today(date(2026, 1, 5)):
        rows = _template(client)
        head = rows[0]
        rows[1][head.index("累计完成")] = "3.2"  # one figure corrected
        rows[1][head.index("完成投资（万元）")] = None  # spending and delivery left blank
        rows[1][head.index("建设状态")] = None
        r = _upload(client, _xlsx(rows))
        html = r.get_data(as_text=True)
        assert 'data-outcome="correction"' in html
        assert "更正已报送的报告期：新的第 2 版" in html and "将标记为逾期报送" in html
        r = _confirm(client, html)
    assert r.status_code == 302
    v1, v2 = _versions(app)
    assert v2[:4] == (2, True, v1[2], "in_use") and str(v1[2]) == "260.50"
    assert v2[4] == [(t1, "3.2"), (t2, "1.76")]


def test_the_form_sent_unchanged_files_no_version_and_blank_spending_is_kept(app, client,
                                                                              year):
    _file_year(app, year)
    t1, t2 = year["green_targets"]
    login(client, "u_green")
    url = f"/reports/{year['green']}/2025-Q4"
    with _today(date(2026, 1, 5)):
        html = client.get(url).get_data(as_text=True)
        assert "留空则沿用上一版本的值" in html
        same = {"csrf_token": csrf_of(html), f"value_{t1}": "3", f"unit_{t1}": "公顷",
                f"value_{t2}": "17600", f"unit_{t2}": "株", "narrative": "全年完成",
                "spending": "260.5", "delivery": "in_use"}
        r = client.post(url, data=same, follow_redirects=True)
        assert "内容没有变化：2025-Q4 的报告仍为第 1 版" in r.get_data(as_text=True)
        assert len(_versions(app)) == 1
        r = client.post(url, data={**same, "narrative": "全年完成，已验收", "spending": "",
                                   "delivery": ""})
    assert r.status_code == 302
    v1, v2 = _versions(app)
    assert (v2[0], v2[2], v2[3]) == (2, v1[2], "in_use")


def test_the_json_api_keeps_spending_and_delivery_a_correction_leaves_out(app, year):
    t1, _ = year["green_targets"]
    _file_year(app, year)
    with app_db(app) as s:
        filed = reports.file_report(s, user(s, "u_green"), project_id=year["green"],
                                    period="2025-Q4", values={t1: "3.1"}, now=at(2025, 12, 21),
                                    zone=ZONE)
        assert (filed.version, str(filed.spending_wan_yuan), filed.delivery) == (
            2, "260.50", "in_use")


def test_the_import_page_names_its_columns_in_the_pages_language(app, client, year):
    login(client, "u_green")
    html = client.get("/reports/import").get_data(as_text=True)
    items = re.findall(r"<li><strong>([^<]*)</strong>", html)
    assert "项目编号" in items and "完成投资（万元）" in items
    assert not any("/" in i or re.search("[A-Za-z]", i) for i in items)  # no English here
    assert "也接受英文表头" in html and "完成投资或建设状态留空即沿用上一版本的值" in html
    html = client.get("/reports/import?lang=en").get_data(as_text=True)
    items = re.findall(r"<li><strong>([^<]*)</strong>", html)
    assert "Project ID" in items and "项目编号" not in items


def test_a_units_home_lists_its_open_rectifications_with_links(app, sitting):
    from tests.supervision.evaluating import evaluated
    from voting.supervision.models import Rectification

    evaluated(app, sitting)  # 中小学校建设 rated dissatisfied: under rectification
    with app_db(app) as s:
        rect = s.query(Rectification).one().id
    client = app.test_client()
    login(client, "u3")  # reports for 中小学校建设
    html = client.get("/reports/").get_data(as_text=True)
    section = html[html.index('id="rp-rectifications"'):]
    assert "正在整改（1 项）" in section and "中小学校建设" in section
    assert f'href="/supervision/rectifications/{rect}"' in section
    assert "尚未提交整改报告" in section
    other = app.test_client()
    login(other, "u1")
    assert 'id="rp-rectifications"' not in other.get("/reports/").get_data(as_text=True)


def test_the_correction_form_shows_each_targets_figure_even_if_the_last_version_left_it_out(
        app, client, year):
    t1, t2 = year["green_targets"]
    _file_year(app, year)
    with app_db(app) as s:  # version 2 names only the first target
        reports.file_report(s, user(s, "u_green"), project_id=year["green"], period="2025-Q4",
                            values={t1: "3.1"}, now=at(2025, 12, 21), zone=ZONE)
    login(client, "u_green")
    with _today(date(2026, 1, 5)):
        html = client.get(f"/reports/{year['green']}/2025-Q4").get_data(as_text=True)
    assert re.search(rf'name="value_{t1}"[^>]*value="3.1"', html)
    assert re.search(rf'name="value_{t2}"[^>]*value="17600"', html)
