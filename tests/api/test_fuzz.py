"""Schemathesis from the OpenAPI document over every /api/v1 operation, anonymous and signed in
(a checked-in deputy with its CSRF token): no answer is a server error, and every error is the
protocol's error JSON with a message."""

from __future__ import annotations

import json
import os

import schemathesis
from hypothesis import HealthCheck, given, settings

from tests.helpers import login

# A fixed seed by default, so that CI runs the same cases every time; FUZZ_RANDOM=1 and a larger
# FUZZ_EXAMPLES explore further.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "30"))
DERANDOMIZE = os.environ.get("FUZZ_RANDOM") != "1"


def _fuzz(app, headers: dict, seen: dict | None = None, client=None) -> list:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    failures = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 12  # every operation of docs/protocol.md, supervision included

    for op in operations:
        @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=DERANDOMIZE,
                  suppress_health_check=list(HealthCheck))
        @given(case=op.as_strategy())
        def run(case):
            r = case.call(headers=headers, session=client)
            if seen is not None:
                seen.setdefault(op.label, set()).add(r.status_code)
            if r.status_code >= 500:
                failures.append((op.label, r.status_code, case.path_parameters, case.query,
                                 repr(case.body)[:200], r.text[:200]))
            elif r.status_code >= 400:
                try:
                    body = json.loads(r.text)
                except ValueError:
                    body = None
                if not (isinstance(body, dict) and body.get("error") and body.get("message")):
                    failures.append((op.label, r.status_code, "not the error JSON", r.text[:200]))

        run()
    return failures


def test_anonymous_fuzz_finds_no_server_error(app, hall):
    seen: dict = {}
    assert _fuzz(app, {}, seen) == []
    assert seen["GET /api/v1/auth/me"] == {401}


def test_signed_in_fuzz_finds_no_server_error(app, hall):
    client = app.test_client()
    csrf = login(client, "d001")
    seen: dict = {}
    assert _fuzz(app, {"X-CSRFToken": csrf}, seen, client) == []
    assert 200 in seen["GET /api/v1/auth/me"]  # the fuzz ran signed in
