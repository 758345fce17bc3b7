"""The year-end evaluation end to end over HTTP: opened over the projects a selection and its
runoff chose, rated by deputies with blind tokens, counted by the Zhenhai rule at its edge,
published, and read back by the public pages' functions."""

from __future__ import annotations

import json

from tests.helpers import app_db
from tests.supervision.evaluating import (DEPUTIES, MARKS, evaluated, selected_with_runoff,
                                          vote)
from voting.ballots.models import Poll
from voting.supervision import evaluation
from voting.supervision.models import Rectification


def test_the_zhenhai_rule_at_its_edge_and_the_overall_rate(app, sitting):
    year = evaluated(app, sitting)
    doc = year["result"]
    assert doc["kind"] == "evaluation" and doc["threshold"] == 3  # 4 on the roster: 4 // 2 + 1
    assert doc["counts"] == {
        "c01": {"satisfied": 3, "basic": 0, "dissatisfied": 0, "abstain": 1},
        "c02": {"satisfied": 2, "basic": 1, "dissatisfied": 1, "abstain": 0},
        "c03": {"satisfied": 1, "basic": 1, "dissatisfied": 2, "abstain": 0}}
    # exactly at the threshold is satisfied; one short, with a basic mark, is basic
    assert doc["ratings"] == {"c01": "satisfied", "c02": "basic", "c03": "dissatisfied"}
    assert doc["rectify"] == ["c03"]
    assert doc["overall_rate"] == "72.73"  # (3 + 3 + 2) / (3 + 4 + 4), half up
    assert doc["elected"] == [] and doc["tied"] == []
    assert doc["eligible"] == 4 and doc["ballots_cast"] == 4 and doc["tokens_issued"] == 4


def test_the_public_result_and_poll_document_follow_the_protocol(app, client, sitting):
    year = evaluated(app, sitting)
    poll = client.get(f"/api/v1/polls/{year['evaluation']}").get_json()
    assert poll["kind"] == "evaluation"
    assert poll["marks"] == ["satisfied", "basic", "dissatisfied", "abstain"]
    assert poll["seats"] is None and poll["max_choices"] is None
    assert [c["id"] for c in poll["candidates"]] == ["c01", "c02", "c03"]
    result = client.get(f"/api/v1/polls/{year['evaluation']}/result").get_json()
    assert result["ratings"]["c01"] == "satisfied" and result["overall_rate"] == "72.73"
    board = client.get(f"/api/v1/polls/{year['evaluation']}/ballots").get_json()["ballots"]
    # as sent, keys sorted (canonical JSON)
    assert sorted(json.dumps(b["choices"]) for b in board) == sorted(
        json.dumps(dict(sorted(m.items()))) for m in MARKS)
    page = client.get(f"/results/{year['evaluation']}").get_data(as_text=True)
    assert "72.73" in page and "不满意" in page


def test_project_and_year_evaluation_read_the_published_result(app, sitting):
    year = evaluated(app, sitting)
    p1, p2, p3 = year["projects"][:3]
    with app_db(app) as s:
        one = evaluation.project_evaluation(s, p1)
        three = evaluation.project_evaluation(s, p3)
        assert evaluation.project_evaluation(s, year["projects"][3]) is None  # not selected
        whole = evaluation.year_evaluation(s, 2023)
        assert evaluation.year_evaluation(s, 2022) is None
    assert one["poll_id"] == year["evaluation"] and one["rating"] == "satisfied"
    assert one["counts"] == {"satisfied": 3, "basic": 0, "dissatisfied": 0, "abstain": 1}
    assert one["threshold"] == 3 and one["overall_rate"] == "72.73"
    assert one["published_at"] is not None and one["rectification"] is None
    assert three["rating"] == "dissatisfied"
    assert three["rectification"]["closed"] is False and three["rectification"]["steps"] == []
    assert whole == {**whole, "poll_id": year["evaluation"], "overall_rate": "72.73",
                     "projects": {p1: "satisfied", p2: "basic", p3: "dissatisfied"}}


def test_publication_opens_a_rectification_for_the_dissatisfied_only(app, sitting):
    year = evaluated(app, sitting)
    with app_db(app) as s:
        rows = s.query(Rectification).all()
        assert [(r.project_id, r.poll_id) for r in rows] == [(year["projects"][2],
                                                              year["evaluation"])]
        from voting.audit.models import AuditEntry

        actions = [e.action for e in s.query(AuditEntry).order_by(AuditEntry.seq)]
    assert "evaluation.create" in actions and "rectification.open" in actions


def test_an_unknown_mark_or_project_is_refused_and_the_token_not_spent(app, client, sitting):
    year = selected_with_runoff(app, sitting)
    out = app.test_cli_runner().invoke(args=["poll", "evaluate", str(year["selection"])])
    poll_id = int(out.output.split()[-1])
    from tests.polls import signed_voter

    voter = signed_voter(app, client, poll_id, "d001")
    for bad in ({"c01": "excellent"}, {"c09": "satisfied"}, ["c01"]):
        r = client.post(f"/api/v1/polls/{poll_id}/ballots", json=voter.ballot(bad))
        assert r.status_code == 422, bad
    r = client.post(f"/api/v1/polls/{poll_id}/ballots",
                    json=voter.ballot({"c02": "basic", "c01": "satisfied"}))
    assert r.status_code == 201
    board_ok = client.get(f"/api/v1/polls/{poll_id}/ballots")
    assert board_ok.status_code == 409  # the board is public only once the poll closes


def test_the_deputy_page_shows_the_four_marks_per_project(app, sitting):
    year = selected_with_runoff(app, sitting)
    out = app.test_cli_runner().invoke(args=["poll", "evaluate", str(year["selection"])])
    poll_id = int(out.output.split()[-1])
    from tests.helpers import login

    client = app.test_client()
    login(client, DEPUTIES[0])
    page = client.get(f"/my/polls/{poll_id}").get_data(as_text=True)
    for word in ("满意", "基本满意", "不满意", "弃权"):
        assert f"> {word}</label>" in page
    assert page.count('type="radio"') == 3 * 4
    with app_db(app) as s:
        assert s.get(Poll, poll_id).status == "open"
    assert vote(app, poll_id, "d002", {"c01": "satisfied"})


def test_a_null_or_other_non_mark_is_422_over_http_and_the_token_not_spent(app, client, sitting):
    year = selected_with_runoff(app, sitting)
    out = app.test_cli_runner().invoke(args=["poll", "evaluate", str(year["selection"])])
    poll_id = int(out.output.split()[-1])
    from tests.polls import signed_voter

    voter = signed_voter(app, client, poll_id, "d001")
    for bad in ({"c01": None}, {"c01": 1}, {"c01": ["satisfied"]}, {"c01": {"m": "basic"}}):
        r = client.post(f"/api/v1/polls/{poll_id}/ballots", json=voter.ballot(bad))
        assert r.status_code == 422, bad
        assert r.get_json()["error"] == "bad_choices"
    r = client.post(f"/api/v1/polls/{poll_id}/ballots", json=voter.ballot({"c01": "satisfied"}))
    assert r.status_code == 201  # the same token: it was not spent
