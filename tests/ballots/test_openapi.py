"""GET /api/v1/openapi.json describes every /api/v1 route the app serves."""

from __future__ import annotations

import re


def _openapi_path(rule: str) -> str:
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule)


def test_openapi_lists_every_api_rule(app, client):
    r = client.get("/api/v1/openapi.json")
    assert r.status_code == 200
    doc = r.get_json()
    assert doc["openapi"].startswith("3.0")
    served = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1"):
            served.setdefault(_openapi_path(rule.rule), set()).update(
                m.lower() for m in rule.methods - {"HEAD", "OPTIONS"})
    assert served, "no /api/v1 route found"
    for path, methods in served.items():
        assert path in doc["paths"], path
        assert methods <= set(doc["paths"][path]), (path, methods)
    assert set(doc["paths"]) == set(served)


def test_openapi_refs_resolve_and_errors_are_described(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    text = str(doc)
    for name in re.findall(r"#/components/schemas/(\w+)", text):
        assert name in doc["components"]["schemas"], name
    cast = doc["paths"]["/api/v1/polls/{poll_id}/ballots"]["post"]["responses"]
    assert {"201", "200", "400", "403", "409", "422"} <= set(cast)
    tokens = doc["paths"]["/api/v1/polls/{poll_id}/tokens"]["post"]["responses"]
    assert {"200", "401", "403", "409"} <= set(tokens)
    poll = doc["components"]["schemas"]["Poll"]["properties"]
    assert {"max_for", "public_key_pem", "key_fingerprint", "variant"} <= set(poll)
