"""Every supervision route (the `supervision.` endpoints and the /api/v1/projects API) with
every role: anonymous, deputy, the unit of this project, the unit of another project, teller,
secretariat. A route added without a line in ACCESS fails here, so that someone decides who
may use it. Denied means 401/403 or a redirect to the sign-in page; nothing a denied or an
empty request sends is stored."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.helpers import app_db, csrf_meta, login
from tests.supervision.reporting import reporting_year
from voting.supervision.models import ProgressReport, ReportingSchedule

ROLES = ("anonymous", "deputy", "unit_here", "unit_other", "teller", "secretariat")
ACCOUNTS = {"deputy": "d_user", "unit_here": "u_green", "unit_other": "u_water",
            "teller": "t_user", "secretariat": "clerk"}
EVERYONE = set(ROLES)
SECRETARIAT = {"secretariat"}
UNITS = {"unit_here", "unit_other"}

# (endpoint, method) → the roles allowed. "unit_here" reports on the project in the URL
# (the green project); "unit_other" reports for another project's unit.
ACCESS = {
    # public pages (H2, H3)
    ("supervision.years", "GET"): EVERYONE,
    ("supervision.year", "GET"): EVERYONE,
    ("supervision.year_download", "GET"): EVERYONE,
    ("supervision.year_targets_download", "GET"): EVERYONE,
    ("supervision.year_reports_download", "GET"): EVERYONE,
    ("supervision.project", "GET"): EVERYONE,
    ("supervision.rules_page", "GET"): EVERYONE,
    ("supervision.search", "GET"): EVERYONE,
    ("supervision.midyear", "GET"): EVERYONE,
    ("supervision.year_report", "GET"): EVERYONE,
    ("supervision.midyear_pdf", "GET"): EVERYONE,
    ("supervision.year_report_pdf", "GET"): EVERYONE,
    ("api.projects", "GET"): EVERYONE,
    ("api.project", "GET"): EVERYONE,
    # rectification (H4): the record is public; the list and steps are staff's and units'
    ("supervision.rectifications", "GET"): SECRETARIAT | UNITS,
    ("supervision.rectification", "GET"): EVERYONE,
    ("supervision.add_step", "POST"): SECRETARIAT | UNITS,
    # reporting: the secretariat's pages
    ("supervision.dashboard_page", "GET"): SECRETARIAT,
    ("supervision.overdue_export", "GET"): SECRETARIAT,
    ("supervision.schedule", "GET"): SECRETARIAT,
    ("supervision.schedule", "POST"): SECRETARIAT,
    ("supervision.assign_units", "GET"): SECRETARIAT,
    ("supervision.assign_units", "POST"): SECRETARIAT,
    # reporting: the units' pages; a report only by the project's own unit
    ("supervision.unit_home", "GET"): UNITS,
    ("supervision.report", "GET"): {"unit_here"},
    ("supervision.report", "POST"): {"unit_here"},
    ("supervision.report_import", "GET"): UNITS,
    ("supervision.report_import", "POST"): UNITS,
    ("supervision.report_import_confirm", "POST"): UNITS,
    ("supervision.report_template", "GET"): UNITS,
    ("api.file_report", "POST"): {"unit_here"},
}


def _routes(app):
    out = []
    for rule in app.url_map.iter_rules():
        if not (rule.endpoint.startswith("supervision.")
                or rule.rule.startswith("/api/v1/projects")):
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            out.append((rule, method))
    return out


def _url(app, rule, ids):
    values = {"project_id": ids["green"], "year": 2025, "fmt": "csv", "period": "2025-Q1",
              "rect_id": 1, "unit_id": 1}
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **{a: values[a] for a in rule.arguments})


def _denied(response) -> bool:
    if response.status_code in (401, 403):
        return True
    return response.status_code == 302 and "/login" in response.headers.get("Location", "")


def test_every_supervision_route_has_its_access_decided(app):
    routes = {(rule.endpoint, method) for rule, method in _routes(app)}
    undecided = sorted(routes - set(ACCESS))
    assert not undecided, f"add to ACCESS in {__file__}: {undecided}"


@pytest.mark.parametrize("role", ROLES)
def test_who_may_use_each_route(app, clerk, role):
    ids = reporting_year(app)
    client = app.test_client()
    token = (login(client, ACCOUNTS[role]) if role != "anonymous" else
             csrf_meta(client.get("/").get_data(as_text=True)))
    with app_db(app) as s:
        schedules = s.scalar(select(func.count()).select_from(ReportingSchedule))
    wrong = []
    for rule, method in _routes(app):
        expected = ACCESS.get((rule.endpoint, method))
        if expected is None:
            continue  # reported by the test above
        url = _url(app, rule, ids)
        if method == "GET":
            r = client.get(url)
        elif rule.rule.startswith("/api/"):
            r = client.post(url, json={}, headers={"X-CSRFToken": token})
        else:
            r = client.post(url, data={"csrf_token": token})
        allowed = role in expected
        if _denied(r) == allowed:
            should = "should" if allowed else "should not"
            wrong.append(f"{method} {url}: {r.status_code} ({should} pass)")
        if not allowed and role == "anonymous" and not url.startswith("/api/"):
            assert r.status_code in (302, 401), url  # to the sign-in page
    assert not wrong, wrong
    with app_db(app) as s:
        assert s.scalar(select(func.count()).select_from(ProgressReport)) == 0
        assert s.scalar(select(func.count()).select_from(ReportingSchedule)) == schedules
