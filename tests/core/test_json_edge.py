"""The JSON API's edge (voting.core.edge.json_edge): the answer stands for a committed state;
a domain error undoes everything and answers as the protocol's error JSON; any other error
undoes everything and goes on to the error handlers."""

import pytest
from flask import jsonify

from tests.helpers import add_staff, stored_usernames
from voting import db
from voting.core.edge import json_edge
from voting.errors import Conflict, NotFound
from voting.extensions import csrf


def _add(username: str) -> None:
    add_staff(db.session(), username)


@pytest.fixture
def probe(app):
    """Three throwaway JSON views under /api/v1 on a fresh app (before its first request)."""

    @json_edge
    def ok():
        _add("kept")
        return jsonify({"ok": True})

    @json_edge
    def refused():
        _add("undone")
        raise Conflict("already counted", code="already_counted")

    @json_edge
    def broken():
        _add("also-undone")
        raise RuntimeError("boom")

    for name, view in (("ok", ok), ("refused", refused), ("broken", broken)):
        app.add_url_rule(f"/api/v1/_probe/{name}", f"probe_{name}", csrf.exempt(view),
                         methods=["POST"])
    app.config["PROPAGATE_EXCEPTIONS"] = False
    return app.test_client()


def test_a_view_that_succeeds_is_committed_before_the_answer(app, probe):
    r = probe.post("/api/v1/_probe/ok")
    assert r.status_code == 200 and r.get_json() == {"ok": True}
    assert stored_usernames(app) == ["kept"]


def test_a_domain_error_rolls_back_and_answers_the_protocol_error(app, probe):
    r = probe.post("/api/v1/_probe/refused")
    assert r.status_code == Conflict.status
    assert r.get_json() == {"error": "already_counted", "message": "already counted"}
    assert stored_usernames(app) == []


def test_any_other_error_rolls_back_and_reaches_the_error_handlers(app, probe):
    r = probe.post("/api/v1/_probe/broken")
    assert r.status_code == 500
    assert stored_usernames(app) == []


def test_the_edge_keeps_the_view_and_its_status(app):
    @json_edge
    def missing():
        """Docstring kept."""
        raise NotFound("No such poll.")

    assert missing.__name__ == "missing" and missing.__doc__ == "Docstring kept."
    with app.test_request_context("/api/v1/polls/1"):
        response = missing()
    assert response.status_code == 404
    assert response.get_json()["error"] == "not_found"
