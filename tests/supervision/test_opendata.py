"""The supervision open data exactly as docs/protocol.md fixes it: the year list, a project's
detail with every report version, late reports, null completions, 404 and 422; and the CSV and
XLSX downloads of the same rows, formulas neutralised."""

from __future__ import annotations

import re

import pytest

from tests.supervision.public_data import TODAY, build
from voting.core import tabular
from voting.supervision import progress

SUMMARY_KEYS = {"id", "title", "year", "stage", "field", "lead_unit", "responsible_units",
                "completion", "status"}
DETAIL_KEYS = SUMMARY_KEYS | {"content", "significance", "targets", "schedule", "reports",
                              "evaluation"}
STATUSES = {"exceeded", "completed", "partly_completed", "in_progress", "behind", None}
PERCENT = re.compile(r"^\d+\.\d\d$")


@pytest.fixture
def data(app, poll_key, sitting, monkeypatch):
    monkeypatch.setattr(progress, "local_today", lambda zone: TODAY)
    return build(app, poll_key, sitting)


def test_year_list_has_every_stage_with_protocol_fields(client, data):
    r = client.get("/api/v1/projects?year=2025")
    assert r.status_code == 200
    doc = r.get_json()
    assert doc["year"] == 2025
    by_id = {p["id"]: p for p in doc["projects"]}
    assert set(by_id) == {data[k] for k in ("renovate", "parking", "toilets", "trees", "lost",
                                            "pool_only")}
    for row in doc["projects"]:
        assert SUMMARY_KEYS <= set(row)
        assert row["stage"] in {"pool", "alternative", "candidate", "selected"}
        assert row["status"] in STATUSES
        assert row["completion"] is None or PERCENT.match(row["completion"])
        assert isinstance(row["title"], str) and isinstance(row["lead_unit"], str)
        assert all(isinstance(u, str) for u in row["responsible_units"])
    renovate = by_id[data["renovate"]]
    assert (renovate["stage"], renovate["completion"], renovate["status"]) == (
        "selected", "59.85", "in_progress")
    assert renovate["lead_unit"] == "市住建局" and renovate["responsible_units"] == ["市住建局"]
    assert (by_id[data["parking"]]["completion"], by_id[data["parking"]]["status"]) == (
        "35.00", "behind")
    assert (by_id[data["trees"]]["completion"], by_id[data["trees"]]["status"]) == (
        "100.00", "exceeded")
    assert (by_id[data["toilets"]]["completion"], by_id[data["toilets"]]["status"]) == (None, None)
    assert by_id[data["lost"]]["stage"] == "candidate"
    assert by_id[data["pool_only"]]["stage"] == "pool"


def test_a_year_without_projects_is_an_empty_list(client, data):
    r = client.get("/api/v1/projects?year=1999")
    assert r.status_code == 200 and r.get_json() == {"year": 1999, "projects": []}


@pytest.mark.parametrize("query", ["", "?year=", "?year=abc", "?year=20.5", "?year=-1",
                                   "?year=1800", "?year=" + "9" * 40, "?year=99999"])
def test_a_missing_or_invalid_year_is_422_with_a_message(client, data, query):
    r = client.get("/api/v1/projects" + query)
    assert r.status_code == 422
    body = r.get_json()
    assert body["error"] == "invalid" and body["message"]


def test_the_message_is_chinese_first(client, data):
    assert "年份" in client.get("/api/v1/projects").get_json()["message"]


def test_project_detail_fields_and_types(client, data):
    r = client.get(f"/api/v1/projects/{data['renovate']}")
    assert r.status_code == 200
    doc = r.get_json()
    assert DETAIL_KEYS <= set(doc)
    assert doc["content"] == "改造老旧住宅小区，完善配套设施"
    assert doc["completion"] == "59.85" and doc["status"] == "in_progress"
    t1, t2 = data["targets"]["renovate"]
    assert [{k: t[k] for k in ("id", "metric", "unit", "target", "achieved", "completion")}
            for t in doc["targets"]] == [
        {"id": t1, "metric": "改造老旧住宅", "unit": "万平方米", "target": "1005",
         "achieved": "600", "completion": "59.70"},
        {"id": t2, "metric": "新建社区食堂（不少于）", "unit": "个", "target": "10",
         "achieved": "6", "completion": "60.00"}]
    assert doc["schedule"] == [{"period": "2025-Q1", "due": "2025-03-25"},
                               {"period": "2025-Q2", "due": "2025-06-25"},
                               {"period": "2025-Q3", "due": "2025-09-25"},
                               {"period": "2025-Q4", "due": "2025-12-25"}]
    assert [(r["period"], r["version"], r["late"]) for r in doc["reports"]] == [
        ("2025-Q1", 1, False), ("2025-Q2", 1, False)]
    q1 = doc["reports"][0]
    assert q1["values"] == {str(t1): "200", str(t2): "3"}
    assert q1["narrative"] == "一季度开工"
    assert q1["submitted"].startswith("2025-03-20T09:00:00")
    assert doc["evaluation"] is None


def test_every_version_is_kept_and_late_is_marked(client, data):
    doc = client.get(f"/api/v1/projects/{data['parking']}").get_json()
    tid = str(data["targets"]["parking"])
    assert [(r["period"], r["version"], r["late"], r["values"][tid], r["narrative"])
            for r in doc["reports"]] == [
        ("2025-Q1", 1, True, "100", "迟报"), ("2025-Q2", 1, False, "300", "初报"),
        ("2025-Q2", 2, False, "350", "更正")]
    assert doc["reports"][0]["days_late"] == 8
    # the correction counts, the first version stays on the record
    assert doc["targets"][0]["achieved"] == "350" and doc["completion"] == "35.00"
    assert doc["status"] == "behind"


def test_no_report_no_completion_and_overdue_periods(client, data):
    doc = client.get(f"/api/v1/projects/{data['toilets']}").get_json()
    assert doc["completion"] is None and doc["status"] is None and doc["reports"] == []
    assert doc["targets"][0]["achieved"] is None and doc["targets"][0]["completion"] is None
    assert [(o["period"], o["days"]) for o in doc["overdue"]] == [("2025-Q1", 98),
                                                                  ("2025-Q2", 6)]


def test_a_target_without_value_keeps_the_sources_percent(client, data):
    doc = client.get(f"/api/v1/projects/{data['seed']}").get_json()
    g1, g2 = doc["targets"]
    assert (g1["target"], g1["achieved"], g1["completion"], g1["completion_source"]) == (
        None, "17.6", "972.66", "stated")
    assert (g2["completion"], g2["completion_source"]) == ("105.00", "achieved_over_target")
    assert doc["completion"] == "100.00" and doc["status"] == "exceeded"
    assert doc["schedule"] == [] and doc["reports"][0]["period"] == "2022"


def test_a_project_in_the_pool_has_no_figures(client, data):
    doc = client.get(f"/api/v1/projects/{data['pool_only']}").get_json()
    assert doc["stage"] == "pool" and doc["targets"] == [] and doc["completion"] is None


@pytest.mark.parametrize("pid", ["999999", "2147483648", "9" * 30])
def test_unknown_project_is_404(client, data, pid):
    r = client.get(f"/api/v1/projects/{pid}")
    assert r.status_code == 404
    assert r.get_json()["error"] == "not_found"


def test_openapi_describes_the_open_data(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "get" in paths["/api/v1/projects"] and "get" in paths["/api/v1/projects/{project_id}"]
    params = paths["/api/v1/projects"]["get"]["parameters"]
    assert any(p["name"] == "year" and p["required"] for p in params)


# ---- downloads ----------------------------------------------------------------------------

def _rows_of(client, fmt):
    r = client.get(f"/years/2025/projects.{fmt}")
    assert r.status_code == 200
    assert f"supervision-2025.{fmt}" in r.headers["Content-Disposition"]
    return tabular.read_rows(f"x.{fmt}", r.data)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_downloads_hold_the_same_rows_as_the_json(client, data, fmt):
    rows = _rows_of(client, fmt)
    header, body = rows[0], rows[1:]
    assert [h.rsplit("(", 1)[1].rstrip(")") for h in header] == [
        "id", "title", "year", "stage", "field", "lead_unit", "responsible_units",
        "completion", "status"]
    doc = client.get("/api/v1/projects?year=2025").get_json()
    expected = [[str(p["id"]), p["title"], str(p["year"]), p["stage"], p["field"],
                 p["lead_unit"], "、".join(p["responsible_units"]), p["completion"] or "",
                 p["status"] or ""] for p in doc["projects"]]
    assert body == expected


def test_csv_neutralises_a_formula_in_a_title(client, data):
    r = client.get("/years/2025/projects.csv")
    text = r.data.decode("utf-8-sig")
    assert "'=HYPERLINK" in text
    assert "\n=HYPERLINK" not in text and ",=HYPERLINK" not in text


def test_xlsx_keeps_a_formula_as_text(client, data):
    import io

    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(client.get("/years/2025/projects.xlsx").data))
    cells = [c for row in wb.worksheets[0].iter_rows() for c in row
             if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert cells and all(c.data_type == "s" and c.quotePrefix for c in cells)


def test_unknown_download_format_is_404(client, data):
    assert client.get("/years/2025/projects.pdf").status_code == 404


def test_the_evaluation_is_the_published_rating_as_json(client, data, monkeypatch):
    """The detail carries the evaluation part's rating (dates as ISO text), the page shows it."""
    from datetime import datetime, timezone

    from voting.supervision import evaluation

    rated = {"poll_id": data["poll"], "poll_title": "2025年民生实事项目满意度测评",
             "rating": "dissatisfied", "threshold": 6, "overall_rate": "70.00",
             "counts": {"satisfied": 2, "basic": 1, "dissatisfied": 7, "abstain": 0},
             "published_at": datetime(2025, 12, 30, 8, 0, tzinfo=timezone.utc),
             "rectification": None}
    monkeypatch.setattr(evaluation, "project_evaluation",
                        lambda db, pid: rated if pid == data["parking"] else None)
    doc = client.get(f"/api/v1/projects/{data['parking']}").get_json()
    assert doc["evaluation"]["rating"] == "dissatisfied"
    assert doc["evaluation"]["counts"] == rated["counts"]
    assert doc["evaluation"]["published_at"] == "2025-12-30T08:00:00Z"
    assert client.get(f"/api/v1/projects/{data['renovate']}").get_json()["evaluation"] is None
    html = client.get(f"/projects/{data['parking']}").get_data(as_text=True)
    assert 'data-evaluation="dissatisfied"' in html and 'data-mark="dissatisfied">7<' in html
