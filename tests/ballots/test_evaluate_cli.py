"""`flask --app voting poll evaluate POLL_ID` (docs/protocol.md): an open evaluation poll in
POLL_ID's session and for its roster, over what POLL_ID and its runoffs selected; its id printed
last; clear refusals for anything but a published selection."""

from __future__ import annotations

from tests.helpers import app_db, user
from tests.supervision.evaluating import count_and_publish, hall_of_four, selected_with_runoff, vote
from voting.audit.models import AuditEntry
from voting.ballots import services as ballots
from voting.ballots.models import Poll
from voting.tally import services as tally


def evaluate(app, poll_id):
    return app.test_cli_runner().invoke(args=["poll", "evaluate", str(poll_id)])


def test_opens_an_evaluation_over_the_selection_and_its_runoff(app, sitting):
    year = selected_with_runoff(app, sitting)
    out = evaluate(app, year["selection"])
    assert out.exit_code == 0, out.output
    lines = out.output.strip().splitlines()
    new_id = int(lines[-1])
    assert "key fingerprint:" in out.output
    with app_db(app) as s:
        poll = s.get(Poll, new_id)
        assert poll.kind == "evaluation" and poll.status == "open"
        assert poll.session_id == year["session_id"] and poll.threshold_base == "roster"
        assert poll.seats is None and poll.max_choices is None
        # c01, c02 from the selection and c03 from its further vote, in ballot order
        assert [(c.candidate_id, c.project_id) for c in poll.candidates] == [
            ("c01", year["projects"][0]), ("c02", year["projects"][1]),
            ("c03", year["projects"][2])]
        assert "满意度测评" in poll.title and "2023" in poll.title
        entry = s.query(AuditEntry).filter_by(action="evaluation.create").one()
        assert entry.details["source_poll_id"] == year["selection"]
        assert entry.details["projects"] == year["projects"][:3]


def test_given_the_runoff_it_still_rates_only_what_that_poll_selected(app, sitting):
    year = selected_with_runoff(app, sitting)
    out = evaluate(app, year["runoff"])
    assert out.exit_code == 0, out.output
    with app_db(app) as s:
        poll = s.get(Poll, int(out.output.split()[-1]))
        assert [c.project_id for c in poll.candidates] == [year["projects"][2]]


def test_refuses_what_is_not_a_published_selection(app, sitting):
    arranged = hall_of_four(app, sitting)
    with app_db(app) as s:
        poll = ballots.create_poll(s, user(s, "clerk"), session_id=arranged["session_id"],
                                   title="票决", seats=2, candidate_project_ids=arranged["projects"],
                                   key_bits=app.config["POLL_KEY_BITS"])
        ballots.open_poll(s, user(s, "clerk"), poll.id)
        poll_id = poll.id
    out = evaluate(app, poll_id)
    assert out.exit_code != 0 and f"投票 {poll_id} 的结果尚未公布" in out.output
    unknown = evaluate(app, 999)
    assert unknown.exit_code != 0 and "没有这个投票" in unknown.output
    for username in ("d001", "d002", "d003"):
        vote(app, poll_id, username, ["c01", "c02"])
    count_and_publish(app, poll_id)
    out = evaluate(app, poll_id)
    assert out.exit_code == 0, out.output
    evaluation_id = int(out.output.split()[-1])
    again = evaluate(app, poll_id)  # the same projects in the same session: not twice
    assert again.exit_code != 0 and f"已有对这些项目的测评（投票 {evaluation_id}）" in again.output
    of_evaluation = evaluate(app, evaluation_id)
    assert of_evaluation.exit_code != 0 and "不是票决" in of_evaluation.output
    with app_db(app) as s:
        assert s.query(Poll).filter_by(kind="evaluation").count() == 1


def test_refuses_while_a_runoff_is_unpublished(app, sitting):
    arranged = hall_of_four(app, sitting)
    with app_db(app) as s:
        poll = ballots.create_poll(s, user(s, "clerk"), session_id=arranged["session_id"],
                                   title="票决", seats=2, candidate_project_ids=arranged["projects"],
                                   key_bits=app.config["POLL_KEY_BITS"])
        ballots.open_poll(s, user(s, "clerk"), poll.id)
        poll_id = poll.id
    for username in ("d001", "d002", "d003"):
        vote(app, poll_id, username, ["c01"])
    count_and_publish(app, poll_id)
    with app_db(app) as s:
        runoff = tally.open_runoff(s, user(s, "clerk"), poll_id,
                                   key_bits=app.config["POLL_KEY_BITS"])
        runoff_id = runoff.id
    out = evaluate(app, poll_id)
    assert out.exit_code != 0 and f"再次投票 {runoff_id} 尚未公布" in out.output
    with app_db(app) as s:
        assert s.query(Poll).filter_by(kind="evaluation").count() == 0


def test_a_whole_evaluation_scripted_from_the_command_line(app, sitting):
    from tests.supervision.evaluating import DEPUTIES, MARKS

    year = selected_with_runoff(app, sitting)
    runner = app.test_cli_runner()
    poll_id = int(evaluate(app, year["selection"]).output.split()[-1])
    for username, marks in zip(DEPUTIES, MARKS):
        vote(app, poll_id, username, marks)
    assert "4 ballots cast" in runner.invoke(args=["poll", "close", str(poll_id)]).output
    counted = runner.invoke(args=["poll", "tally", str(poll_id)])
    assert counted.exit_code == 0, counted.output
    assert "ratings: c01=satisfied c02=basic c03=dissatisfied" in counted.output
    assert "to rectify: c03" in counted.output
    assert "overall satisfaction rate: 72.73" in counted.output
    assert runner.invoke(args=["poll", "publish", str(poll_id)]).exit_code == 0
    with app_db(app) as s:
        from voting.supervision.models import Rectification

        assert [r.project_id for r in s.query(Rectification)] == [year["projects"][2]]


def test_refuses_while_a_tie_at_the_last_seat_has_no_runoff_yet(app, sitting):
    from tests.supervision.evaluating import selection_tied

    year = selection_tied(app, sitting)
    out = evaluate(app, year["selection"])
    assert out.exit_code != 0
    assert f"投票 {year['selection']} 尚有 1 个名额待定" in out.output
    assert "请先发起再次投票" in out.output
    with app_db(app) as s:
        assert s.query(Poll).filter_by(kind="evaluation").count() == 0
        runoff_id = tally.open_runoff(s, user(s, "clerk"), year["selection"],
                                      key_bits=app.config["POLL_KEY_BITS"]).id
        ballots.open_poll(s, user(s, "clerk"), runoff_id)
    for username in ("d001", "d002", "d003"):
        vote(app, runoff_id, username, ["c02"])
    assert count_and_publish(app, runoff_id)["elected"] == ["c02"]
    out = evaluate(app, year["selection"])  # the runoff filled the seat: now it opens
    assert out.exit_code == 0, out.output
    with app_db(app) as s:
        poll = s.get(Poll, int(out.output.split()[-1]))
        assert [c.project_id for c in poll.candidates] == year["projects"][:2]
