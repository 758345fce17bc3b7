"""POST /api/v1/projects/{id}/reports as PROTOCOL.md fixes it: 201 {period, version}; 401 with
no session, 400 without X-CSRFToken, 403 not the project's unit, 404 unknown project, 422 an
unknown period or target or a bad value; nothing stored on any error."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.helpers import app_db, login
from tests.supervision.reporting import reporting_year
from voting.supervision.models import ProgressReport, ReportValue


@pytest.fixture
def year(app, clerk):
    return reporting_year(app)


def _post(client, project_id, body, token):
    headers = {"X-CSRFToken": token} if token else {}
    return client.post(f"/api/v1/projects/{project_id}/reports", json=body, headers=headers)


def _stored(app):
    with app_db(app) as s:
        return (s.scalar(select(func.count()).select_from(ProgressReport)),
                s.scalar(select(func.count()).select_from(ReportValue)))


def test_a_unit_files_and_corrects_a_report(app, client, year):
    token = login(client, "u_green")
    t1, t2 = year["green_targets"]
    body = {"period": "2025-Q1", "values": {str(t1): "1.5", str(t2): "0.9"},
            "narrative": "一季度新增绿地1.5公顷"}
    r = _post(client, year["green"], body, token)
    assert r.status_code == 201 and r.get_json() == {"period": "2025-Q1", "version": 1}
    r = _post(client, year["green"], {**body, "values": {str(t1): "1.6"}}, token)
    assert r.status_code == 201 and r.get_json() == {"period": "2025-Q1", "version": 2}
    with app_db(app) as s:
        rows = s.scalars(select(ProgressReport).order_by(ProgressReport.version)).all()
        assert [(r.version, r.source, r.narrative) for r in rows] == [
            (1, "api", "一季度新增绿地1.5公顷"), (2, "api", "一季度新增绿地1.5公顷")]
        assert [v.achieved for v in rows[1].values] == ["1.6"]


def test_optional_fields_units_spending_delivery(app, client, year):
    token = login(client, "u_green")
    _, t2 = year["green_targets"]
    r = _post(client, year["green"], {"period": "2025-Q2", "values": {str(t2): "17600"},
                                      "units": {str(t2): "株"}, "spending": "88.5",
                                      "delivery": "partly_in_use"}, token)
    assert r.status_code == 201, r.get_json()
    with app_db(app) as s:
        report = s.scalars(select(ProgressReport)).one()
        assert report.values[0].achieved == "1.76" and report.delivery == "partly_in_use"


@pytest.mark.parametrize("who, project, body, status", [
    ("u_water", "green", {"period": "2025-Q1", "values": {}}, 403),  # another project's unit
    ("d_user", "green", {"period": "2025-Q1", "values": {}}, 403),  # a deputy
    ("t_user", "green", {"period": "2025-Q1", "values": {}}, 403),  # a teller
    ("clerk", "green", {"period": "2025-Q1", "values": {}}, 403),  # the secretariat
    ("u_green", 99999, {"period": "2025-Q1", "values": {}}, 404),
    ("u_green", "green", {"period": "2025-Q9", "values": {"T1": "1"}}, 422),
    ("u_green", "green", {"period": "2025-Q1", "values": {"424242": "1"}}, 422),
    ("u_green", "green", {"period": "2025-Q1", "values": {"W1": "1"}}, 422),  # another's target
    ("u_green", "green", {"period": "2025-Q1", "values": {"T1": "-2"}}, 422),
    ("u_green", "green", {"period": "2025-Q1", "values": {"T1": 2}}, 422),
    ("u_green", "green", {"period": "2025-Q1", "values": {"T1": "1", "T2": "abc"}}, 422),
    ("u_green", "green", {"values": {"T1": "1"}}, 422),
    ("u_green", "green", {"period": "2025-Q1", "values": "1"}, 422),
    ("u_green", "green", ["2025-Q1"], 400),
])
def test_refusals_store_nothing(app, client, year, who, project, body, status):
    ids = {"T1": str(year["green_targets"][0]), "T2": str(year["green_targets"][1]),
           "W1": str(year["water_targets"][0])}
    if isinstance(body, dict) and isinstance(body.get("values"), dict):
        body = {**body, "values": {ids.get(k, k): v for k, v in body["values"].items()}}
    token = login(client, who)
    pid = year[project] if isinstance(project, str) else project
    r = _post(client, pid, body, token)
    assert r.status_code == status, r.get_json()
    assert set(r.get_json()) == {"error", "message"}
    assert _stored(app) == (0, 0)


def test_no_session_is_401_and_no_csrf_token_is_refused(app, client, year):
    t1 = year["green_targets"][0]
    body = {"period": "2025-Q1", "values": {str(t1): "1"}}
    assert _post(client, year["green"], body, None).status_code == 401
    login(client, "u_green")
    assert _post(client, year["green"], body, None).status_code in (400, 403)
    assert _stored(app) == (0, 0)


def test_the_endpoint_is_in_the_openapi_document(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    op = doc["paths"]["/api/v1/projects/{project_id}/reports"]["post"]
    assert {"201", "401", "403", "404", "422"} <= set(op["responses"])
