"""Input that the database or the JSON decoder cannot take is refused as bad input, not 500:
ids beyond what an id column holds, and JSON bodies nested past the recursion limit."""

from __future__ import annotations

import re

import pytest

from tests.helpers import login

HUGE_IDS = [str(2**63), str(2**31), "99999999999999999999999999"]
DEEP = "[" * 10_000 + "]" * 10_000
DEEP_OBJECT = '{"a":' * 10_000 + "1" + "}" * 10_000


def _int_rules(app):
    return [rule for rule in app.url_map.iter_rules()
            if any(type(c).__name__ == "IdConverter" for c in rule._converters.values())]


def _with_id(rule, value: str) -> str:
    return re.sub(r"<int:[a-z_]+>", value, rule.rule)


def test_every_int_route_uses_the_bounded_converter(app):
    rules = [r.rule for r in app.url_map.iter_rules() if "<int:" in r.rule]
    assert rules and rules == [r.rule for r in _int_rules(app)]
    assert "/api/v1/polls/<int:poll_id>" in rules


@pytest.mark.parametrize("value", HUGE_IDS)
def test_ids_beyond_an_id_column_answer_404_on_every_route(app, client, secretariat, value):
    """Signed in as the secretariat, so that no route answers 302 or 403 before routing."""
    rules = [r for r in app.url_map.iter_rules() if "<int:" in r.rule]
    assert len(rules) > 20
    failures = []
    for rule in rules:
        path = _with_id(rule, value)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            r = client.open(path, method=method, headers={"X-CSRFToken": secretariat})
            if r.status_code != 404:
                failures.append((method, path, r.status_code))
    assert failures == []


def test_a_huge_poll_id_answers_the_protocol_error_json(client):
    r = client.get("/api/v1/polls/9223372036854775808")
    assert r.status_code == 404
    assert r.get_json()["error"] == "not_found" and r.get_json()["message"]


def test_the_largest_id_still_routes(client):
    assert client.get(f"/api/v1/polls/{2**31 - 1}").get_json()["error"] == "not_found"


def _json_post_rules(app):
    return [rule for rule in app.url_map.iter_rules()
            if rule.rule.startswith("/api/") and "POST" in rule.methods]


@pytest.mark.parametrize("body", [DEEP, DEEP_OBJECT], ids=["array", "object"])
def test_deeply_nested_json_is_a_bad_request_on_every_json_endpoint(app, client, secretariat,
                                                                     body):
    assert _json_post_rules(app)
    failures = []
    for rule in _json_post_rules(app):
        path = _with_id(rule, "1")
        r = client.post(path, data=body, content_type="application/json",
                        headers={"X-CSRFToken": secretariat})
        doc = r.get_json(silent=True) or {}
        if r.status_code == 500 or not (doc.get("error") and doc.get("message")):
            failures.append((path, r.status_code, doc))
    assert failures == []


@pytest.mark.parametrize("path", ["/api/v1/auth/login", "/api/v1/polls/1/ballots"])
def test_deeply_nested_json_answers_400(client, path):
    r = client.post(path, data=DEEP, content_type="application/json")
    assert r.status_code == 400
    doc = r.get_json()
    assert doc["error"] == "bad_request" and doc["message"]


def test_deeply_nested_json_to_the_token_endpoint_answers_400(client, secretariat):
    r = client.post("/api/v1/polls/1/tokens", data=DEEP, content_type="application/json",
                    headers={"X-CSRFToken": secretariat})
    assert r.status_code == 400
    assert r.get_json()["error"] == "bad_request"


def test_a_deep_body_sent_with_a_login_changes_nothing(app, client, make_user):
    make_user("d001", "deputy")
    r = client.post("/api/v1/auth/login", data=DEEP, content_type="application/json")
    assert r.status_code == 400
    assert client.get("/my/polls").status_code in (302, 401)  # still signed out
    login(client, "d001")


def test_a_nul_character_is_refused_as_malformed_not_a_server_error(client):
    """PostgreSQL's text columns cannot hold NUL: found by the API fuzz (a 500 before)."""
    r = client.post("/api/v1/auth/login", json={"username": "a\x00b", "password": "x"})
    assert r.status_code == 400 and r.get_json()["error"] == "bad_request"
    r = client.get("/projects/search", query_string={"q": "绿化\x00"})
    assert r.status_code == 400
    page = client.get("/pool/suggest").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'<meta name="csrf-token" content="([^"]+)"', page)
    r = client.post("/pool/suggest", data={"csrf_token": token.group(1), "title": "x\x00",
                                           "body": "一条建议的内容", "submitter_kind": "public"})
    assert r.status_code == 400 and "请求格式不正确" in r.get_data(as_text=True)
