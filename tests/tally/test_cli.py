"""`flask poll tally|publish|runoff|rotate-key`, and the whole protocol end to end: ballots
blinded, signed, cast anonymously through the API, then counted, published and verified."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.helpers import app_db, login, user
from tests.polls import closed_poll
from voting.ballots import services as ballots
from voting.ballots.models import Poll
from voting.crypto import blind_rsa
from voting.crypto.encoding import b64url_decode, b64url_encode
from voting.tally import keys, services
from voting.verify import main as verify_main


def _closed(app, poll_key, sitting, ballots_=(("c1", "c2"),) * 6):
    return closed_poll(app, poll_key, sitting, ballots_)[0]


def test_tally_publish_and_rotate_from_the_command_line(app, poll_key, sitting):
    poll_id = _closed(app, poll_key, sitting)
    runner = app.test_cli_runner()
    out = runner.invoke(args=["poll", "tally", str(poll_id)])
    assert out.exit_code == 0, out.output
    assert "6 ballots cast" in out.output and "elected: c1 c2" in out.output
    out = runner.invoke(args=["poll", "publish", str(poll_id)])
    assert out.exit_code == 0 and f"poll {poll_id} published" in out.output
    with app_db(app) as s:
        assert s.get(Poll, poll_id).status == "published"
    first = keys.current_key(app)
    out = runner.invoke(args=["poll", "rotate-key"])
    assert out.exit_code == 0
    listed = keys.all_keys(app)
    assert [k.fingerprint for k in listed] == [first.fingerprint, keys.current_key(app).fingerprint]
    assert listed[0].retired is not None


def test_a_refused_tally_exits_non_zero_with_the_reason(app, poll_key, sitting):
    poll_id = _closed(app, poll_key, sitting)
    with app_db(app) as s:
        s.get(Poll, poll_id).status = "open"
    out = app.test_cli_runner().invoke(args=["poll", "tally", str(poll_id)])
    assert out.exit_code == 1
    assert "请先结束投票" in out.output or "close the poll first" in out.output


def test_runoff_from_the_command_line_prints_the_new_poll(app, poll_key, sitting):
    poll_id = _closed(app, poll_key, sitting, (("c1", "c2"),) * 3 + (("c1", "c3"),) * 3)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["poll", "tally", str(poll_id)]).exit_code == 0
    out = runner.invoke(args=["poll", "runoff", str(poll_id)])
    assert out.exit_code == 0, out.output
    runoff_id = int(out.output.strip().splitlines()[-1])
    with app_db(app) as s:
        runoff = s.get(Poll, runoff_id)
        assert runoff.parent_id == poll_id and runoff.status == "draft"
        assert [c.candidate_id for c in runoff.candidates] == ["c2", "c3", "c4", "c5"]
        fingerprint = runoff.key_fingerprint
    grouped = " ".join(fingerprint[i:i + 4] for i in range(0, 64, 4))
    assert f"key fingerprint: {grouped}" in out.output
    # Opening asks that the fingerprint was read out; saying no leaves the draft.
    refused = runner.invoke(args=["poll", "open", str(runoff_id)], input="n\n")
    assert refused.exit_code != 0 and grouped in refused.output
    with app_db(app) as s:
        assert s.get(Poll, runoff_id).status == "draft"
    opened = runner.invoke(args=["poll", "open", str(runoff_id)], input="y\n")
    assert opened.exit_code == 0, opened.output
    assert f"poll {runoff_id} open" in opened.output
    with app_db(app) as s:
        assert s.get(Poll, runoff_id).status == "open"


def _vote(client: FlaskClient, poll_doc: dict, username: str, password: str, choices: list):
    """A deputy's client: sign in, blind a token, get it signed, unblind, cast anonymously."""
    token = login(client, username, password)
    pub = blind_rsa.load_public_key(poll_doc["public_key_pem"])
    msg, prefix = blind_rsa.random_message()
    prepared = blind_rsa.prepare(msg, prefix)
    blinded, inv = blind_rsa.blind(pub, prepared)
    r = client.post(f"/api/v1/polls/{poll_doc['id']}/tokens", headers={"X-CSRFToken": token},
                    json={"blinded_msg": b64url_encode(blinded)})
    assert r.status_code == 200, r.get_data(as_text=True)
    sig = blind_rsa.finalize(pub, prepared, b64url_decode(r.get_json()["blind_sig"]), inv)
    client.post("/logout", headers={"X-CSRFToken": token})
    r = client.post(f"/api/v1/polls/{poll_doc['id']}/ballots",
                    json={"msg": b64url_encode(msg), "msg_prefix": b64url_encode(prefix),
                          "sig": b64url_encode(sig), "choices": choices})
    assert r.status_code == 201, r.get_data(as_text=True)


def test_the_whole_protocol_then_the_verifier(app, live_server, sitting, capsys):
    congress_id, session_id = sitting
    from tests.helpers import add_deputies
    from voting.sessions import attendance

    with app_db(app) as s:
        clerk = user(s, "clerk")
        deputies = add_deputies(s, clerk, congress_id, 5)
        for d, _pw in deputies:
            attendance.check_in(s, clerk, session_id=session_id, deputy_id=d.id, by_desk=True)
        poll = ballots.create_poll(s, clerk, session_id=session_id, title="2024年民生实事项目票决",
                                   seats=2, candidates=[("c01", "老旧小区改造"), ("c02", "城市道路维修"),
                                                        ("c03", "中小学校建设")], key_bits=2048)
        ballots.open_poll(s, clerk, poll.id)
        poll_doc = ballots.poll_document(poll)
        accounts = [(d.user.username, pw) for d, pw in deputies]
    client = app.test_client()
    for (username, password), choices in zip(accounts, [["c01", "c02"], ["c02", "c01"],
                                                         ["c01"], ["c03", "c01"], []]):
        _vote(client, poll_doc, username, password, choices)
    with app_db(app) as s:
        ballots.close_poll(s, user(s, "clerk"), poll_doc["id"])
    runner = app.test_cli_runner()
    assert runner.invoke(args=["poll", "tally", str(poll_doc["id"])]).exit_code == 0
    assert runner.invoke(args=["poll", "publish", str(poll_doc["id"])]).exit_code == 0
    with app_db(app) as s:
        doc = services.get_result(s, poll_doc["id"], published=True).document
    assert doc["counts"] == {"c01": 4, "c02": 2, "c03": 1}
    assert doc["tokens_issued"] == 5 and doc["ballots_cast"] == 5
    assert doc["elected"] == ["c01"]  # c02 has 2 of 5 on the roster: 3 needed
    assert doc["runoff_reason"] == "shortfall"
    assert verify_main([live_server, str(poll_doc["id"]), "--lang", "en"]) == 0
    assert "VERDICT: the published result" in capsys.readouterr().out
