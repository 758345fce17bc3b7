"""Runoffs (tie at the last seat) and further votes (too few over the threshold)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.helpers import app_db, user
from tests.polls import cast, closed_poll
from voting.audit.models import AuditEntry
from voting.ballots.models import Poll, PollKey, TokenIssuance
from voting.crypto import blind_rsa
from voting.errors import Conflict
from voting.tally import services


def _counted(app, poll_key, sitting, ballots, **poll):
    return closed_poll(app, poll_key, sitting, ballots, count=True, **poll)


def _open_runoff(app, poll_id):
    with app_db(app) as s:
        return services.open_runoff(s, user(s, "clerk"), poll_id, key_bits=2048).id


TIE = [["c1", "c2"]] * 3 + [["c1", "c3"]] * 3 + [["c2", "c3"]] * 2


def test_a_tie_opens_a_runoff_among_the_tied(app, poll_key, sitting):
    poll_id, _ = _counted(app, poll_key, sitting, TIE, threshold_base="cast")
    runoff_id = _open_runoff(app, poll_id)
    with app_db(app) as s:
        runoff, parent = s.get(Poll, runoff_id), s.get(Poll, poll_id)
        assert runoff.parent_id == poll_id and runoff.kind == "selection"
        assert runoff.status == "draft"  # opened like any poll, after the fingerprint step
        assert (runoff.seats, runoff.max_choices) == (1, 1)
        assert runoff.threshold_base == "cast" and runoff.session_id == parent.session_id
        assert [(c.candidate_id, c.title) for c in runoff.candidates] == [
            (c.candidate_id, c.title) for c in parent.candidates if c.candidate_id in ("c2", "c3")]
        assert "poll.runoff" in s.scalars(select(AuditEntry.action)).all()
    with app_db(app) as s, pytest.raises(Conflict):
        services.open_runoff(s, user(s, "clerk"), poll_id, key_bits=2048)


def test_a_shortfall_opens_a_further_vote_among_the_rest(app, poll_key, sitting):
    ballots = [["c1", "c2"]] * 4 + [["c1", "c3"]] * 3
    poll_id, _ = _counted(app, poll_key, sitting, ballots)  # roster 10: 6 needed
    with app_db(app) as s:
        doc = services.find_result(s, poll_id).document
    assert doc["elected"] == ["c1"] and doc["runoff_reason"] == "shortfall"
    runoff_id = _open_runoff(app, poll_id)
    with app_db(app) as s:
        runoff = s.get(Poll, runoff_id)
        assert [c.candidate_id for c in runoff.candidates] == ["c2", "c3", "c4", "c5"]
        assert runoff.seats == 1


def test_no_runoff_when_every_seat_is_filled(app, poll_key, sitting):
    poll_id, _ = _counted(app, poll_key, sitting, [["c1", "c2"]] * 7)
    with app_db(app) as s, pytest.raises(Conflict) as err:
        services.open_runoff(s, user(s, "clerk"), poll_id, key_bits=2048)
    assert err.value.code == "no_runoff"


def test_the_announcement_joins_the_runoff(app, client, poll_key, sitting):
    poll_id, deputies = _counted(app, poll_key, sitting, TIE, threshold_base="cast")
    runoff_id = _open_runoff(app, poll_id)
    with app_db(app) as s:
        clerk = user(s, "clerk")
        services.publish_poll(s, clerk, poll_id)
        runoff = s.get(Poll, runoff_id)
        key = blind_rsa.load_private_key(s.get(PollKey, runoff_id).private_key_pem)
        for d in deputies[:5]:
            s.add(TokenIssuance(poll_id=runoff_id, deputy_id=d, blinded_msg=b"x", blind_sig=b"y"))
        runoff.status = "closed"
        cast(s, key, runoff, [["c3"]] * 4 + [["c2"]])
        services.tally_poll(s, clerk, runoff_id, app.instance_path)
        services.publish_poll(s, clerk, runoff_id)
    html = client.get(f"/results/{poll_id}").get_data(as_text=True)
    assert html.count('class="tally-round"') == 2
    assert "各轮投票最终入选项目" in html
    final = html.split("各轮投票最终入选项目")[1]
    assert final.index("老旧小区改造") < final.index("中小学校建设")  # c1, then the runoff's c3
    assert "城市道路维修" not in final.split("</ol>")[0]  # c2 lost the runoff
    listing = client.get("/results/").get_data(as_text=True)
    assert f"/results/{runoff_id}" not in listing  # shown with its first poll
