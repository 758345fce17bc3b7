"""Arrangements for the evaluation and rectification tests: a year selected by a published
selection poll and its runoff, deputies who vote through the JSON API as a terminal would,
and an evaluation poll run to publication."""

from __future__ import annotations

from decimal import Decimal

from tests.helpers import HASH, PASSWORD, app_db, login, user
from voting.auth.services import create_user
from voting.ballots import services as ballots
from voting.crypto import blind_rsa
from voting.crypto.encoding import b64url_decode, b64url_encode
from voting.pool import units
from voting.pool.models import Project, ProjectTarget, UnitMember
from voting.sessions import attendance, roster
from voting.tally import services as tally

YEAR = 2023
DEPUTIES = ("d001", "d002", "d003", "d004")
TITLES = ("老旧小区改造", "城市道路维修", "中小学校建设", "社区养老服务", "农贸市场升级")
# The evaluation's ballots (roster of 4: threshold 3). c01 has exactly 3 satisfied marks (the
# Zhenhai rule's edge: satisfied); c02 2 satisfied + 1 basic (basic); c03 1 + 1 (dissatisfied).
MARKS = [{"c01": "satisfied", "c02": "satisfied", "c03": "satisfied"},
         {"c01": "satisfied", "c02": "satisfied", "c03": "basic"},
         {"c01": "satisfied", "c02": "basic", "c03": "dissatisfied"},
         {"c02": "dissatisfied", "c03": "dissatisfied"}]


def vote(app, poll_id: int, username: str, choices, *, password: str = PASSWORD) -> str:
    """One deputy: sign in, blind a token, have it signed, unblind, cast without a session.
    Returns the receipt."""
    client = app.test_client()
    csrf = login(client, username, password)
    doc = client.get(f"/api/v1/polls/{poll_id}").get_json()
    pub = blind_rsa.load_public_key(doc["public_key_pem"])
    msg, prefix = blind_rsa.random_message()
    prepared = blind_rsa.prepare(msg, prefix)
    blinded, inv = blind_rsa.blind(pub, prepared)
    r = client.post(f"/api/v1/polls/{poll_id}/tokens", headers={"X-CSRFToken": csrf},
                    json={"blinded_msg": b64url_encode(blinded)})
    assert r.status_code == 200, r.get_data(as_text=True)
    sig = blind_rsa.finalize(pub, prepared, b64url_decode(r.get_json()["blind_sig"]), inv)
    r = app.test_client().post(f"/api/v1/polls/{poll_id}/ballots",
                               json={"msg": b64url_encode(msg), "msg_prefix": b64url_encode(prefix),
                                     "sig": b64url_encode(sig), "choices": choices})
    assert r.status_code == 201, r.get_data(as_text=True)
    return r.get_json()["receipt"]


def count_and_publish(app, poll_id: int) -> dict:
    with app_db(app) as s:
        clerk = user(s, "clerk")
        ballots.close_poll(s, clerk, poll_id)
        tally.tally_poll(s, clerk, poll_id, app.instance_path)
        return tally.publish_poll(s, clerk, poll_id).document


def hall_of_four(app, sitting) -> dict:
    """d001..d004 all checked in, five candidate projects of 2023 (each with a unit: 市单位1..5)
    and a unit account u1 for the third one's unit."""
    congress_id, session_id = sitting
    with app_db(app) as s:
        clerk = user(s, "clerk")
        for i in range(1, 5):
            d, _pw = roster.add_deputy(s, clerk, hash_method=HASH, congress_id=congress_id,
                                       name=f"代表{i}", number=f"00{i}", delegation="道里区代表团",
                                       password=PASSWORD)
            attendance.check_in(s, clerk, session_id=session_id, deputy_id=d.id, by_desk=True)
        projects = []
        for i, title in enumerate(TITLES, 1):
            p = Project(title=title, year=YEAR, stage="candidate", content=f"{title}的内容",
                        investment_wan_yuan=Decimal("100.00") * i)
            p.targets = [ProjectTarget(position=1, metric="完成", unit="处", value=Decimal(10 * i))]
            units.set_project_units(s, p, f"市单位{i}", [f"市单位{i}"])
            s.add(p)
            projects.append(p)
        s.flush()
        unit_user = create_user(s, hash_method=HASH, username="u3", password=PASSWORD,
                                role="unit", display_name="市单位3")
        other = create_user(s, hash_method=HASH, username="u1", password=PASSWORD,
                            role="unit", display_name="市单位1")
        s.add(UnitMember(unit_id=units.unit_by_name(s, "市单位3").id, user_id=unit_user.id))
        s.add(UnitMember(unit_id=units.unit_by_name(s, "市单位1").id, user_id=other.id))
        create_user(s, hash_method=HASH, username="t1", password=PASSWORD, role="teller",
                    display_name="计票人")
        return {"congress_id": congress_id, "session_id": session_id,
                "projects": [p.id for p in projects]}


def selected_with_runoff(app, sitting) -> dict:
    """A published 3-seat selection (threshold 3 of 4) that elects c01 and c02 and leaves one
    seat to a further vote, which elects c03; adds "selection" and "runoff" poll ids."""
    arranged = hall_of_four(app, sitting)
    with app_db(app) as s:
        poll = ballots.create_poll(s, user(s, "clerk"), session_id=arranged["session_id"],
                                   title="2023年民生实事项目票决", seats=3,
                                   candidate_project_ids=arranged["projects"],
                                   key_bits=app.config["POLL_KEY_BITS"])
        ballots.open_poll(s, user(s, "clerk"), poll.id)
        poll_id = poll.id
    for username, choices in zip(DEPUTIES, [["c01", "c02", "c03"], ["c01", "c02", "c03"],
                                            ["c01", "c02"], ["c01", "c04"]]):
        vote(app, poll_id, username, choices)
    doc = count_and_publish(app, poll_id)
    assert doc["elected"] == ["c01", "c02"] and doc["runoff_reason"] == "shortfall"
    with app_db(app) as s:
        runoff = tally.open_runoff(s, user(s, "clerk"), poll_id,
                                   key_bits=app.config["POLL_KEY_BITS"])
        ballots.open_poll(s, user(s, "clerk"), runoff.id)
        runoff_id = runoff.id
    for username in DEPUTIES[:3]:
        vote(app, runoff_id, username, ["c03"])
    assert count_and_publish(app, runoff_id)["elected"] == ["c03"]
    return {**arranged, "selection": poll_id, "runoff": runoff_id}


def evaluated(app, sitting, marks=MARKS) -> dict:
    """The year above, then an evaluation poll (by `poll evaluate`) rated with `marks`, counted
    and published; adds "evaluation" (its id) and "result" (the signed document)."""
    arranged = selected_with_runoff(app, sitting)
    out = app.test_cli_runner().invoke(args=["poll", "evaluate", str(arranged["selection"])])
    assert out.exit_code == 0, out.output
    evaluation_id = int(out.output.split()[-1])
    for username, choices in zip(DEPUTIES, marks):
        vote(app, evaluation_id, username, choices)
    result = count_and_publish(app, evaluation_id)
    return {**arranged, "evaluation": evaluation_id, "result": result}


def selection_tied(app, sitting) -> dict:
    """Five deputies (d005 added to the hall of four) and a published 2-seat selection that
    elects c01 and ties c02 and c03 at the last seat (3 marks each, threshold 3 of 5); its
    runoff not opened yet. Adds "selection"."""
    arranged = hall_of_four(app, sitting)
    with app_db(app) as s:
        clerk = user(s, "clerk")
        d, _pw = roster.add_deputy(s, clerk, hash_method=HASH,
                                   congress_id=arranged["congress_id"], name="代表5",
                                   number="005", delegation="道里区代表团", password=PASSWORD)
        attendance.check_in(s, clerk, session_id=arranged["session_id"], deputy_id=d.id,
                            by_desk=True)
        poll = ballots.create_poll(s, clerk, session_id=arranged["session_id"],
                                   title="2023年民生实事项目票决", seats=2,
                                   candidate_project_ids=arranged["projects"],
                                   key_bits=app.config["POLL_KEY_BITS"])
        ballots.open_poll(s, clerk, poll.id)
        poll_id = poll.id
    for username, choices in zip(DEPUTIES + ("d005",),
                                 [["c01", "c02"], ["c01", "c02"], ["c01", "c03"],
                                  ["c01", "c03"], ["c02", "c03"]]):
        vote(app, poll_id, username, choices)
    doc = count_and_publish(app, poll_id)
    assert doc["elected"] == ["c01"] and doc["runoff_reason"] == "tie"
    assert doc["seats_left"] == 1 and doc["runoff_candidates"] == ["c02", "c03"]
    return {**arranged, "selection": poll_id}
