"""A whole vote scripted as docs/protocol.md's command line allows: `demo`, the deputies' tokens and
anonymous casts over the JSON API, `poll close`, `poll tally`, `poll publish`, and the
independent verifier against the running site."""

from __future__ import annotations

import csv
from collections import Counter

from tests.helpers import login
from tests.polls import Voter
from voting import verify
from voting.pool.models import Project


def _cli(app, *args: str) -> str:
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_demo_vote_count_publish_and_verify(app, live_server, tmp_path):
    credentials = tmp_path / "deputies.csv"
    out = _cli(app, "demo", "--deputies", "7", "--credentials", str(credentials))
    poll_id = int(out.strip().splitlines()[-1])
    with credentials.open(encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["username", "password"] and len(rows) == 8

    anonymous = app.test_client()
    poll = anonymous.get(f"/api/v1/polls/{poll_id}").get_json()
    home = anonymous.get("/").get_data(as_text=True)
    assert "正在票决" in home and poll["title"] in home
    assert "<strong>15</strong> 候选项目" in home
    assert (poll["status"], poll["seats"], len(poll["candidates"])) == ("open", 10, 15)
    ids = [c["id"] for c in poll["candidates"]]
    ballots = [ids[:10], ids[:10], ids[:10], ids[:8], ids[2:12], [], ids[14:]]
    receipts = []
    for (username, password), choices in zip(rows[1:], ballots):
        deputy = app.test_client()
        csrf = login(deputy, username, password)
        voter = Voter(poll["public_key_pem"])
        r = deputy.post(f"/api/v1/polls/{poll_id}/tokens", json=voter.token_request(),
                        headers={"X-CSRFToken": csrf})
        assert r.status_code == 200, r.get_json()
        voter.finalize(r.get_json()["blind_sig"])
        r = anonymous.post(f"/api/v1/polls/{poll_id}/ballots", json=voter.ballot(choices))
        assert r.status_code == 201, r.get_json()
        receipts.append(r.get_json()["receipt"])

    _cli(app, "poll", "close", str(poll_id))
    assert anonymous.get(f"/api/v1/polls/{poll_id}/result").status_code == 409
    _cli(app, "poll", "tally", str(poll_id))
    assert anonymous.get(f"/api/v1/polls/{poll_id}/result").status_code == 409  # not yet public
    _cli(app, "poll", "publish", str(poll_id))

    board = anonymous.get(f"/api/v1/polls/{poll_id}/ballots").get_json()
    assert sorted(b["receipt"] for b in board["ballots"]) == sorted(receipts)
    result = anonymous.get(f"/api/v1/polls/{poll_id}/result").get_json()
    expected = Counter(c for b in ballots for c in b)
    assert result["counts"] == {c: expected[c] for c in ids}
    assert (result["eligible"], result["checked_in"], result["tokens_issued"],
            result["ballots_cast"], result["valid_ballots"]) == (7, 7, 7, 7, 7)
    assert result["threshold"] == 4  # more than half of the 7 deputies on the roster
    # rank order: votes descending (c03..c08 have 5), then the ballot's order (4 each)
    assert result["elected"] == ids[2:8] + [ids[0], ids[1], ids[8], ids[9]]
    assert result["tied"] == []

    assert verify.main([live_server, str(poll_id)]) == 0
    home = anonymous.get("/").get_data(as_text=True)
    assert "正在票决" not in home and "<strong>10</strong> 票决入选" in home

    # The elected projects are now the year's selected projects.
    titles = {c["id"]: c["title"] for c in poll["candidates"]}
    with app.app_context():
        from voting import db

        selected = db.session().query(Project).filter_by(stage="selected", year=2023).all()
        assert sorted(p.title for p in selected) == sorted(titles[c] for c in ids[:10])
