"""Ballot kinds as one abstraction (voting/ballots/kinds/): one registry that every list of
kinds comes from, the evaluation kind of docs/protocol.md end to end at service level and in
the verifier, and a toy kind added by one module and run through cast and count."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from sqlalchemy.schema import AddConstraint, DropConstraint

from tests.ballots import toy_kind
from tests.helpers import app_db, sign_in, user
from tests.polls import close, poll_via_services, signed_voter
from tests.lazy_playwright import expect
from voting.ballots import kinds, openapi, services
from voting.ballots.models import Poll
from voting.db import Base
from voting.errors import Invalid
from voting.pool.models import Project
from voting.tally import board as boardlib
from voting.tally import keys
from voting.tally import services as tally
from voting.verify import main

ROOT = Path(__file__).resolve().parents[2]


def cast(client, voter, poll_id, choices):
    return client.post(f"/api/v1/polls/{poll_id}/ballots", json=voter.ballot(choices))


def count_and_publish(app, poll_id):
    close(app, poll_id)
    with app_db(app) as s:
        tally.tally_poll(s, user(s, "clerk"), poll_id, app.instance_path)
        tally.publish_poll(s, user(s, "clerk"), poll_id)
        return tally.get_result(s, poll_id).document


# ---- one list of kinds -----------------------------------------------------------------------

def test_every_list_of_kinds_is_the_registry():
    assert kinds.names() == ("selection", "for_against", "evaluation")
    from sqlalchemy.dialects import postgresql
    from sqlalchemy.schema import CreateTable
    ddl = str(CreateTable(Poll.__table__).compile(dialect=postgresql.dialect()))
    assert "kind IN ('selection', 'for_against', 'evaluation')" in ddl
    schema = openapi.SCHEMAS["Poll"]["properties"]["kind"]
    assert schema["enum"] == list(kinds.names())
    assert len(openapi.CHOICES["anyOf"]) == len(kinds.names())


def test_the_new_poll_form_offers_the_kinds_the_registry_offers(app):
    from voting.ballots.forms import PollForm
    with app.test_request_context():
        form = PollForm(meta={"csrf": False})
        assert [value for value, _label, *_rest in form.kind.iter_choices()] == [
            "selection", "for_against"]


def test_kind_branches_live_only_in_the_kinds():
    """`grep -rn 'kind ==' voting templates`: only the kinds' own modules and templates."""
    out = subprocess.run(["grep", "-rn", "kind ==", "voting", "templates",
                          "--include=*.py", "--include=*.html", "--include=*.js"],
                         cwd=ROOT, capture_output=True, text=True).stdout
    outside = [line for line in out.splitlines()
               if not line.startswith(("voting/ballots/kinds/", "templates/ballots/kinds/"))]
    assert outside == []


def test_the_counting_part_imports_without_flask_or_sqlalchemy():
    code = ("import sys; import voting.ballots.kinds, voting.tally.board; "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('flask', 'flask_babel', "
            "'sqlalchemy', 'werkzeug')]; print(bad); sys.exit(1 if bad else 0)")
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_an_unknown_kind_is_refused_and_changes_nothing(app, hall):
    with app_db(app) as s:
        before = s.query(Poll).count()
        with pytest.raises(Invalid) as err:
            services.create_poll(s, user(s, "clerk"), session_id=hall["session_id"],
                                 title="测评", kind="ranking", candidate_project_ids=[1])
        assert err.value.field == "kind"
        assert s.query(Poll).count() == before


# ---- the year-end evaluation ---------------------------------------------------------------

@pytest.fixture
def evaluation(app, hall):
    """An open evaluation poll over the hall's 15 candidates (3 deputies checked in of 4)."""
    return poll_via_services(app, hall["session_id"], kind="evaluation", seats=None)


def test_an_evaluation_poll_has_marks_and_no_seats(app, client, evaluation):
    doc = client.get(f"/api/v1/polls/{evaluation}").get_json()
    assert doc["kind"] == "evaluation"
    assert doc["marks"] == ["satisfied", "basic", "dissatisfied", "abstain"]
    assert doc["seats"] is None and doc["max_choices"] is None
    assert "max_for" not in doc


def test_an_evaluation_ballot_is_an_object_of_marks(app, client, evaluation):
    voter = signed_voter(app, client, evaluation, "d001")
    for bad in (["c01"], {"c01": "for"}, {"c99": "satisfied"}):
        r = cast(client, voter, evaluation, bad)
        assert r.status_code == 422, bad
        assert r.get_json()["error"] == "bad_choices"
    r = cast(client, voter, evaluation, {"c02": "basic", "c01": "satisfied", "c03": "abstain"})
    assert r.status_code == 201  # the token was not spent by the refused ones
    close(app, evaluation)
    board = client.get(f"/api/v1/polls/{evaluation}/ballots").get_json()
    assert board["ballots"][0]["choices"] == {"c01": "satisfied", "c02": "basic",
                                              "c03": "abstain"}
    assert list(board["ballots"][0]["choices"]) == ["c01", "c02", "c03"]


def test_an_evaluation_is_counted_rated_and_published_without_selecting(app, client,
                                                                        evaluation):
    marks = [{"c01": "satisfied", "c02": "basic", "c03": "dissatisfied"},
             {"c01": "satisfied", "c02": "satisfied", "c03": "dissatisfied"},
             {"c01": "satisfied", "c02": "dissatisfied"}]
    for username, choices in zip(("d001", "d002", "d003"), marks):
        assert cast(client, signed_voter(app, client, evaluation, username), evaluation,
                    choices).status_code == 201
    doc = count_and_publish(app, evaluation)
    # Roster of 4: threshold 3. c01 3 satisfied; c02 1+1 basic+satisfied < 3; c03 none.
    assert doc["threshold"] == 3 and doc["valid_ballots"] == 3
    assert doc["counts"]["c01"] == {"satisfied": 3, "basic": 0, "dissatisfied": 0, "abstain": 0}
    assert doc["counts"]["c02"] == {"satisfied": 1, "basic": 1, "dissatisfied": 1, "abstain": 0}
    assert doc["counts"]["c15"] == {"satisfied": 0, "basic": 0, "dissatisfied": 0, "abstain": 3}
    assert doc["ratings"]["c01"] == "satisfied"
    assert doc["ratings"]["c02"] == "dissatisfied"
    assert doc["rectify"] == [f"c{i:02d}" for i in range(2, 16)]
    # 3 + 2 good marks of 3 + 3 + 2 rated: 5/8 = 62.50 %.
    assert doc["overall_rate"] == "62.50"
    assert doc["elected"] == [] and doc["tied"] == []
    assert doc["seats"] is None and doc["max_choices"] is None
    with app_db(app) as s:
        assert s.query(Project).filter_by(stage="selected").count() == 0
    page = client.get(f"/results/{evaluation}")
    assert page.status_code == 200
    assert "62.50" in page.get_data(as_text=True)


@pytest.mark.browser
def test_an_evaluation_ballot_in_the_browser(app, page, live_server, evaluation):
    """The kind's template and script: four marks per project, abstain by default, no limit."""
    sign_in(page, live_server, "d001")
    expect(page.get_by_role("button", name="退出")).to_be_visible()
    page.goto(f"{live_server}/my/polls/{evaluation}")
    expect(page.locator("#vote-status")).to_have_text("选票凭证已就绪，请选择。")
    expect(page.locator(".vote-rule")).to_contain_text("请对 15 个项目逐项评为满意")
    expect(page.locator("#vote-counter")).to_have_text("已评 0 / 共 15 项")
    cards = page.locator(".candidate")
    expect(cards.nth(0).get_by_role("radio", name="弃权")).to_be_checked()
    cards.nth(0).get_by_role("radio", name="满意", exact=True).check()
    cards.nth(1).get_by_role("radio", name="基本满意").check()
    cards.nth(2).get_by_role("radio", name="不满意").check()
    expect(page.locator("#vote-counter")).to_have_text("已评 3 / 共 15 项")
    expect(page.locator("#vote-limit")).to_be_hidden()
    page.get_by_role("button", name="检查我的选票").click()
    # every project with its mark, abstentions included: what the ballot sends
    expect(page.locator("#review-list li")).to_have_text(
        ["民生项目01：满意", "民生项目02：基本满意", "民生项目03：不满意"]
        + [f"民生项目{i:02d}：弃权" for i in range(4, 16)])
    page.get_by_role("button", name="投出选票").click()
    expect(page.locator("#receipt-code")).to_have_text(re.compile(r"[0-9a-f]{16,}"))
    close(app, evaluation)
    r = page.request.get(f"{live_server}/api/v1/polls/{evaluation}/ballots")
    [ballot] = r.json()["ballots"]
    marks = {k: v for k, v in ballot["choices"].items() if v != "abstain"}
    assert marks == {"c01": "satisfied", "c02": "basic", "c03": "dissatisfied"}


def test_the_overall_rate_rounds_half_up_and_is_null_when_nobody_rated():
    kind = kinds.get("evaluation")

    def rate(ballots, roster=10):
        outcome = kind.count(candidate_ids=["a", "b"], seats=None, max_choices=None,
                             threshold_base="roster",
                             turnout=boardlib.rules.Turnout(roster=roster, present=roster),
                             ballots=ballots)
        return kind.outcome_fields(outcome)["overall_rate"]

    # 1 good of 8 rated: 12.5 % exactly; 2 of 3: 66.666… → 66.67.
    assert rate([{"a": "satisfied"}] + [{"a": "dissatisfied"}] * 7) == "12.50"
    assert rate([{"a": "basic", "b": "satisfied"}, {"a": "dissatisfied"}]) == "66.67"
    assert rate([{"a": "satisfied"}]) == "100.00"
    assert rate([{"a": "abstain"}, {}]) is None


def test_the_verifier_recounts_an_evaluation_result(app, client, evaluation, tmp_path, capsys):
    for username, choices in (("d001", {"c01": "satisfied"}), ("d002", {"c01": "basic"})):
        assert cast(client, signed_voter(app, client, evaluation, username), evaluation,
                    choices).status_code == 201
    count_and_publish(app, evaluation)
    r = client.get(f"/results/{evaluation}/public-documents.zip")
    assert r.status_code == 200
    folder = tmp_path / "saved"
    zipfile.ZipFile(io.BytesIO(r.data)).extractall(folder)
    signing_key = keys.current_key(app).public_key
    assert main([str(folder), "--signing-key", signing_key, "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "✓ Recount" in out

    result = json.loads((folder / "result.json").read_text("utf-8"))
    result["ratings"]["c01"] = "satisfied"  # it was basic: 1 + 1 of a threshold of 3
    (folder / "result.json").write_text(json.dumps(result, ensure_ascii=False), "utf-8")
    assert main([str(folder), "--signing-key", signing_key, "--lang", "en"]) == 1
    out = capsys.readouterr().out
    assert "✗ Recount" in out and "ratings" in out


# ---- a kind added by one module -----------------------------------------------------------

def _kind_check():
    return next(c for c in Poll.__table__.constraints if c.name in ("kind", "ck_polls_kind"))


@pytest.fixture
def toy(app):
    """The toy kind registered, and the database's CHECK regenerated from the registry."""
    kinds.register(toy_kind.KIND)
    engine = app.extensions["db_engine"]
    try:
        if engine.dialect.name == "sqlite":  # a new file per test: build it again
            Base.metadata.drop_all(engine)
            Base.metadata.create_all(engine)
        else:
            with engine.begin() as conn:
                conn.execute(DropConstraint(_kind_check()))
                conn.execute(AddConstraint(_kind_check()))
        yield toy_kind.KIND
    finally:
        kinds.unregister(toy_kind.KIND.name)
        if engine.dialect.name != "sqlite":
            with engine.begin() as conn:
                conn.exec_driver_sql("UPDATE polls SET kind = 'selection' "
                                     "WHERE kind = 'toy_yes_no'")
                conn.execute(DropConstraint(_kind_check()))
                conn.execute(AddConstraint(_kind_check()))


def test_a_toy_kind_from_one_module_is_cast_and_counted(app, client, toy, hall):
    poll_id = poll_via_services(app, hall["session_id"], kind=toy.name, seats=None)
    doc = client.get(f"/api/v1/polls/{poll_id}").get_json()
    assert doc["kind"] == toy.name and doc["seats"] is None
    voter = signed_voter(app, client, poll_id, "d001")
    assert cast(client, voter, poll_id, {"c01": "maybe"}).status_code == 422
    assert cast(client, voter, poll_id, {"c01": "yes", "c02": "no"}).status_code == 201
    for username in ("d002", "d003"):
        assert cast(client, signed_voter(app, client, poll_id, username), poll_id,
                    {"c01": "yes"}).status_code == 201
    doc = count_and_publish(app, poll_id)
    assert doc["counts"]["c01"] == 3 and doc["counts"]["c02"] == 0
    assert doc["passed"] == ["c01"] and doc["threshold"] == 3
    board = client.get(f"/api/v1/polls/{poll_id}/ballots").get_json()
    assert boardlib.recount(doc, board["ballots"])["passed"] == ["c01"]
    with app_db(app) as s:
        assert s.query(Project).filter_by(stage="selected").count() == 0


def test_the_database_refuses_a_kind_nobody_registered(app, hall):
    from sqlalchemy.exc import IntegrityError
    with app_db(app) as s:
        poll = s.get(Poll, hall["poll_id"])
        poll.kind = "toy_yes_no"
        with pytest.raises(IntegrityError):
            s.flush()
        s.rollback()
