"""Every route of the app with every role: anonymous, deputy, responsible unit, teller (or
scrutineer: one role) and secretariat. The table below decides who may use each endpoint; a
route added without a line here fails the first test, so nobody forgets to decide.

GET requests are tried with every role (allowed: not refused; others: refused). A POST is tried
only with the roles that must be refused (a refused request changes nothing, so the walk can go
on); what an allowed POST does is each domain's own tests' business. Refused means 401/403 or,
for a page, a redirect to the sign-in page. The supervision routes' finer rules (the unit of
this project against another's) are in tests/supervision/test_roles.py."""

from __future__ import annotations

import pytest
from flask import url_for
from sqlalchemy import func, select

from tests.helpers import app_db, csrf_meta, login
from tests.polls import Voter
from tests.supervision.reporting import reporting_year
from voting.audit.models import AuditEntry
from voting.auth.models import User
from voting.pool.models import Suggestion, Unit
from voting.sessions.models import Deputy

ROLES = ("anonymous", "deputy", "unit", "teller", "secretariat")
ACCOUNTS = {"deputy": "d001", "unit": "u_green", "teller": "t_user", "secretariat": "clerk"}

EVERYONE = frozenset(ROLES)
SIGNED_IN = EVERYONE - {"anonymous"}
SECRETARIAT = frozenset({"secretariat"})
STAFF = frozenset({"teller", "secretariat"})
DEPUTY = frozenset({"deputy"})
UNIT = frozenset({"unit"})

ACCESS = {
    # the public contract (docs/protocol.md): open to all; the cast carries no session at all
    "api.audit": EVERYONE, "api.board": EVERYONE, "api.keys": EVERYONE, "api.poll": EVERYONE,
    "api.openapi_document": EVERYONE, "api.project": EVERYONE, "api.projects": EVERYONE,
    "api.result": EVERYONE, "api.login": EVERYONE, "api.cast": EVERYONE,
    "api.me": SIGNED_IN, "api.token": DEPUTY, "api.file_report": UNIT,
    # public pages
    "main.index": EVERYONE, "main.healthz": EVERYONE, "static": EVERYONE, "audit.log": EVERYONE,
    "auth.login": EVERYONE, "auth.set_language": EVERYONE, "sessions.qr_login": EVERYONE,
    "ballots.board": EVERYONE, "pool.funnel": EVERYONE, "pool.open_data": EVERYONE,
    "pool.project": EVERYONE, "pool.suggest": EVERYONE,
    "tally.announcement": EVERYONE, "tally.download": EVERYONE, "tally.results": EVERYONE,
    "tally.signing_keys": EVERYONE,
    "supervision.years": EVERYONE, "supervision.year": EVERYONE,
    "supervision.year_download": EVERYONE, "supervision.year_targets_download": EVERYONE,
    "supervision.year_reports_download": EVERYONE, "supervision.project": EVERYONE,
    "supervision.rules_page": EVERYONE, "supervision.search": EVERYONE,
    "supervision.midyear": EVERYONE, "supervision.midyear_pdf": EVERYONE,
    "supervision.year_report": EVERYONE, "supervision.year_report_pdf": EVERYONE,
    "supervision.rectification": EVERYONE,
    "auth.logout": SIGNED_IN,
    # the deputy's own pages
    "ballots.my_polls": DEPUTY, "ballots.my_polls_status": DEPUTY, "ballots.vote": DEPUTY,
    "sessions.my_sessions": DEPUTY, "sessions.my_check_in": DEPUTY,
    # a responsible unit's pages
    "supervision.unit_home": UNIT, "supervision.report": UNIT, "supervision.report_import": UNIT,
    "supervision.report_import_confirm": UNIT, "supervision.report_template": UNIT,
    "supervision.rectifications": UNIT | SECRETARIAT, "supervision.add_step": UNIT | SECRETARIAT,
    # tellers and scrutineers follow the sitting and the count with the secretariat
    "sessions.index": STAFF, "sessions.congress": STAFF, "sessions.session_page": STAFF,
    "sessions.session_live": STAFF, "ballots.manage_index": STAFF,
    "ballots.manage_session": STAFF, "ballots.manage_poll": STAFF, "tally.index": STAFF,
    "tally.count": STAFF, "tally.paper_page": STAFF, "tally.paper_entry": STAFF,
    "tally.paper_resolve": STAFF, "tally.paper_withdraw": STAFF, "tally.paper_counts": STAFF,
    "tally.progress": STAFF,
    # the secretariat alone
    "auth.accounts_page": SECRETARIAT, "auth.create_account": SECRETARIAT,
    "auth.reset_account": SECRETARIAT, "auth.set_account_active": SECRETARIAT,
    "ballots.manage_new": SECRETARIAT, "ballots.manage_evaluation": SECRETARIAT,
    "ballots.manage_open": SECRETARIAT, "ballots.manage_close": SECRETARIAT,
    "pool.manage": SECRETARIAT, "pool.new_project": SECRETARIAT, "pool.edit_project": SECRETARIAT,
    "pool.amend_targets": SECRETARIAT, "pool.export": SECRETARIAT, "pool.import_file": SECRETARIAT,
    "pool.confirm_import": SECRETARIAT, "pool.template": SECRETARIAT, "pool.merge": SECRETARIAT,
    "pool.moderate": SECRETARIAT, "pool.suggestions": SECRETARIAT, "pool.new_round": SECRETARIAT,
    "pool.units": SECRETARIAT, "pool.unit": SECRETARIAT, "pool.attach_unit_user": SECRETARIAT,
    "pool.detach_unit_user": SECRETARIAT,
    "sessions.create_congress": SECRETARIAT, "sessions.create_session": SECRETARIAT,
    "sessions.desk": SECRETARIAT, "sessions.desk_check_in": SECRETARIAT,
    "sessions.edit_deputy": SECRETARIAT, "sessions.new_deputy": SECRETARIAT,
    "sessions.import_roster": SECRETARIAT, "sessions.confirm_import": SECRETARIAT,
    "sessions.roster": SECRETARIAT, "sessions.roster_template": SECRETARIAT,
    "sessions.reset_credentials": SECRETARIAT, "sessions.set_deputy_active": SECRETARIAT,
    "tally.set_officials": SECRETARIAT, "tally.add_replacement": SECRETARIAT,
    "tally.paper_officials": SECRETARIAT, "tally.tally": SECRETARIAT,
    "tally.publish": SECRETARIAT, "tally.runoff": SECRETARIAT,
    "supervision.dashboard_page": SECRETARIAT, "supervision.overdue_export": SECRETARIAT,
    "supervision.schedule": SECRETARIAT, "supervision.assign_units": SECRETARIAT,
}


def test_every_route_has_its_access_decided(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert sorted(endpoints - set(ACCESS)) == [], f"decide who may use them: add to ACCESS in {__file__}"
    assert sorted(set(ACCESS) - endpoints) == []


def _refused(response, api: bool) -> bool:
    if response.status_code in (401, 403):
        return True
    return (not api and response.status_code == 302
            and "/login" in response.headers.get("Location", ""))


@pytest.fixture
def everything(app, hall):
    ids = reporting_year(app)
    with app_db(app) as s:
        suggestion = Suggestion(title="建议", body="内容")
        s.add(suggestion)
        s.flush()
        return {"poll_id": hall["poll_id"], "session_id": hall["session_id"],
                "congress_id": hall["congress_id"], "project_id": ids["green"],
                "suggestion_id": suggestion.id,
                "unit_id": s.scalar(select(Unit.id).where(Unit.name == "市园林局")),
                "user_id": s.scalar(select(User.id).where(User.username == "t_user")),
                "deputy_id": s.scalar(select(Deputy.id).order_by(Deputy.id.desc()).limit(1)),
                "year": 2025, "fmt": "csv", "period": "2025-Q1", "rect_id": 1, "teller": 1,
                "kind": "projects", "what": "projects", "table": "projects", "code": "zh_CN",
                "token": "no-such-token", "filename": "css/app.css", "active": 0}


def _bodies(client, everything) -> dict:
    """Well-formed API bodies, so that a refusal is for who asks, not for what was sent."""
    return {"api.token": Voter.for_poll(client, everything["poll_id"]).token_request(),
            "api.file_report": {"period": "2025-Q1", "values": {}, "narrative": "x"}}


@pytest.mark.parametrize("role", ROLES)
def test_who_may_use_each_route(app, everything, role):
    client = app.test_client()
    token = (login(client, ACCOUNTS[role]) if role != "anonymous"
             else csrf_meta(client.get("/").get_data(as_text=True)))
    with app_db(app) as s:
        audit_before = s.scalar(select(func.count()).select_from(AuditEntry))
    wrong = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.endpoint):
        allowed = role in ACCESS[rule.endpoint]
        api = rule.rule.startswith("/api/")
        with app.test_request_context():
            url = url_for(rule.endpoint, **{a: everything[a] for a in rule.arguments})
        if "GET" in rule.methods:
            r = client.get(url)
            if _refused(r, api) == allowed:
                wrong.append(f"GET {url}: {r.status_code} ({'should' if allowed else 'should not'} pass)")
            assert r.status_code < 500, url
        if "POST" in rule.methods and not allowed and rule.endpoint != "auth.logout":
            body = _bodies(client, everything).get(rule.endpoint, {})
            r = (client.post(url, json=body, headers={"X-CSRFToken": token}) if api
                 else client.post(url, data={"csrf_token": token}))
            if not _refused(r, api):
                wrong.append(f"POST {url}: {r.status_code} (should be refused)")
    assert not wrong, "\n".join(wrong)
    with app_db(app) as s:  # nothing a refused request sent was recorded
        assert s.scalar(select(func.count()).select_from(AuditEntry)) == audit_before


@pytest.mark.parametrize("role", ["anonymous", "secretariat", "unit"])
def test_no_page_fails_on_huge_numbers_in_its_query(app, everything, role):
    """Every GET route with numbers no integer column holds in the usual query parameters:
    a clear answer (the default, 404 or 422), never a 500."""
    client = app.test_client()
    if role != "anonymous":
        login(client, ACCOUNTS[role])
    huge = str(10**20)
    query = {name: huge for name in ("year", "page", "unit", "poll", "session", "as_of", "q")}
    failed = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.endpoint):
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        with app.test_request_context():
            url = url_for(rule.endpoint, **{a: everything[a] for a in rule.arguments})
        r = client.get(url, query_string=query)
        if r.status_code >= 500:
            failed.append(f"{url}: {r.status_code}")
    assert failed == []
