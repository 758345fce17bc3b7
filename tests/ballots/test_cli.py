"""`flask poll close POLL_ID`."""

from __future__ import annotations

from tests.helpers import app_db
from tests.polls import signed_voter
from voting.ballots.cli import poll_cli
from voting.ballots.models import Poll


def test_close_from_the_command_line(app, hall):
    client = app.test_client()
    voter = signed_voter(app, client, hall["poll_id"])
    client.post(f"/api/v1/polls/{hall['poll_id']}/ballots", json=voter.ballot(["c01"]))
    runner = app.test_cli_runner()
    result = runner.invoke(poll_cli, ["close", str(hall["poll_id"])])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"poll {hall['poll_id']} closed: 1 ballots cast"
    with app_db(app) as s:
        assert s.get(Poll, hall["poll_id"]).status == "closed"
    again = runner.invoke(poll_cli, ["close", str(hall["poll_id"])])
    assert again.exit_code != 0 and "只有正在投票的票决才能结束" in again.output
    missing = runner.invoke(poll_cli, ["close", "99999"])
    assert missing.exit_code != 0
