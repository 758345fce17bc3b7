"""What users type is shown as text everywhere and cannot run as a formula in any export:
a script in a project's title and content, a unit's name, a report's narrative and a
suggestion, rendered on every public and staff page that shows them and in every CSV/XLSX."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest

from tests.helpers import app_db, login, user
from tests.supervision.reporting import ZONE, at, reporting_year
from voting.pool.models import Project, Suggestion
from voting.supervision import reports

SCRIPT = '<script>alert("x")</script><img src=x onerror=alert(1)>'
FORMULA = '=HYPERLINK("http://evil.example","点我")'


@pytest.fixture
def poisoned(app, clerk):
    ids = reporting_year(app)
    with app_db(app) as s:
        p = s.get(Project, ids["green"])
        p.title, p.content = FORMULA + SCRIPT, SCRIPT + FORMULA
        s.add(Suggestion(title=FORMULA + SCRIPT, body=SCRIPT))
        s.flush()
        reports.file_report(s, user(s, "u_green"), project_id=p.id, period="2025-Q1",
                            values={str(ids["green_targets"][0]): "1"},
                            narrative=FORMULA + SCRIPT, now=at(2025, 3, 20), zone=ZONE)
    return ids


def _no_raw_markup(html: str, url: str) -> None:
    assert "<script>alert" not in html, url
    assert "<img src=x" not in html, url
    assert "onerror=alert" not in html.replace("onerror=alert(1)&gt;", ""), url


def test_pages_show_typed_markup_as_text(app, poisoned):
    pid = poisoned["green"]
    public = app.test_client()
    for url in ["/", "/years/", "/years/2025", f"/projects/{pid}", f"/pool/projects/{pid}",
                "/years/2025/report", "/years/2025/midyear", "/projects/search?q=HYPERLINK",
                "/pool/", "/audit"]:
        r = public.get(url)
        assert r.status_code == 200, url
        _no_raw_markup(r.get_data(as_text=True), url)
    staff = app.test_client()
    login(staff, "clerk")
    for url in ["/supervision/?year=2025", "/pool/manage", "/pool/manage/suggestions",
                f"/supervision/projects/{pid}/units"]:
        r = staff.get(url)
        assert r.status_code == 200, url
        _no_raw_markup(r.get_data(as_text=True), url)
    unit = app.test_client()
    login(unit, "u_green")
    for url in ["/reports/", f"/reports/{pid}/2025-Q1"]:
        r = unit.get(url)
        assert r.status_code == 200, url
        _no_raw_markup(r.get_data(as_text=True), url)


def _cells_csv(data: bytes) -> list[str]:
    text = data.decode("utf-8-sig")
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def _cells_xlsx(data: bytes) -> list:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    return [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]


def test_no_export_carries_a_live_formula(app, poisoned):
    public = app.test_client()
    staff = app.test_client()
    login(staff, "clerk")
    urls = [(public, f"/years/2025/{table}.{fmt}") for table in ("projects", "targets", "reports")
            for fmt in ("csv", "xlsx")]
    urls += [(staff, f"/pool/manage/export/{what}.{fmt}") for what in ("projects", "suggestions")
             for fmt in ("csv", "xlsx")]
    urls += [(public, f"/pool/projects-2025.{fmt}") for fmt in ("csv", "xlsx")]
    checked = 0
    for client, url in urls:
        r = client.get(url)
        assert r.status_code == 200, url
        if url.endswith(".csv"):
            cells = _cells_csv(r.data)
            assert not [c for c in cells if c[:1] in ("=", "+", "-", "@") and "HYPERLINK" in c], url
            checked += any("HYPERLINK" in c for c in cells)
        else:
            for cell in _cells_xlsx(r.data):
                value = cell.value
                if isinstance(value, str) and "HYPERLINK" in value:
                    assert cell.data_type != "f", url  # stored as text, never as a formula
                    assert value.startswith("=") is False or cell.quotePrefix, url
                    checked += 1
    assert checked >= 8  # the poisoned title really is in the exports
